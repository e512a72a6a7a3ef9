"""Email endpoints: the inbound webhook mail providers forward raw MIME to, and the unsubscribe link."""

import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import DomainError
from integrations import continuity, mailroom
from integrations.inbound import MAX_EMAIL_BYTES, parse_email
from integrations.models import ConversationEmail


def _error(status: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse({"code": code, "detail": detail}, status=status)


def _authorised(request: HttpRequest) -> bool:
    secret = settings.INBOUND_EMAIL_SECRET
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip() or request.GET.get("secret", "")
    return bool(secret) and hmac.compare_digest(given.encode(), secret.encode())


@csrf_exempt
@require_POST
def inbound_email(request: HttpRequest) -> JsonResponse:
    """A raw RFC 5322 message as the body (any content type); `Authorization: Bearer <INBOUND_EMAIL_SECRET>`."""
    if not settings.INBOUND_EMAIL_SECRET:
        return _error(403, "inbound_disabled", "Inbound email is off: set INBOUND_EMAIL_SECRET.")
    if not _authorised(request):
        return _error(401, "unauthorized", "Missing or wrong inbound email secret.")
    if int(request.headers.get("Content-Length") or 0) > MAX_EMAIL_BYTES:
        return _error(413, "email_too_large", "The email is larger than the limit.")
    try:
        stored = mailroom.receive(parse_email(request.body))
    except DomainError as error:
        return _error(error.status, error.code, error.detail)
    return JsonResponse({"status": stored.status, "id": stored.public_id.hex})


@csrf_exempt  # one-click unsubscribe (RFC 8058) posts from the mail client, without our CSRF token
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks to confirm (link scanners follow links); POST stops emails of this conversation."""
    thread = ConversationEmail.objects.select_related("conversation__workspace").filter(token=token).first()
    if thread is None:
        return render(request, "integrations/unsubscribe.html", {"thread": None}, status=404)
    if request.method == "POST":
        continuity.unsubscribe(thread)
    return render(request, "integrations/unsubscribe.html", {"thread": thread, "done": request.method == "POST"})
