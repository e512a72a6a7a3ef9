"""Reads of conversations and messages, always scoped to the reader's workspace."""

from base64 import urlsafe_b64decode, urlsafe_b64encode
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.db.models import Q

from conversations.models import Conversation, Message
from core.errors import InvalidInput, NotFound
from visitors.models import Visitor
from workspaces.models import Member

MESSAGE_PAGE = 200
CONVERSATION_PAGE = 50


def _parse_uuid(value: str | UUID) -> UUID | None:
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except ValueError:
        return None


def access_conversation(member: Member, public_id: str | UUID) -> Conversation:
    """The conversation if it belongs to the member's workspace; NotFound otherwise, revealing nothing."""
    uid = _parse_uuid(public_id)
    conversation = (
        Conversation.objects.select_related("workspace", "visitor", "inbox", "assignee")
        .filter(workspace_id=member.workspace_id, public_id=uid)
        .first()
        if uid
        else None
    )
    if conversation is None:
        raise NotFound("Conversation not found.")
    return conversation


def get_visitor_conversation(visitor: Visitor) -> Conversation | None:
    return visitor.conversations.order_by("-created_at", "-id").first()


@dataclass(frozen=True)
class MessagePage:
    messages: list[Message]
    has_more: bool


def list_messages(conversation: Conversation, *, after: int = 0, limit: int = MESSAGE_PAGE) -> MessagePage:
    """Messages with seq > after, oldest first."""
    rows = list(
        conversation.messages.select_related("author_member").filter(seq__gt=after).order_by("seq")[: limit + 1]
    )
    return MessagePage(rows[:limit], has_more=len(rows) > limit)


def list_recent_messages(conversation: Conversation, *, limit: int = MESSAGE_PAGE) -> MessagePage:
    """The newest messages, oldest first; has_more says older ones exist."""
    rows = list(conversation.messages.select_related("author_member").order_by("-seq")[: limit + 1])
    return MessagePage(rows[:limit][::-1], has_more=len(rows) > limit)


@dataclass(frozen=True)
class ConversationPage:
    conversations: list[Conversation]
    next_cursor: str | None


def list_conversations(
    member: Member, *, status: str | None = None, cursor: str | None = None, limit: int = CONVERSATION_PAGE
) -> ConversationPage:
    """Newest activity first, paged by an opaque keyset cursor."""
    qs = (
        Conversation.objects.filter(workspace_id=member.workspace_id)
        .select_related("visitor", "inbox", "assignee")
        .order_by("-last_activity_at", "-id")
    )
    if status:
        qs = qs.filter(status=status)
    if cursor:
        when, pk = _decode_cursor(cursor)
        qs = qs.filter(Q(last_activity_at__lt=when) | Q(last_activity_at=when, id__lt=pk))
    rows = list(qs[: limit + 1])
    page = rows[:limit]
    next_cursor = _encode_cursor(page[-1]) if len(rows) > limit else None
    return ConversationPage(_with_last_messages(page), next_cursor)


def _with_last_messages(conversations: list[Conversation]) -> list[Conversation]:
    """Attach `last_message` to each conversation with one query."""
    lookup = Q()
    for c in conversations:
        lookup |= Q(conversation_id=c.pk, seq=c.last_seq)
    by_conversation = (
        {m.conversation_id: m for m in Message.objects.select_related("author_member").filter(lookup)}
        if conversations
        else {}
    )
    for c in conversations:
        c.last_message = by_conversation.get(c.pk)  # type: ignore[attr-defined]
    return conversations


def with_last_message(conversation: Conversation) -> Conversation:
    return _with_last_messages([conversation])[0]


def _encode_cursor(c: Conversation) -> str:
    return urlsafe_b64encode(f"{c.last_activity_at.isoformat()}|{c.pk}".encode()).decode()


def _decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        when, pk = urlsafe_b64decode(cursor.encode()).decode().split("|")
        return datetime.fromisoformat(when), int(pk)
    except ValueError:
        raise InvalidInput("Invalid cursor.") from None
