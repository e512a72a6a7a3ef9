from django.urls import path

from knowledge import inbox_views, provider_views, settings_views

# Settings → Knowledge, included under /settings/knowledge/ (parley/urls.py).
settings_urlpatterns = [
    path("", settings_views.knowledge, name="knowledge"),
    path("new/", settings_views.create, name="knowledge-create"),
    path("import/", settings_views.import_file, name="knowledge-import"),
    path("questions/<str:question_id>/learn/", settings_views.learn, name="knowledge-learn"),
    path("questions/<str:question_id>/new-entry/", settings_views.new_entry_from, name="knowledge-new-from"),
    path("providers/", provider_views.providers_page, name="knowledge-providers"),
    path("providers/save/", provider_views.save, name="knowledge-providers-save"),
    path("providers/try/<str:kind>/", provider_views.try_provider, name="knowledge-providers-try"),
    path("providers/progress/", provider_views.progress, name="knowledge-providers-progress"),
]

# Suggested answers in the inbox, included under /inbox/ (parley/urls.py).
inbox_urlpatterns = [
    path("c/<str:conversation_id>/suggestions/", inbox_views.suggestions, name="knowledge-suggestions"),
]
