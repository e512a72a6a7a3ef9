"""HTML fragments pushed to every operator of a workspace over the inbox websocket.

They hold no per-operator data and come from the same templates as the page.
"""

from django.template.loader import render_to_string

from conversations.models import Conversation, Message
from conversations.queries import with_last_message


def message_created_html(message: Message) -> str:
    conversation = message.conversation
    conversation.last_message = message  # type: ignore[attr-defined]
    return render_to_string(
        "conversations/live/message_created.html", {"message": message, "conversation": conversation}
    )


def conversation_changed_html(conversation: Conversation) -> str:
    return render_to_string(
        "conversations/live/conversation_changed.html", {"conversation": with_last_message(conversation)}
    )
