from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog

from bots.urls import settings_urlpatterns as bot_settings_urlpatterns
from core.views import healthz
from knowledge.urls import inbox_urlpatterns as knowledge_inbox_urlpatterns
from knowledge.urls import settings_urlpatterns as knowledge_settings_urlpatterns
from parley.api import api
from widget.urls import settings_urlpatterns as inbox_settings_urlpatterns

urlpatterns = [
    path("", include("widget.urls")),  # first: the widget's calls are the busiest, and match nothing else
    path("", RedirectView.as_view(pattern_name="conversations:inbox", permanent=False)),
    path("healthz", healthz, name="healthz"),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),  # the operator pages' script strings
    path("accounts/", include("accounts.urls")),
    path("inbox/", include("conversations.urls")),
    path("inbox/", include("bots.urls")),
    path("inbox/", include(knowledge_inbox_urlpatterns)),  # suggested answers
    path("settings/inboxes/", include(inbox_settings_urlpatterns)),  # each inbox's web widget
    path("settings/bots/", include(bot_settings_urlpatterns)),
    path("settings/knowledge/", include(knowledge_settings_urlpatterns)),
    path("", include("workspaces.urls")),  # /settings/… and /invite/<token>/
    path("api/v1/", api.urls),
    path("", include("integrations.urls")),
]
