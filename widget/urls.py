from django.urls import path

from widget import settings_views, views
from widget.api import api

urlpatterns = [
    path("widget.js", views.widget_js, name="widget-js"),
    path("widget/i18n/<str:language>.json", views.catalogue, name="widget-catalogue"),
    path("widget/api/v1/", api.urls),
    path("widget/files/<str:token>/", views.attachment_file, name="widget-file"),
    path("widget/avatars/<str:name>", views.bot_avatar, name="widget-bot-avatar"),
    path("demo/", views.demo_shop, name="demo-shop"),
    path("demo/products/<slug:slug>/", views.demo_product, name="demo-product"),
    path("demo/cart/", views.demo_cart, name="demo-cart"),
    path("demo/api/orders/<str:number>", views.demo_order, name="demo-order"),
]

# The inbox settings pages, included under /settings/inboxes/ (parley/urls.py).
settings_urlpatterns = [
    path("", settings_views.inboxes, name="widget-settings-inboxes"),
    path("new/", settings_views.inbox_create, name="widget-settings-inbox-create"),
    path("<str:inbox_id>/", settings_views.install, name="widget-settings-install"),
    path("<str:inbox_id>/origins/", settings_views.origins, name="widget-settings-origins"),
    path("<str:inbox_id>/capture-emails/", settings_views.capture_emails, name="widget-settings-capture"),
    path("<str:inbox_id>/email-developer/", settings_views.email_developer, name="widget-settings-email"),
    path("<str:inbox_id>/appearance/", settings_views.appearance, name="widget-settings-appearance"),
    path("<str:inbox_id>/appearance/save/", settings_views.appearance_save, name="widget-settings-appearance-save"),
    path("<str:inbox_id>/availability/", settings_views.availability, name="widget-settings-availability"),
    path(
        "<str:inbox_id>/availability/save/",
        settings_views.availability_save,
        name="widget-settings-availability-save",
    ),
    path("<str:inbox_id>/welcome/", settings_views.welcome, name="widget-settings-welcome"),
    path("<str:inbox_id>/welcome/new/", settings_views.welcome_new, name="widget-settings-welcome-new"),
    path("<str:inbox_id>/welcome/create/", settings_views.welcome_create, name="widget-settings-welcome-create"),
    path("<str:inbox_id>/welcome/<str:rule_id>/", settings_views.welcome_rule, name="widget-settings-welcome-rule"),
    path(
        "<str:inbox_id>/welcome/<str:rule_id>/update/",
        settings_views.welcome_update,
        name="widget-settings-welcome-update",
    ),
    path(
        "<str:inbox_id>/welcome/<str:rule_id>/delete/",
        settings_views.welcome_delete,
        name="widget-settings-welcome-delete",
    ),
    path(
        "<str:inbox_id>/welcome/<str:rule_id>/move/", settings_views.welcome_move, name="widget-settings-welcome-move"
    ),
]
