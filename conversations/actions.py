"""Every write to conversations and messages goes through these functions."""

from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from conversations.events import ConversationClosed, ConversationCreated, ConversationReopened, MessageCreated
from conversations.models import Conversation, Message
from core.errors import Conflict, InvalidInput
from realtime.bus import emit
from visitors.models import Visitor
from workspaces.models import Member


@dataclass(frozen=True)
class SentMessage:
    message: Message
    created: bool  # False when a retry matched a message already stored


def clean_message_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise InvalidInput("A message cannot be empty.")
    if len(text) > settings.MESSAGE_MAX_LENGTH:
        raise InvalidInput(f"A message can be at most {settings.MESSAGE_MAX_LENGTH:,} characters long.")
    return text


def clean_client_id(client_id: str | None) -> str | None:
    if client_id is not None and not (1 <= len(client_id) <= 64):
        raise InvalidInput("client_id must be 1 to 64 characters long.")
    return client_id


@transaction.atomic
def send_visitor_message(visitor: Visitor, *, text: str, client_id: str | None) -> SentMessage:
    """Store a visitor's message, starting or reopening their conversation."""
    text, client_id = clean_message_text(text), clean_client_id(client_id)
    # Locking the visitor serialises a visitor's concurrent sends: one
    # conversation is started, and a retried client_id is seen as a retry.
    # (SQLite's IMMEDIATE transactions already serialise every write.)
    if connection.features.has_select_for_update:
        Visitor.objects.select_for_update().filter(pk=visitor.pk).first()
    conversation = visitor.conversations.order_by("-created_at", "-id").first()
    if conversation is None:
        conversation = Conversation.objects.create(workspace=visitor.workspace, inbox=visitor.inbox, visitor=visitor)
        emit(ConversationCreated(conversation.workspace_id, conversation.pk, visitor.pk))
    else:
        # The rows fan-out needs are in memory already; do not load them again.
        conversation.workspace, conversation.visitor = visitor.workspace, visitor
    sent = _append(conversation, author_kind=Message.AuthorKind.VISITOR, member=None, text=text, client_id=client_id)
    if sent.created and not conversation.is_open:
        _set_status(conversation, Conversation.Status.OPEN, member=None)
    return sent


@transaction.atomic
def reply_to_conversation(
    member: Member, conversation: Conversation, *, text: str, client_id: str | None
) -> SentMessage:
    """Store an operator's reply; it goes to the visitor's widget."""
    text, client_id = clean_message_text(text), clean_client_id(client_id)
    conversation = _lock(conversation)
    return _append(conversation, author_kind=Message.AuthorKind.OPERATOR, member=member, text=text, client_id=client_id)


@transaction.atomic
def close_conversation(member: Member, conversation: Conversation) -> Conversation:
    conversation = _lock(conversation)
    if conversation.is_open:
        _set_status(conversation, Conversation.Status.CLOSED, member=member)
    return conversation


@transaction.atomic
def reopen_conversation(member: Member, conversation: Conversation) -> Conversation:
    conversation = _lock(conversation)
    if not conversation.is_open:
        _set_status(conversation, Conversation.Status.OPEN, member=member)
    return conversation


def _lock(conversation: Conversation) -> Conversation:
    """Re-read the conversation under a row lock, keeping the related rows already loaded."""
    locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
    for name in ("workspace", "inbox", "visitor", "assignee"):
        if Conversation._meta.get_field(name).is_cached(conversation):  # type: ignore[union-attr]
            setattr(locked, name, getattr(conversation, name))
    return locked


def _stored_retry(
    conversation: Conversation, client_id: str | None, *, author_kind: str, member: Member | None
) -> Message | None:
    """The message an earlier attempt of this send stored, if any."""
    if client_id is None:
        return None
    existing = conversation.messages.select_related("author_member").filter(client_id=client_id).first()
    if existing and (existing.author_kind, existing.author_member_id) != (author_kind, member.pk if member else None):
        raise Conflict(
            "This client_id is already used by another message in this conversation.", code="client_id_taken"
        )
    return existing


def _append(
    conversation: Conversation, *, author_kind: str, member: Member | None, text: str, client_id: str | None
) -> SentMessage:
    """Store the next message of a conversation, or find the one a retry of this send stored.

    The insert comes first: a retried client_id breaks the unique constraint
    inside a savepoint, so the common case costs no lookup.
    """
    now = timezone.now()
    try:
        with transaction.atomic():
            message = Message.objects.create(
                conversation=conversation,
                seq=conversation.last_seq + 1,
                author_kind=author_kind,
                author_member=member,
                text=text,
                client_id=client_id,
                created_at=now,
            )
    except IntegrityError:
        if existing := _stored_retry(conversation, client_id, author_kind=author_kind, member=member):
            return SentMessage(existing, created=False)
        raise
    conversation.last_seq, conversation.last_activity_at = message.seq, now
    conversation.save(update_fields=["last_seq", "last_activity_at"])
    emit(
        MessageCreated(conversation.workspace_id, conversation.pk, conversation.visitor_id, message.pk, author_kind),
        subject=message,
    )
    return SentMessage(message, created=True)


def _set_status(conversation: Conversation, status: str, *, member: Member | None) -> None:
    conversation.status = status
    conversation.last_activity_at = timezone.now()
    conversation.save(update_fields=["status", "last_activity_at"])
    event = ConversationClosed if status == Conversation.Status.CLOSED else ConversationReopened
    emit(
        event(conversation.workspace_id, conversation.pk, conversation.visitor_id, member.pk if member else None),
        subject=conversation,
    )
