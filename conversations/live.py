"""HTML fragments pushed to inbox pages over the operator websocket.

They hold no per-operator data and come from the same templates as the page.
List rows go to every operator of the workspace; feed and header fragments
only to pages that have the conversation open.
"""

from django.template.loader import render_to_string

from conversations.models import Conversation, Message
from conversations.queries import list_messages, with_last_message


def row_html(conversation: Conversation) -> str:
    return render_to_string("conversations/live/row.html", {"conversation": conversation})


def feed_html(conversation: Conversation, messages: list[Message]) -> str:
    return render_to_string("conversations/live/feed.html", {"conversation": conversation, "messages": messages})


def header_html(conversation: Conversation) -> str:
    return render_to_string(
        "conversations/partials/conversation_header.html", {"conversation": conversation, "oob": True}
    )


def message_created(message: Message) -> tuple[str, str]:
    """(row for every operator, feed fragment for watchers) of a new message."""
    conversation = message.conversation
    conversation.last_message = message  # type: ignore[attr-defined]
    return row_html(conversation), feed_html(conversation, [message])


def status_changed(conversation: Conversation) -> tuple[str, str]:
    """(row for every operator, header for watchers) after a close or reopen."""
    return row_html(with_last_message(conversation)), header_html(conversation)


def catch_up(conversation: Conversation, after: int) -> str:
    """What a page that starts watching needs to be current: the header, and the messages after its cursor."""
    page = list_messages(conversation, after=after)
    return header_html(conversation) + (feed_html(conversation, page.messages) if page.messages else "")
