from django.urls import path

from bots import settings_views, views

app_name = "bots"
urlpatterns = [
    path("c/<str:conversation_id>/bot/take-over/", views.take_over, name="take_over"),
    path("c/<str:conversation_id>/bot/hand-back/", views.hand_back, name="hand_back"),
]

# Settings → Bots, included under /settings/bots/ (parley/urls.py).
settings_urlpatterns = [
    path("", settings_views.bots, name="bots"),
    path("new/", settings_views.create, name="bots-create"),
    path("ready-made/<str:key>/", settings_views.install, name="bots-install"),
    path("<str:bot_id>/", settings_views.editor, name="bots-editor"),
    path("<str:bot_id>/rename/", settings_views.rename, name="bots-rename"),
    path("<str:bot_id>/test/", settings_views.test_chat, name="bots-test"),
    path("<str:bot_id>/trigger/", settings_views.trigger, name="bots-trigger"),
    path("<str:bot_id>/silence/", settings_views.silence, name="bots-silence"),
    path("<str:bot_id>/publish/", settings_views.publish, name="bots-publish"),
    path("<str:bot_id>/enabled/", settings_views.enabled, name="bots-enabled"),
    path("<str:bot_id>/duplicate/", settings_views.duplicate, name="bots-duplicate"),
    path("<str:bot_id>/versions/<str:version_id>/roll-back/", settings_views.roll_back, name="bots-roll-back"),
    path("<str:bot_id>/blocks/new/", settings_views.add_block, name="bots-block-new"),
    path("<str:bot_id>/blocks/<str:block_id>/", settings_views.save_block, name="bots-block"),
    path("<str:bot_id>/blocks/<str:block_id>/delete/", settings_views.delete_block, name="bots-block-delete"),
    path("<str:bot_id>/blocks/<str:block_id>/move/", settings_views.move_block, name="bots-block-move"),
    path("<str:bot_id>/blocks/<str:block_id>/start/", settings_views.start_block, name="bots-block-start"),
]
