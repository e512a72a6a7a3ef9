from django.urls import path

from conversations import views

app_name = "conversations"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("list/", views.conversation_list, name="list"),
    path("c/<str:conversation_id>/", views.inbox, name="conversation"),
    path("c/<str:conversation_id>/reply/", views.reply, name="reply"),
    path("c/<str:conversation_id>/close/", views.close, name="close"),
    path("c/<str:conversation_id>/reopen/", views.reopen, name="reopen"),
    path("c/<str:conversation_id>/snooze/", views.snooze, name="snooze"),
    path("c/<str:conversation_id>/assign/", views.assign, name="assign"),
    path("c/<str:conversation_id>/tags/", views.add_tag, name="add_tag"),
    path("c/<str:conversation_id>/tags/<str:tag_id>/remove/", views.remove_tag, name="remove_tag"),
    path("c/<str:conversation_id>/read/", views.mark_read, name="read"),
    path("c/<str:conversation_id>/older/", views.older_messages, name="older"),
    path("c/<str:conversation_id>/history/", views.history, name="history"),
    path("c/<str:conversation_id>/templates/", views.template_picker, name="template_picker"),
    path("templates/", views.save_template, name="save_template"),
    path("me/availability/", views.availability, name="availability"),
    path("notifications/", views.notifications, name="notifications"),
    path("files/<str:attachment_id>/", views.attachment_file, name="file"),
]

# The contacts list, CSV export and import, my tasks (before people/<person_id>/, which would take "import").
urlpatterns += [
    path("people/", views.people_list, name="people"),
    path("people/export.csv", views.people_export, name="people_export"),
    path("people/import/", views.people_import, name="people_import"),
    path("people/import/<str:import_id>/", views.people_import_job, name="people_import_job"),
    path("people/import/<str:import_id>/map/", views.people_import_map, name="people_import_map"),
    path("tasks/", views.my_tasks, name="my_tasks"),
    path("tasks/<str:task_id>/complete/", views.task_complete, name="task_complete"),
    path("tasks/<str:task_id>/reopen/", views.task_reopen, name="task_reopen"),
    path("tasks/<str:task_id>/delete/", views.task_delete, name="task_delete"),
]

# People: the contact card and page, live visitors, operators writing first.
urlpatterns += [
    path("people/<str:person_id>/", views.person_page, name="person"),
    path("people/<str:person_id>/card/", views.person_card, name="person_card"),
    path("people/<str:person_id>/edit/", views.person_edit, name="person_edit"),
    path("people/<str:person_id>/now/", views.person_now, name="person_now"),
    path("people/<str:person_id>/timeline/", views.person_timeline, name="person_timeline"),
    path("visitors/", views.live_visitors, name="live_visitors"),
    path("visitors/list/", views.live_visitors_list, name="live_visitors_list"),
    path("visitors/count/", views.live_visitors_count, name="live_visitors_count"),
    path("visitors/<str:visitor_id>/start/", views.start_chat, name="start_chat"),
]

# Notes and tasks from the card; GDPR export and erasure.
urlpatterns += [
    path("people/<str:person_id>/notes/", views.person_note, name="person_note"),
    path("people/<str:person_id>/tasks/", views.person_task, name="person_task"),
    path("people/<str:person_id>/export.json", views.person_export, name="person_export"),
    path("people/<str:person_id>/delete/", views.person_delete, name="person_delete"),
]

# Merging two contacts: search as you type, the side-by-side confirmation and the merge.
urlpatterns += [
    path("people/<str:person_id>/merge/", views.person_merge, name="person_merge"),
    path("people/<str:person_id>/merge/search/", views.person_merge_search, name="person_merge_search"),
]
