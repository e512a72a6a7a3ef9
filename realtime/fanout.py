"""Who hears of each event and what they receive: JSON for widgets, HTML fragments for operators.

Fragments are rendered once per event and are the same for every operator.
"""

from functools import singledispatch
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from conversations import live
from conversations.events import ConversationClosed, ConversationCreated, ConversationReopened, MessageCreated
from conversations.models import Conversation, Message
from realtime.groups import operators_group, visitor_group
from widget.schemas import MessageOut


def _send(group: str, message: dict[str, Any]) -> None:
    async_to_sync(get_channel_layer().group_send)(group, message)


def _to_operators(conversation: Conversation, html: str) -> None:
    _send(operators_group(conversation.workspace.public_id), {"type": "push.html", "html": html})


def _to_visitor(conversation: Conversation, payload: dict[str, Any]) -> None:
    _send(visitor_group(conversation.visitor.public_id), {"type": "push.json", "payload": payload})


def _conversation(pk: int) -> Conversation:
    return Conversation.objects.select_related("workspace", "visitor", "assignee").get(pk=pk)


@singledispatch
def deliver(event: object) -> None:
    raise TypeError(f"No delivery for {event!r}")


@deliver.register
def _(event: MessageCreated) -> None:
    message = Message.objects.select_related(
        "author_member", "conversation__workspace", "conversation__visitor", "conversation__assignee"
    ).get(pk=event.message_id)
    conversation = message.conversation
    _to_operators(conversation, live.message_created_html(message))
    _to_visitor(
        conversation,
        {
            "type": "message.created",
            "conversation_id": conversation.public_id.hex,
            "message": MessageOut.of(message).model_dump(mode="json"),
        },
    )


@deliver.register
def _(event: ConversationCreated) -> None:
    # The list row arrives with the first message's message.created.
    pass


def _status_changed(event: ConversationClosed | ConversationReopened) -> None:
    conversation = _conversation(event.conversation_id)
    _to_operators(conversation, live.conversation_changed_html(conversation))
    _to_visitor(conversation, {"type": event.name, "conversation_id": conversation.public_id.hex})


deliver.register(ConversationClosed, _status_changed)
deliver.register(ConversationReopened, _status_changed)
