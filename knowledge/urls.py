from django.urls import path

from knowledge import inbox_views, provider_views, report_views, settings_views

# Settings → Knowledge, included under /settings/knowledge/ (parley/urls.py).
settings_urlpatterns = [
    path("", settings_views.knowledge, name="knowledge"),
    path("new/", settings_views.create, name="knowledge-create"),
    path("import/", settings_views.import_file, name="knowledge-import"),
    path("questions/<str:question_id>/learn/", settings_views.learn, name="knowledge-learn"),
    path("questions/<str:question_id>/new-entry/", settings_views.new_entry_from, name="knowledge-new-from"),
    path("imports/<str:job_id>/", settings_views.import_job, name="knowledge-import-job"),
    path("entries/<str:entry_id>/", settings_views.entry_detail, name="knowledge-entry"),
    path("entries/<str:entry_id>/settings/", settings_views.entry_update, name="knowledge-entry-update"),
    path("entries/<str:entry_id>/delete/", settings_views.entry_delete, name="knowledge-entry-delete"),
    path("entries/<str:entry_id>/languages/", settings_views.variant_add, name="knowledge-variant-add"),
    path("entries/<str:entry_id>/languages/<str:language>/", settings_views.variant_update, name="knowledge-variant"),
    path(
        "entries/<str:entry_id>/languages/<str:language>/delete/",
        settings_views.variant_delete,
        name="knowledge-variant-delete",
    ),
    path("entries/<str:entry_id>/phrasings/", settings_views.phrasing_add, name="knowledge-phrasing-add"),
    path("entries/<str:entry_id>/phrasings/remove/", settings_views.phrasing_remove, name="knowledge-phrasing-remove"),
    path("results/", report_views.results, name="knowledge-results"),
    path("providers/", provider_views.providers_page, name="knowledge-providers"),
    path("providers/save/", provider_views.save, name="knowledge-providers-save"),
    path("providers/try/<str:kind>/", provider_views.try_provider, name="knowledge-providers-try"),
    path("providers/progress/", provider_views.progress, name="knowledge-providers-progress"),
]

# Suggested answers in the inbox, included under /inbox/ (parley/urls.py).
inbox_urlpatterns = [
    path("c/<str:conversation_id>/suggestions/", inbox_views.suggestions, name="knowledge-suggestions"),
]
