"""Websocket endpoints. They only push: every write arrives over HTTP.

Each socket is authorised when it connects, before it joins any group.
"""

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any
from urllib.parse import parse_qs, urlsplit

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer, AsyncWebsocketConsumer
from django.utils import translation

from conversations import live
from conversations.models import Conversation
from conversations.queries import access_conversation, get_visitor_conversation
from core.errors import DomainError
from realtime.groups import conversation_group, inbox_group, member_group, operators_group, visitor_group
from realtime.pages import fragments, page_group, page_language, page_seen
from visitors import sockets
from widget.identity import authenticate_visitor, request_origin
from workspaces.actions import record_heartbeat
from workspaces.models import Member
from workspaces.queries import get_current_member, visible_inboxes

CLOSE_UNAUTHORIZED = 4401
CLOSE_FORBIDDEN = 4403
TYPING_INTERVAL = 0.25  # seconds: a socket passes on at most 4 typing frames a second
TYPING_MAX_CHARS = 500


class TypingThrottle:
    """Passes on at most one typing frame per TYPING_INTERVAL, and always the last one.

    A frame that comes too soon is held and sent when the interval is up, replaced
    by any newer one meanwhile: the final draft (or its clearing) is never dropped.
    """

    def __init__(self, send: Callable[[Any], Awaitable[None]]) -> None:
        self.send = send
        self.last = 0.0
        self.held: Any = None
        self.timer: asyncio.TimerHandle | None = None

    async def push(self, frame: Any) -> None:
        wait = self.last + TYPING_INTERVAL - time.monotonic()
        if wait <= 0 and self.timer is None:
            await self._send(frame)
            return
        self.held = frame
        if self.timer is None:
            self.timer = asyncio.get_running_loop().call_later(max(wait, 0), self._flush)

    def _flush(self) -> None:
        self.timer = None
        frame, self.held = self.held, None
        asyncio.get_running_loop().create_task(self._send(frame))

    async def _send(self, frame: Any) -> None:
        self.last = time.monotonic()
        await self.send(frame)

    def cancel(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None


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
    """An inbox page. Receives list rows of the inboxes its operator may see, the
    team's presence, the operator's own notifications and, for the conversation
    it has open, its header and feed fragments.

    Frames from the page (docs/widget-api.md):
    - {"type": "watch", "conversation": id | null, "after": seq}: the socket joins
      that conversation's group only if the operator may see it, then sends its
      header and the messages after `after`, so nothing falls between the page's
      last read and the join.
    - {"type": "heartbeat"}: the tab is open (presence), every 25 s.
    - {"type": "typing"}: the operator is writing in the watched conversation.
    """

    member: Member
    language: str  # of the page: what is pushed to it is rendered in it (realtime/pages.py)
    groups_joined: frozenset[str] = frozenset()
    watching: str | None = None  # the watched conversation's group
    watched_conversation: str | None = None  # its public id
    watched_visitor: str = ""  # its visitor's group, for typing frames

    async def connect(self) -> None:
        if not _same_origin(self.scope):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        member = await database_sync_to_async(get_current_member)(self.scope.get("user"))
        if member is None:
            await self.close(code=CLOSE_UNAUTHORIZED)
            return
        self.member, self.typing = member, TypingThrottle(self._send_typing)
        self.language = page_language(self.scope)
        await database_sync_to_async(page_seen)(self.language)  # before joining: fragments come in it from now on
        await self._join_groups(await database_sync_to_async(self._allowed_groups)())
        await self.accept()
        await database_sync_to_async(self._heartbeat)()

    def _heartbeat(self) -> None:
        self.member = record_heartbeat(self.member)
        page_seen(self.language)

    def _allowed_groups(self) -> frozenset[str]:
        inboxes = visible_inboxes(self.member).values_list("public_id", flat=True)
        return frozenset(
            {
                operators_group(self.member.workspace.public_id),
                member_group(self.member.public_id),
                *(inbox_group(public_id) for public_id in inboxes),
            }
        )

    async def _join_groups(self, groups: frozenset[str]) -> None:
        for group in self.groups_joined - groups:
            await self.channel_layer.group_discard(page_group(group, self.language), self.channel_name)
        for group in groups - self.groups_joined:
            await self.channel_layer.group_add(page_group(group, self.language), self.channel_name)
        self.groups_joined = groups

    async def disconnect(self, code: int) -> None:
        if typing := getattr(self, "typing", None):
            typing.cancel()
        await self._join_groups(frozenset())
        await self._unwatch()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        try:
            frame = json.loads(text_data or "")
        except ValueError:
            return
        if not isinstance(frame, dict):
            return
        kind = frame.get("type")
        if kind == "watch":
            await self._watch(frame.get("conversation"), frame.get("after"))
        elif kind == "heartbeat":
            await database_sync_to_async(self._heartbeat)()
        elif kind == "typing" and self.watched_conversation:
            await self.typing.push(self.watched_visitor)

    async def _send_typing(self, visitor_group: str) -> None:
        payload = {"type": "typing", "name": self.member.display_name}
        await self.channel_layer.group_send(visitor_group, {"type": "push.json", "payload": payload})

    async def access_changed(self, event: dict[str, Any]) -> None:
        """The operator's role or inboxes changed: leave what they may no longer see."""
        member = await database_sync_to_async(
            lambda: Member.objects.select_related("workspace", "user").filter(pk=self.member.pk).first()
        )()
        if member is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.member = member
        await self._join_groups(await database_sync_to_async(self._allowed_groups)())
        if self.watched_conversation:
            # Re-authorised like a new watch; no catch-up needed, the socket stayed in the group.
            await self._watch(self.watched_conversation, None)

    async def _watch(self, conversation_id: object, after: object) -> None:
        await self._unwatch()
        if not isinstance(conversation_id, str):
            return
        try:
            conversation = await database_sync_to_async(access_conversation)(self.member, conversation_id)
        except DomainError:
            return
        self.watching = page_group(conversation_group(conversation.public_id), self.language)
        self.watched_conversation = conversation_id
        self.watched_visitor = visitor_group(conversation.visitor.public_id)
        await self.channel_layer.group_add(self.watching, self.channel_name)
        if after is None:
            return
        cursor = after if isinstance(after, int) and after >= 0 else 0
        await self.send(text_data=await database_sync_to_async(self._catch_up)(conversation, cursor))

    def _catch_up(self, conversation: Conversation, after: int) -> str:
        with translation.override(self.language):
            return live.catch_up(conversation, after)

    async def _unwatch(self) -> None:
        if self.watching:
            await self.channel_layer.group_discard(self.watching, self.channel_name)
            self.watching = self.watched_conversation = None

    async def push_html(self, event: dict[str, Any]) -> None:
        await self.send(text_data=event["html"])


class WidgetConsumer(PushesSkipTheDatabase, AsyncJsonWebsocketConsumer):
    """A visitor's widget: receives JSON frames (docs/widget-api.md).

    It sends {"type": "ping"} (answered with a pong) and {"type": "typing",
    "text": draft} while the visitor writes: operators who have the
    conversation open see the draft live.
    """

    conversation_group: str | None = None

    async def connect(self) -> None:
        token = _query_param(self.scope, "token")
        try:
            visitor = await database_sync_to_async(authenticate_visitor)(token, request_origin(_headers(self.scope)))
        except DomainError as error:
            await self.close(code=CLOSE_UNAUTHORIZED if error.status == 401 else CLOSE_FORBIDDEN)
            return
        self.visitor, self.typing = visitor, TypingThrottle(self._typing)
        self.group = visitor_group(visitor.public_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await sockets.check_in(visitor.pk)

    async def disconnect(self, code: int) -> None:
        if typing := getattr(self, "typing", None):
            typing.cancel()
        if group := getattr(self, "group", None):
            await self.channel_layer.group_discard(group, self.channel_name)
            await sockets.check_out(self.visitor.pk)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            return
        if content.get("type") == "ping":
            await self.send_json({"type": "pong"})
            await sockets.check_in(self.visitor.pk)
        elif content.get("type") == "typing" and isinstance(content.get("text"), str):
            await self.typing.push(content["text"][:TYPING_MAX_CHARS])

    async def _typing(self, text: str) -> None:
        if self.conversation_group is None:
            conversation = await database_sync_to_async(get_visitor_conversation)(self.visitor)
            if conversation is None:
                return  # nobody to show it to before the first message
            self.conversation_public_id = conversation.public_id.hex
            self.conversation_group = conversation_group(conversation.public_id)
        # A tiny template: no database, no thread hop.
        render = partial(live.typing_html, self.conversation_public_id, text)
        for audience, html in fragments(self.channel_layer, self.conversation_group, render):
            await self.channel_layer.group_send(audience, {"type": "push.html", "html": html})

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
