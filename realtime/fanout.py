"""Who hears of each event and what they receive: JSON for widgets, HTML fragments for operators.

Each fragment is rendered once per event and is the same for everyone who receives it.
"""

from functools import singledispatch
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db.models import Model

from conversations import live
from conversations.events import ConversationClosed, ConversationCreated, ConversationReopened, MessageCreated
from conversations.models import Conversation, Message
from realtime.groups import conversation_group, operators_group, visitor_group
from widget.schemas import MessageOut

Push = tuple[str, dict[str, Any]]  # (group, channel-layer message)


def _publish(*pushes: Push) -> None:
    """Send to every audience in one trip to the event loop."""

    async def send_all() -> None:
        layer = get_channel_layer()
        for group, message in pushes:
            await layer.group_send(group, message)

    async_to_sync(send_all)()


def _to_operators(conversation: Conversation, *, row: str, watchers: str) -> tuple[Push, Push]:
    return (
        (operators_group(conversation.workspace.public_id), {"type": "push.html", "html": row}),
        (conversation_group(conversation.public_id), {"type": "push.html", "html": watchers}),
    )


def _to_visitor(conversation: Conversation, payload: dict[str, Any]) -> Push:
    return visitor_group(conversation.visitor.public_id), {"type": "push.json", "payload": payload}


@singledispatch
def deliver(event: object, subject: Model | None = None) -> None:
    raise TypeError(f"No delivery for {event!r}")


@deliver.register
def _(event: MessageCreated, subject: Model | None = None) -> None:
    message = subject if isinstance(subject, Message) else _load_message(event.message_id)
    conversation = message.conversation
    row, feed = live.message_created(message)
    payload = {"conversation_id": conversation.public_id.hex, "message": MessageOut.of(message).model_dump(mode="json")}
    _publish(
        *_to_operators(conversation, row=row, watchers=feed),
        _to_visitor(conversation, {"type": "message.created", **payload}),
    )


def _load_message(pk: int) -> Message:
    related = ("author_member", "conversation__workspace", "conversation__visitor", "conversation__assignee")
    return Message.objects.select_related(*related).get(pk=pk)


@deliver.register
def _(event: ConversationCreated, subject: Model | None = None) -> None:
    """Nothing to push: the list row arrives with the first message's message.created."""


def _status_changed(event: ConversationClosed | ConversationReopened, subject: Model | None = None) -> None:
    conversation = (
        subject
        if isinstance(subject, Conversation)
        else Conversation.objects.select_related("workspace", "visitor", "assignee").get(pk=event.conversation_id)
    )
    row, header = live.status_changed(conversation)
    _publish(
        *_to_operators(conversation, row=row, watchers=header),
        _to_visitor(conversation, {"type": event.name, "conversation_id": conversation.public_id.hex}),
    )


deliver.register(ConversationClosed, _status_changed)
deliver.register(ConversationReopened, _status_changed)
