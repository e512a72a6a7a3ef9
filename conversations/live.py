"""HTML fragments pushed to inbox pages over the operator websocket.

They hold no per-operator data and come from the same templates as the page.
List rows go to the pages that may see the conversation's inbox; feed and
header fragments only to pages that have the conversation open.
"""

from django.db.models import BigIntegerField
from django.template.loader import render_to_string

from conversations.models import Conversation, Message, Notification, Tag
from conversations.queries import header_context, list_messages, with_last_message
from core.compiled import CompiledQuery, Param
from workspaces.models import Member

# Each new message pushes its conversation's row: compiled once.
TAGS_OF_CONVERSATION = CompiledQuery(
    lambda: Tag.objects.filter(conversations__id=Param("conversation", BigIntegerField())).order_by("name")
)


def row_html(conversation: Conversation, tags: list[Tag] | None = None) -> str:
    """The conversation's list row; `tags` when they were loaded with it."""
    if tags is None:
        tags = TAGS_OF_CONVERSATION.all(conversation=conversation.pk)
    return render_to_string("conversations/live/row.html", {"conversation": conversation, "tags": tags}, using="jinja2")


def row_changed(conversation: Conversation) -> str:
    """The row of a conversation whose list-visible state changed (no new message)."""
    return row_html(with_last_message(conversation))


def feed_html(conversation: Conversation, messages: list[Message]) -> str:
    return render_to_string("conversations/live/feed.html", {"conversation": conversation, "messages": messages})


def header_html(conversation: Conversation) -> str:
    context = {**header_context(conversation), "oob": True}
    return render_to_string("conversations/partials/conversation_header.html", context)


def new_messages_row(messages: list[Message]) -> str:
    """The row of a conversation that has just got `messages` (of one conversation, oldest first)."""
    conversation = messages[-1].conversation  # as the last one left it
    conversation.last_message = messages[-1]  # type: ignore[attr-defined]
    try:
        return row_html(conversation)
    finally:
        del conversation.last_message  # type: ignore[attr-defined]  # it points back: a cycle for the collector


def catch_up(conversation: Conversation, after: int) -> str:
    """What a page that starts watching needs to be current: the header, and the messages after its cursor."""
    page = list_messages(conversation, after=after)
    return header_html(conversation) + (feed_html(conversation, page.messages) if page.messages else "")


def notification_html(notification: Notification) -> str:
    return render_to_string("conversations/live/notification.html", {"notification": notification})


def presence_html(member: Member) -> str:
    return render_to_string("conversations/live/presence.html", {"teammate": member})


def typing_html(conversation_public_id: str, text: str) -> str:
    """The visitor's draft as they type it, shown under the open feed."""
    return render_to_string("conversations/live/typing.html", {"conversation_id": conversation_public_id, "text": text})
