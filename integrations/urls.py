from django.urls import path

from integrations import settings_views, views

urlpatterns = [
    path("integrations/email/inbound", views.inbound_email, name="email-inbound"),
    path("email/unsubscribe/<str:token>/", views.unsubscribe, name="email-unsubscribe"),
    path("settings/integrations/", settings_views.integrations, name="integrations-settings"),
    path("settings/integrations/slack/", settings_views.slack, name="integrations-slack"),
]
