from django.urls import include, path
from django.views.generic import RedirectView

from core.views import healthz
from parley.api import api

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="conversations:inbox", permanent=False)),
    path("healthz", healthz, name="healthz"),
    path("accounts/", include("accounts.urls")),
    path("inbox/", include("conversations.urls")),
    path("", include("workspaces.urls")),  # /settings/… and /invite/<token>/
    path("api/v1/", api.urls),
    path("", include("widget.urls")),
]
