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
]
