"""The widget script, its string catalogues and the demo shop page."""

from functools import cache
from pathlib import Path

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from workspaces.models import Inbox

STATIC = Path(__file__).parent / "static" / "widget"


@cache
def _script() -> bytes:
    return (STATIC / "widget.js").read_bytes()


@require_GET
def widget_js(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(_script(), content_type="text/javascript; charset=utf-8")
    # Short cache: sites embed a fixed URL, and fixes must reach them quickly.
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_GET
def catalogue(request: HttpRequest, language: str) -> HttpResponse:
    path = STATIC / "i18n" / f"{language}.json"
    if not (language.isalpha() and len(language) <= 8 and path.is_file()):
        raise Http404("No catalogue for this language.")
    response = HttpResponse(path.read_bytes(), content_type="application/json; charset=utf-8")
    response["Cache-Control"] = "public, max-age=3600"
    return response


@require_GET
def demo_shop(request: HttpRequest) -> HttpResponse:
    """A small store page with the widget embedded, for trying Parley out."""
    inbox = Inbox.objects.filter(revoked_at=None).order_by("created_at").first()
    if inbox is None:
        raise Http404("No inbox yet: run `parley demo` to create the demo workspace.")
    widget_src = request.build_absolute_uri("/widget.js")
    return render(request, "widget/demo_shop.html", {"widget_src": widget_src, "widget_key": inbox.widget_key})
