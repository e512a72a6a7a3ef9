"""The public API the widget script calls from visitors' browsers (docs/widget-api.md)."""

from django.http import HttpRequest
from ninja import NinjaAPI, Query, Schema, Status
from ninja.security import HttpBearer

from conversations import actions as conversation_actions
from conversations.queries import get_visitor_conversation, list_messages
from core.api import install_error_handlers
from visitors import actions as visitor_actions
from visitors.models import Visitor
from widget.identity import (
    authenticate_visitor,
    request_origin,
    resolve_inbox,
    sign_visitor_token,
    visitor_from_token,
)
from widget.schemas import (
    ConversationOut,
    ErrorOut,
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
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut}


@api.post("/sessions", response={200: SessionOut, 201: SessionOut, **ERRORS}, summary="Start or resume a visitor")
def start_session(request: HttpRequest, payload: SessionIn) -> Status[SessionOut]:
    inbox = resolve_inbox(payload.key, request_origin(request.headers))
    user_agent = request.headers.get("User-Agent", "")
    if payload.token:
        visitor = visitor_from_token(inbox, payload.token)
        visitor = visitor_actions.touch_visitor(visitor, user_agent=user_agent, language=payload.language)
        status = 200
    else:
        visitor = visitor_actions.create_visitor(inbox, user_agent=user_agent, language=payload.language)
        status = 201
    return Status(status, SessionOut.of(visitor.public_id.hex, sign_visitor_token(visitor), inbox))


class AfterQuery(Schema):
    after: int = 0


@api.get("/messages", auth=VisitorToken(), response={200: MessagesOut, **ERRORS}, summary="History and catch-up")
def get_messages(request: VisitorRequest, query: Query[AfterQuery]) -> MessagesOut:
    conversation = get_visitor_conversation(request.auth)
    if conversation is None:
        return MessagesOut(conversation=None, messages=[], has_more=False)
    page = list_messages(conversation, after=max(query.after, 0))
    return MessagesOut(
        conversation=ConversationOut.of(conversation),
        messages=[MessageOut.of(m) for m in page.messages],
        has_more=page.has_more,
    )


@api.post(
    "/messages", auth=VisitorToken(), response={200: MessageOut, 201: MessageOut, **ERRORS}, summary="Send a message"
)
def send_message(request: VisitorRequest, payload: MessageIn) -> Status[MessageOut]:
    sent = conversation_actions.send_visitor_message(request.auth, text=payload.text, client_id=payload.client_id)
    return Status(201 if sent.created else 200, MessageOut.of(sent.message))
