"""Websocket endpoints. They only push: every write arrives over HTTP.

Each socket is authorised when it connects, before it joins any group.
"""

from typing import Any
from urllib.parse import parse_qs, urlsplit

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer, AsyncWebsocketConsumer

from core.errors import DomainError
from realtime.groups import operators_group, visitor_group
from widget.identity import authenticate_visitor, request_origin
from workspaces.models import Member
from workspaces.queries import get_current_member

CLOSE_UNAUTHORIZED = 4401
CLOSE_FORBIDDEN = 4403


class OperatorConsumer(AsyncWebsocketConsumer):
    """The inbox page: receives HTML fragments for its workspace."""

    async def connect(self) -> None:
        if not _same_origin(self.scope):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        member: Member | None = await database_sync_to_async(get_current_member)(
            self.scope.get("user"), self.scope.get("session") or {}
        )
        if member is None:
            await self.close(code=CLOSE_UNAUTHORIZED)
            return
        self.group = operators_group(member.workspace.public_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if group := getattr(self, "group", None):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def push_html(self, event: dict[str, Any]) -> None:
        await self.send(text_data=event["html"])


class WidgetConsumer(AsyncJsonWebsocketConsumer):
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
