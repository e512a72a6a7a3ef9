"""The widget script, its string catalogues and the demo shop page."""

import hashlib
import re
from functools import cache
from pathlib import Path

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.http import etag, require_GET

from bots.models import AVATAR_EXTENSIONS, AVATARS
from conversations.queries import get_visitor_attachment
from conversations.uploads import attachment_response
from core.errors import DomainError
from widget.identity import read_file_token
from workspaces.models import Inbox

STATIC = Path(__file__).parent / "static" / "widget"


@cache
def catalogues_version() -> str:
    """Changes whenever a catalogue does: the script asks for catalogues under this version."""
    digest = hashlib.sha256()
    for path in sorted((STATIC / "i18n").glob("*.json")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:12]


@cache
def _script() -> bytes:
    return (STATIC / "widget.js").read_bytes().replace(b"__CATALOGUES__", catalogues_version().encode())


@cache
def _script_etag() -> str:
    return hashlib.sha256(_script()).hexdigest()[:16]


@require_GET
@etag(lambda request: _script_etag())
def widget_js(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(_script(), content_type="text/javascript; charset=utf-8")
    # Short cache: sites embed a fixed URL, and fixes must reach them quickly; the ETag makes the
    # check after it a 304.
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_GET
def catalogue(request: HttpRequest, language: str) -> HttpResponse:
    path = STATIC / "i18n" / f"{language}.json"
    if not (language.isalpha() and len(language) <= 8 and path.is_file()):
        raise Http404("No catalogue for this language.")
    response = HttpResponse(path.read_bytes(), content_type="application/json; charset=utf-8")
    # The script asks under the current version, so a versioned copy never changes.
    versioned = request.GET.get("v") == catalogues_version()
    response["Cache-Control"] = "public, max-age=31536000, immutable" if versioned else "public, max-age=3600"
    return response


DEMO_PRODUCTS = [
    {
        "slug": "mug",
        "name": "Stoneware Mug",
        "blurb": "Hand-glazed, 350 ml, dishwasher safe.",
        "price": "18.00",
        "colour": "linear-gradient(135deg, #d6d3d1, #a8a29e)",
    },
    {
        "slug": "tea-towel",
        "name": "Linen Tea Towel",
        "blurb": "Stonewashed linen, set of two.",
        "price": "24.00",
        "colour": "linear-gradient(135deg, #bbf7d0, #4d7c0f)",
    },
    {
        "slug": "desk-tray",
        "name": "Oak Desk Tray",
        "blurb": "Solid oak, oiled finish, 30 x 20 cm.",
        "price": "46.00",
        "colour": "linear-gradient(135deg, #fde68a, #b45309)",
    },
]


# The demo shop's order service, for the order-status bot template (its HTTP block calls it).
DEMO_ORDERS = {
    "1042": {"status": "shipped", "eta": "It arrives on Friday.", "items": ["Stoneware Mug"]},
    "1043": {"status": "being packed", "eta": "It ships tomorrow.", "items": ["Oak Desk Tray", "Linen Tea Towel"]},
}


@require_GET
def demo_order(request: HttpRequest, number: str) -> JsonResponse:
    order = DEMO_ORDERS.get(number.strip().lstrip("#"))
    if order is None:
        return JsonResponse({"error": "No such order."}, status=404)
    return JsonResponse({"order": {"number": number, **order}})


def _demo_page(request: HttpRequest, template: str, **context: object) -> HttpResponse:
    inbox = Inbox.objects.filter(revoked_at=None, channel=Inbox.Channel.WEB).order_by("created_at").first()
    if inbox is None:
        raise Http404("No inbox yet: run `parley demo` to create the demo workspace.")
    widget_src = request.build_absolute_uri("/widget.js")
    return render(request, template, {"widget_src": widget_src, "widget_key": inbox.widget_key, **context})


@require_GET
def demo_shop(request: HttpRequest) -> HttpResponse:
    """A small store with the widget embedded, for trying Parley out: home, product pages and a cart."""
    return _demo_page(request, "widget/demo_shop.html", products=DEMO_PRODUCTS)


@require_GET
def demo_product(request: HttpRequest, slug: str) -> HttpResponse:
    product = next((p for p in DEMO_PRODUCTS if p["slug"] == slug), None)
    if product is None:
        raise Http404("No such product.")
    return _demo_page(request, "widget/demo_product.html", product=product)


@require_GET
def demo_cart(request: HttpRequest) -> HttpResponse:
    return _demo_page(request, "widget/demo_cart.html")


AVATAR_TYPES = {extension: content_type for content_type, extension in AVATAR_EXTENSIONS.items()}
AVATAR_NAME = re.compile(r"[0-9a-f]{32}(" + "|".join(re.escape(e) for e in AVATAR_TYPES) + ")")


@require_GET
def bot_avatar(request: HttpRequest, name: str) -> HttpResponseBase:
    """A bot persona's picture. Public, like the persona's name on its messages; a name is never reused, so
    browsers keep it for good."""
    found = AVATAR_NAME.fullmatch(name)
    path = f"{AVATARS}/{name}"
    if found is None or not default_storage.exists(path):
        raise Http404("No such picture.")
    response = FileResponse(default_storage.open(path, "rb"), content_type=AVATAR_TYPES[found.group(1)])
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


@require_GET
def attachment_file(request: HttpRequest, token: str) -> HttpResponseBase:
    """A file of the visitor's conversation, by the signed link the widget API gave them (plain <img> and <a>)."""
    try:
        attachment_hex, visitor_hex = read_file_token(token)
        attachment = get_visitor_attachment(visitor_hex, attachment_hex)
    except DomainError as error:
        return HttpResponse(error.detail, status=error.status, content_type="text/plain; charset=utf-8")
    return attachment_response(attachment)
