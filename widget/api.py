"""The public API the widget script calls from visitors' browsers (docs/widget-api.md)."""

import json

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja import NinjaAPI, Query, Schema, Status
from ninja.security import HttpBearer
from pydantic import ValidationError

from contacts import actions as contact_actions
from conversations import actions as conversation_actions
from conversations.queries import get_visitor_conversation, list_visitor_messages
from conversations.uploads import check_request_size, check_upload
from core.api import install_error_handlers
from core.errors import DomainError, InvalidInput, Unauthorized
from core.ratelimit import limit
from visitors import actions as visitor_actions
from visitors.models import Visitor
from widget import help_api
from widget.identity import (
    authenticate_visitor,
    request_origin,
    resolve_inbox,
    sign_visitor_token,
    visitor_from_token,
)
from widget.queries import conversation_opening, widget_view
from widget.schemas import (
    EVENT_ERROR_CODES,
    EVENTS_BODY_MAX,
    EVENTS_MAX,
    CaptureIn,
    ContactOut,
    ConversationOut,
    EmailIn,
    ErrorOut,
    EventsIn,
    EventsOut,
    IdentifiedOut,
    IdentifyIn,
    MessageIn,
    MessageOut,
    MessagesOut,
    SessionIn,
    SessionOut,
)


class VisitorRequest(HttpRequest):
    auth: Visitor  # set by VisitorToken


class VisitorToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Visitor:
        return authenticate_visitor(token, request_origin(request.headers))


api = NinjaAPI(
    title="Parley widget API",
    version="1",
    urls_namespace="widget-api",
    docs_url=None,
    description="Called by /widget.js from visitors' browsers. See docs/widget-api.md.",
)
install_error_handlers(api)
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut, 429: ErrorOut}
api.add_router("/help", help_api.router, auth=VisitorToken())


@api.post("/sessions", response={200: SessionOut, 201: SessionOut, **ERRORS}, summary="Start or resume a visitor")
def start_session(request: HttpRequest, payload: SessionIn) -> Status[SessionOut]:
    inbox = resolve_inbox(payload.key, request_origin(request.headers))
    browser = {
        "user_agent": request.headers.get("User-Agent", ""),
        "language": payload.language,
        "time_zone": payload.time_zone,
        "ip": request.META.get("REMOTE_ADDR", ""),
    }
    if payload.token:
        visitor = visitor_actions.touch_visitor(visitor_from_token(inbox, payload.token), **browser)
        status = 200
    else:
        limit(
            f"widget:new-visitors:{browser['ip']}",
            per_minute=settings.WIDGET_NEW_VISITORS_PER_MINUTE,
            message="Too many new visitors from this address: wait a minute and try again.",
        )
        visitor = visitor_actions.create_visitor(inbox, **browser)
        status = 201
    view = widget_view(inbox, visitor, payload.language)
    return Status(status, SessionOut.of(visitor.public_id.hex, sign_visitor_token(visitor), inbox, view))


class AfterQuery(Schema):
    after: int = 0


@api.get("/messages", auth=VisitorToken(), response={200: MessagesOut, **ERRORS}, summary="History and catch-up")
def get_messages(request: VisitorRequest, query: Query[AfterQuery]) -> MessagesOut:
    conversation = get_visitor_conversation(request.auth)
    if conversation is None:
        return MessagesOut(conversation=None, messages=[], has_more=False)
    page = list_visitor_messages(conversation, after=max(query.after, 0))
    return MessagesOut(
        conversation=ConversationOut.of(conversation),
        messages=[MessageOut.of(m) for m in page.messages],
        has_more=page.has_more,
    )


@api.post(
    "/messages", auth=VisitorToken(), response={200: MessageOut, 201: MessageOut, **ERRORS}, summary="Send a message"
)
def send_message(request: VisitorRequest, payload: MessageIn) -> Status[MessageOut]:
    visitor = request.auth
    _limit_sending(visitor)
    if payload.email is not None:
        contact_actions.leave_email(visitor, payload.email)
    sent = conversation_actions.send_visitor_message(
        visitor,
        text=payload.text,
        client_id=payload.client_id,
        opening=lambda: conversation_opening(visitor, payload.welcome),
    )
    return Status(201 if sent.created else 200, MessageOut.of(sent.message))


def _limit_sending(visitor: Visitor) -> None:
    """People type far slower than this; a script flooding the team's inbox is told to wait (the widget retries
    a refused message later, with the same client_id)."""
    limit(
        f"widget:messages:{visitor.pk}",
        per_minute=settings.WIDGET_MESSAGES_PER_MINUTE,
        message="Too many messages: wait a moment and try again.",
    )


UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "text": {"type": "string", "maxLength": 10_000},
                        "client_id": {"type": "string", "minLength": 1, "maxLength": 64},
                    },
                }
            }
        },
    }
}


@api.post(
    "/messages/attachments",
    auth=VisitorToken(),
    response={200: MessageOut, 201: MessageOut, **ERRORS},
    summary="Send a file, with optional text",
    openapi_extra=UPLOAD_BODY,
)
def send_attachment(request: VisitorRequest) -> Status[MessageOut]:
    _limit_sending(request.auth)
    # The body is read here, not by ninja: a request certainly over the limit is refused before it is parsed.
    max_bytes = request.auth.workspace.attachment_max_bytes
    check_request_size(request, max_bytes=max_bytes)
    file = request.FILES.get("file")
    if file is None:
        raise InvalidInput("Choose a file to send.", code="file_missing")
    sent = conversation_actions.send_visitor_message(
        request.auth,
        text=request.POST.get("text", ""),
        client_id=request.POST.get("client_id") or None,
        attachment=check_upload(file, max_bytes=max_bytes),
    )
    return Status(201 if sent.created else 200, MessageOut.of(sent.message))


@api.post("/identify", auth=VisitorToken(), response={200: IdentifiedOut, **ERRORS}, summary="Say who the visitor is")
def identify(request: VisitorRequest, payload: IdentifyIn) -> IdentifiedOut:
    contact = contact_actions.identify_visitor(request.auth, traits=payload.traits, signature=payload.signature)
    return IdentifiedOut(contact=ContactOut.of(contact))


@api.post(
    "/capture",
    auth=VisitorToken(),
    response={200: IdentifiedOut, 204: None, **ERRORS},
    summary="An email or phone the visitor typed into the site",
)
def capture(request: VisitorRequest, payload: CaptureIn) -> Status[IdentifiedOut | None]:
    contact = contact_actions.capture_contact_detail(request.auth, email=payload.email, phone=payload.phone)
    if contact is None:
        return Status(204, None)
    return Status(200, IdentifiedOut(contact=ContactOut.of(contact)))


@api.post(
    "/email",
    auth=VisitorToken(),
    response={200: IdentifiedOut, **ERRORS},
    summary="The visitor's email, left in the widget to get replies by email",
)
def leave_email(request: VisitorRequest, payload: EmailIn) -> IdentifiedOut:
    contact = contact_actions.leave_email(request.auth, payload.email)
    return IdentifiedOut(contact=ContactOut.of(contact))


class BatchTooLarge(DomainError):
    status = 413
    code = "batch_too_large"


EVENT_SCHEMA = {
    "type": "object",
    "required": ["events"],
    "properties": {
        "token": {"type": "string", "description": "The visitor token, or send it as a bearer header"},
        "events": {
            "type": "array",
            "maxItems": EVENTS_MAX,
            "items": {
                "type": "object",
                "required": ["type"],
                "properties": {"type": {"enum": ["page_view", "page_leave", "track", "heartbeat"]}},
                "description": "Fields by type: docs/widget-api.md, Tracking",
            },
        },
    },
}
EVENTS_BODY = {
    "requestBody": {
        "required": True,
        "description": f"At most {EVENTS_BODY_MAX // 1024} KB of JSON, sent as application/json or text/plain "
        "(navigator.sendBeacon with a string).",
        "content": {media: {"schema": EVENT_SCHEMA} for media in ("application/json", "text/plain")},
    }
}


@api.post(
    "/events",
    response={202: EventsOut, **ERRORS, 413: ErrorOut},
    summary="Page views, custom events and heartbeats, batched",
    openapi_extra=EVENTS_BODY,
)
def track_events(request: HttpRequest) -> Status[EventsOut]:
    # Parsed here, not by ninja: sendBeacon sends text/plain, the token may be in the body (a beacon cannot set
    # headers), and each limit has its own error code. A refused batch stores nothing.
    if len(request.body) > EVENTS_BODY_MAX:  # Django has read it already (bounded by DATA_UPLOAD_MAX_MEMORY_SIZE)
        raise BatchTooLarge(f"A batch is at most {EVENTS_BODY_MAX // 1024} KB.")
    try:
        data = json.loads(request.body)
    except ValueError:
        raise DomainError("The request body is not valid JSON.", code="malformed_json") from None
    if not isinstance(data, dict) or not isinstance(data.get("events"), list):
        raise DomainError('The body must be a JSON object: {"token": "...", "events": [...]}.', code="invalid_batch")
    bearer = request.headers.get("Authorization", "")
    token = data.get("token") or (bearer[7:] if bearer.lower().startswith("bearer ") else "")
    if not token or not isinstance(token, str):
        raise Unauthorized("Send the visitor token in the body or as a bearer header.", code="missing_token")
    visitor = authenticate_visitor(token, request_origin(request.headers))
    if len(data["events"]) > EVENTS_MAX:
        raise InvalidInput(f"At most {EVENTS_MAX} events a batch, got {len(data['events'])}.", code="too_many_events")
    try:
        batch = EventsIn.model_validate(data)
    except ValidationError as error:
        raise _batch_error(error) from None
    now = timezone.now()
    accepted = visitor_actions.record_activity(visitor, [event.activity(now) for event in batch.events])
    return Status(202, EventsOut(accepted=accepted))


def _batch_error(error: ValidationError) -> InvalidInput:
    """The first problem, by its own code when it has one (properties_too_large, invalid_url, …)."""
    problems = error.errors(include_url=False)
    first = next((p for p in problems if p["type"] in EVENT_ERROR_CODES), problems[0])
    code = first["type"] if first["type"] in EVENT_ERROR_CODES else "validation_error"
    if first["type"] in ("union_tag_invalid", "union_tag_not_found"):
        code = "unknown_event_type"
    # The location without pydantic's union tag: events.3.properties, not events.3.track.properties.
    loc = [str(part) for part in first["loc"] if part not in ("page_view", "page_leave", "track", "heartbeat")]
    detail = first["msg"]
    if code == "unknown_event_type":
        detail = "type must be one of page_view, page_leave, track, heartbeat"
    return InvalidInput(f"{'.'.join(loc)}: {detail}" if loc else detail, code=code)
