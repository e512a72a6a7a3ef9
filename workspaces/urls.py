from django.urls import include, path

from workspaces import views

app_name = "workspaces"

settings_patterns = [
    path("", views.settings_root, name="settings"),
    path("members/", views.members, name="members"),
    path("members/<str:member_id>/", views.member_detail, name="member"),
    path("members/<str:member_id>/role/", views.member_role, name="member_role"),
    path("members/<str:member_id>/inboxes/", views.member_inboxes, name="member_inboxes"),
    path("members/<str:member_id>/remove/", views.member_remove, name="member_remove"),
    path("invitations/", views.invitation_create, name="invitation_create"),
    path("invitations/<str:invitation_id>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("teams/", views.teams, name="teams"),
    path("teams/new/", views.team_create, name="team_create"),
    path("teams/<str:team_id>/", views.team_detail, name="team"),
    path("teams/<str:team_id>/rename/", views.team_rename, name="team_rename"),
    path("teams/<str:team_id>/members/", views.team_members, name="team_members"),
    path("teams/<str:team_id>/delete/", views.team_delete, name="team_delete"),
    path("tags/", views.tags, name="tags"),
    path("tags/new/", views.tag_create, name="tag_create"),
    path("tags/<str:tag_id>/", views.tag_detail, name="tag"),
    path("tags/<str:tag_id>/update/", views.tag_update, name="tag_update"),
    path("tags/<str:tag_id>/delete/", views.tag_delete, name="tag_delete"),
    path("templates/", views.reply_templates, name="templates"),
    path("templates/new/", views.template_create, name="template_create"),
    path("templates/<str:template_id>/", views.template_detail, name="template"),
    path("templates/<str:template_id>/update/", views.template_update, name="template_update"),
    path("templates/<str:template_id>/delete/", views.template_delete, name="template_delete"),
    path("segments/", views.segments, name="segments"),
    path("segments/new/", views.segment_create, name="segment_create"),
    path("segments/condition/", views.segment_condition, name="segment_condition"),
    path("segments/preview/", views.segment_preview, name="segment_preview"),
    path("segments/<str:segment_id>/", views.segment_detail, name="segment"),
    path("segments/<str:segment_id>/update/", views.segment_update, name="segment_update"),
    path("segments/<str:segment_id>/delete/", views.segment_delete, name="segment_delete"),
    path("attributes/", views.attributes, name="attributes"),
    path("attributes/new/", views.attribute_create, name="attribute_create"),
    path("attributes/<str:attribute_id>/", views.attribute_detail, name="attribute"),
    path("attributes/<str:attribute_id>/update/", views.attribute_update, name="attribute_update"),
    path("attributes/<str:attribute_id>/delete/", views.attribute_delete, name="attribute_delete"),
    path("profile/", views.profile, name="profile"),
    path("profile/name/", views.profile_name, name="profile_name"),
    path("profile/availability/", views.profile_availability, name="profile_availability"),
    path("profile/notifications/", views.profile_notifications, name="profile_notifications"),
]

# Included at the site root: the settings under /settings/, the public invitation page under /invite/.
urlpatterns = [
    path("settings/", include(settings_patterns)),
    path("invite/<str:token>/", views.invitation, name="invitation"),
]
