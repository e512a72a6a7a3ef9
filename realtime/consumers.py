"""Websocket endpoints. They only push: every write arrives over HTTP.

Each socket is authorised when it connects, before it joins any group.
"""

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer, AsyncWebsocketConsumer

from conversations import live
from conversations.queries import access_conversation
from core.errors import DomainError
from realtime.groups import conversation_group, operators_group, visitor_group
from widget.identity import authenticate_visitor, request_origin
from workspaces.models import Member
from workspaces.queries import get_current_member

CLOSE_UNAUTHORIZED = 4401
CLOSE_FORBIDDEN = 4403


class PushesSkipTheDatabase:
    """Deliver pushes straight away.

    Channels closes stale database connections before every handler, which
    waits for the sync thread, behind every HTTP request in line for it: under
    load operators got their pushes seconds late. Push handlers only forward
    what fan-out rendered and touch no database.
    """

    PUSHES = frozenset({"push.html", "push.json"})

    async def dispatch(self, message: dict[str, Any]) -> None:
        if message["type"] in self.PUSHES:
            await getattr(self, get_handler_name(message))(message)
        else:
            await super().dispatch(message)  # type: ignore[misc]


class OperatorConsumer(PushesSkipTheDatabase, AsyncWebsocketConsumer):
    """An inbox page. Receives list rows for its workspace and, for the conversation
    it has open, its header and feed fragments.

    The page says which conversation it shows with {"type": "watch",
    "conversation": id | null, "after": seq}. The socket joins that
    conversation's group only if the operator may see it, then sends its header
    and the messages after `after`, so nothing falls between the page's last
    read and the join.
    """

    member: Member
    watching: str | None = None

    async def connect(self) -> None:
        if not _same_origin(self.scope):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        member = await database_sync_to_async(get_current_member)(self.scope.get("user"))
        if member is None:
            await self.close(code=CLOSE_UNAUTHORIZED)
            return
        self.member = member
        self.group = operators_group(member.workspace.public_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if group := getattr(self, "group", None):
            await self.channel_layer.group_discard(group, self.channel_name)
        await self._unwatch()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        try:
            frame = json.loads(text_data or "")
        except ValueError:
            return
        if isinstance(frame, dict) and frame.get("type") == "watch":
            await self._watch(frame.get("conversation"), frame.get("after"))

    async def _watch(self, conversation_id: object, after: object) -> None:
        await self._unwatch()
        if not isinstance(conversation_id, str):
            return
        try:
            conversation = await database_sync_to_async(access_conversation)(self.member, conversation_id)
        except DomainError:
            return
        self.watching = conversation_group(conversation.public_id)
        await self.channel_layer.group_add(self.watching, self.channel_name)
        cursor = after if isinstance(after, int) and after >= 0 else 0
        await self.send(text_data=await database_sync_to_async(live.catch_up)(conversation, cursor))

    async def _unwatch(self) -> None:
        if self.watching:
            await self.channel_layer.group_discard(self.watching, self.channel_name)
            self.watching = None

    async def push_html(self, event: dict[str, Any]) -> None:
        await self.send(text_data=event["html"])


class WidgetConsumer(PushesSkipTheDatabase, AsyncJsonWebsocketConsumer):
    """A visitor's widget: receives JSON frames (docs/widget-api.md)."""

    async def connect(self) -> None:
        token = _query_param(self.scope, "token")
        try:
            visitor = await database_sync_to_async(authenticate_visitor)(token, request_origin(_headers(self.scope)))
        except DomainError as error:
            await self.close(code=CLOSE_UNAUTHORIZED if error.status == 401 else CLOSE_FORBIDDEN)
            return
        self.group = visitor_group(visitor.public_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if group := getattr(self, "group", None):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def push_json(self, event: dict[str, Any]) -> None:
        await self.send_json(event["payload"])


def _headers(scope: dict[str, Any]) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


def _same_origin(scope: dict[str, Any]) -> bool:
    """A page on another site must not open an operator's socket with their cookies."""
    headers = _headers(scope)
    origin = urlsplit(headers.get("origin", ""))
    return not headers.get("origin") or origin.netloc == headers.get("host")


def _query_param(scope: dict[str, Any], name: str) -> str:
    values = parse_qs(scope.get("query_string", b"").decode()).get(name)
    return values[0] if values else ""
