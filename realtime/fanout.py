"""Who hears of each event and what they receive: JSON for widgets, HTML fragments for operators.

Each fragment is rendered once per event and is the same for everyone who receives it.
"""

from functools import singledispatch
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from conversations import live
from conversations.events import ConversationClosed, ConversationCreated, ConversationReopened, MessageCreated
from conversations.models import Conversation, Message
from realtime.groups import conversation_group, operators_group, visitor_group
from widget.schemas import MessageOut


def _send(group: str, message: dict[str, Any]) -> None:
    async_to_sync(get_channel_layer().group_send)(group, message)


def _to_operators(conversation: Conversation, *, row: str, watchers: str) -> None:
    _send(operators_group(conversation.workspace.public_id), {"type": "push.html", "html": row})
    _send(conversation_group(conversation.public_id), {"type": "push.html", "html": watchers})


def _to_visitor(conversation: Conversation, payload: dict[str, Any]) -> None:
    _send(visitor_group(conversation.visitor.public_id), {"type": "push.json", "payload": payload})


@singledispatch
def deliver(event: object) -> None:
    raise TypeError(f"No delivery for {event!r}")


@deliver.register
def _(event: MessageCreated) -> None:
    message = Message.objects.select_related(
        "author_member", "conversation__workspace", "conversation__visitor", "conversation__assignee"
    ).get(pk=event.message_id)
    conversation = message.conversation
    row, feed = live.message_created(message)
    _to_operators(conversation, row=row, watchers=feed)
    payload = {"conversation_id": conversation.public_id.hex, "message": MessageOut.of(message).model_dump(mode="json")}
    _to_visitor(conversation, {"type": "message.created", **payload})


@deliver.register
def _(event: ConversationCreated) -> None:
    """Nothing to push: the list row arrives with the first message's message.created."""


def _status_changed(event: ConversationClosed | ConversationReopened) -> None:
    conversation = Conversation.objects.select_related("workspace", "visitor", "assignee").get(pk=event.conversation_id)
    row, header = live.status_changed(conversation)
    _to_operators(conversation, row=row, watchers=header)
    _to_visitor(conversation, {"type": event.name, "conversation_id": conversation.public_id.hex})


deliver.register(ConversationClosed, _status_changed)
deliver.register(ConversationReopened, _status_changed)
