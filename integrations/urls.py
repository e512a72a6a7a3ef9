from django.urls import path

from integrations import settings_views, views

urlpatterns = [
    path("integrations/email/inbound", views.inbound_email, name="email-inbound"),
    path("email/unsubscribe/<str:token>/", views.unsubscribe, name="email-unsubscribe"),
    path("settings/integrations/", settings_views.integrations, name="integrations-settings"),
    path("settings/integrations/slack/", settings_views.slack, name="integrations-slack"),
    path("settings/email-inboxes/new/", settings_views.email_inbox_create, name="integrations-email-inbox-create"),
    path("settings/email-inboxes/<str:inbox_id>/", settings_views.email_inbox, name="integrations-email-inbox"),
    path(
        "settings/email-inboxes/<str:inbox_id>/address/",
        settings_views.mailbox_address,
        name="integrations-mailbox-address",
    ),
    path("settings/email-inboxes/<str:inbox_id>/imap/", settings_views.mailbox_imap, name="integrations-mailbox-imap"),
    path(
        "settings/email-inboxes/<str:inbox_id>/fetch/", settings_views.mailbox_fetch, name="integrations-mailbox-fetch"
    ),
]
