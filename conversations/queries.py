"""Reads of conversations and messages, always scoped to the reader's workspace."""

import re
from base64 import urlsafe_b64decode, urlsafe_b64encode
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db.models import BigIntegerField, Q, QuerySet

from conversations.models import Attachment, CannedResponse, Conversation, Message, Notification, Tag
from conversations.search import matching_conversations
from core.compiled import CompiledQuery, Param
from core.errors import InvalidInput
from core.ids import get_by_public_id
from visitors.models import Visitor
from workspaces.models import Member, Team
from workspaces.queries import conversation_scope, get_inbox, get_member, get_team

MESSAGE_PAGE = 200  # catch-up and API pages
FEED_PAGE = 50  # what an opened conversation shows first; older messages load on demand
CONVERSATION_PAGE = 30  # rows per list page; more load as the list scrolls


def access_conversation(member: Member, public_id: str | UUID) -> Conversation:
    """The conversation if the member may see it; NotFound otherwise, revealing nothing."""
    qs = Conversation.objects.select_related("workspace", "visitor__contact", "inbox", "assignee", "team")
    return get_by_public_id(qs.filter(conversation_scope(member)), public_id, "Conversation")


# Each widget message asks it: compiled once.
NEWEST_OF_VISITOR = CompiledQuery(
    lambda: Conversation.objects.filter(visitor_id=Param("visitor", BigIntegerField())).order_by("-created_at", "-id")[
        :1
    ]
)


def get_visitor_conversation(visitor: Visitor) -> Conversation | None:
    """The visitor's newest conversation: the one their widget shows."""
    return NEWEST_OF_VISITOR.first(visitor=visitor.pk)


@dataclass(frozen=True)
class MessagePage:
    messages: list[Message]
    has_more: bool


def list_messages(conversation: Conversation, *, after: int = 0, limit: int = MESSAGE_PAGE) -> MessagePage:
    """Messages with seq > after, oldest first."""
    rows = list(
        conversation.messages.select_related("author_member", "attachment")
        .filter(seq__gt=after)
        .order_by("seq")[: limit + 1]
    )
    return MessagePage(rows[:limit], has_more=len(rows) > limit)


def list_recent_messages(
    conversation: Conversation, *, before: int | None = None, limit: int = FEED_PAGE
) -> MessagePage:
    """The newest messages (with seq < before, when given), oldest first; has_more says older ones exist."""
    qs = conversation.messages.select_related("author_member", "attachment")
    if before is not None:
        qs = qs.filter(seq__lt=before)
    rows = list(qs.order_by("-seq")[: limit + 1])
    return MessagePage(rows[:limit][::-1], has_more=len(rows) > limit)


@dataclass(frozen=True)
class ConversationPage:
    conversations: list[Conversation]
    next_cursor: str | None


@dataclass(frozen=True)
class ConversationFilters:
    """What the list shows. Ids are public ids; "all" and None mean no filter."""

    status: str = "open"  # open | snoozed | closed | all
    assignee: str = "all"  # me | unassigned | all | a member's public id
    team: str | None = None
    tag: str | None = None
    inbox: str | None = None
    channel: str | None = None  # an Inbox.Channel value
    search: str = ""


def _filtered(member: Member, filters: ConversationFilters) -> QuerySet[Conversation]:
    qs = Conversation.objects.filter(conversation_scope(member))
    if filters.status != "all":
        qs = qs.filter(status=filters.status)
    if filters.assignee == "me":
        qs = qs.filter(assignee=member)
    elif filters.assignee == "unassigned":
        qs = qs.filter(assignee=None)
    elif filters.assignee != "all":
        qs = qs.filter(assignee=get_member(member, filters.assignee))
    if filters.team:
        qs = qs.filter(team=get_team(member, filters.team))
    if filters.tag:
        qs = qs.filter(tags=get_tag(member, filters.tag))
    if filters.inbox:
        qs = qs.filter(inbox=get_inbox(member, filters.inbox))
    if filters.channel:
        qs = qs.filter(inbox__channel=filters.channel)
    if filters.search:
        qs = qs.filter(id__in=matching_conversations(member.workspace_id, filters.search))
    return qs


def list_conversations(
    member: Member,
    filters: ConversationFilters = ConversationFilters(),
    *,
    cursor: str | None = None,
    limit: int = CONVERSATION_PAGE,
) -> ConversationPage:
    """Newest activity first, paged by an opaque keyset cursor."""
    qs = (
        _filtered(member, filters)
        .select_related("visitor__contact", "inbox", "assignee", "team")
        .prefetch_related("tags")
        .order_by("-last_activity_at", "-id")
    )
    if cursor:
        when, pk = _decode_cursor(cursor)
        qs = qs.filter(Q(last_activity_at__lt=when) | Q(last_activity_at=when, id__lt=pk))
    rows = list(qs[: limit + 1])
    page = rows[:limit]
    next_cursor = _encode_cursor(page[-1]) if len(rows) > limit else None
    return ConversationPage(with_last_messages(page), next_cursor)


def with_last_messages(conversations: list[Conversation]) -> list[Conversation]:
    """Attach `last_message` to each conversation with one query."""
    lookup = Q()
    for c in conversations:
        lookup |= Q(conversation_id=c.pk, seq=c.last_seq)
    by_conversation = (
        {m.conversation_id: m for m in Message.objects.select_related("author_member", "attachment").filter(lookup)}
        if conversations
        else {}
    )
    for c in conversations:
        c.last_message = by_conversation.get(c.pk)  # type: ignore[attr-defined]
    return conversations


def with_last_message(conversation: Conversation) -> Conversation:
    return with_last_messages([conversation])[0]


def _encode_cursor(c: Conversation) -> str:
    return urlsafe_b64encode(f"{c.last_activity_at.isoformat()}|{c.pk}".encode()).decode()


def _decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        when, pk = urlsafe_b64decode(cursor.encode()).decode().split("|")
        return datetime.fromisoformat(when), int(pk)
    except ValueError:
        raise InvalidInput("Invalid cursor.") from None


def list_tags(member: Member) -> list[Tag]:
    return list(Tag.objects.filter(workspace_id=member.workspace_id))


def get_tag(member: Member, public_id: str | UUID) -> Tag:
    return get_by_public_id(Tag.objects.filter(workspace_id=member.workspace_id), public_id, "Tag")


def header_context(conversation: Conversation) -> dict[str, Any]:
    """What the conversation header offers: who it can go to, and the tags to pick from."""
    workspace_id = conversation.workspace_id
    assignable = Member.objects.filter(
        Q(workspace_id=workspace_id) & (Q(role=Member.Role.ADMIN) | Q(inboxes=conversation.inbox_id))
    ).distinct()
    return {
        "conversation": conversation,
        "assignable": list(assignable.order_by("display_name")),
        "teams": list(Team.objects.filter(workspace_id=workspace_id).order_by("name")),
        "conversation_tags": list(conversation.tags.all()),
        "all_tags": list(Tag.objects.filter(workspace_id=workspace_id)),
        "bot_run": conversation.bot_runs.select_related("bot").order_by("-pk").first(),  # type: ignore[attr-defined]
    }


def list_person_history(member: Member, conversation: Conversation, *, limit: int = MESSAGE_PAGE) -> MessagePage:
    """The newest messages of all conversations with this person (their contact, else this visitor).

    Only conversations the member may see count.
    """
    visitor = conversation.visitor
    person = (
        Q(conversation__visitor__contact_id=visitor.contact_id)
        if visitor.contact_id
        else Q(conversation__visitor_id=visitor.pk)
    )
    scope = Conversation.objects.filter(conversation_scope(member)).values("id")
    rows = list(
        Message.objects.filter(person, conversation_id__in=scope)
        .select_related("author_member", "attachment", "conversation__visitor__contact")
        .order_by("-created_at", "-id")[: limit + 1]
    )
    return MessagePage(rows[:limit][::-1], has_more=len(rows) > limit)


PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\.([a-z_]+)\s*\}\}")


def fill_placeholders(text: str, *, conversation: Conversation, member: Member) -> str:
    """A reply template's text with its placeholders filled in.

    Placeholders: {{contact.name}}, {{contact.email}}, {{contact.phone}}, {{operator.name}},
    {{workspace.name}}. Unknown placeholders stay as written; a missing value becomes empty.
    """
    contact = conversation.visitor.contact
    values = {
        ("contact", "name"): contact.name if contact else "",
        ("contact", "email"): contact.email if contact else "",
        ("contact", "phone"): contact.phone if contact else "",
        ("operator", "name"): member.display_name,
        ("workspace", "name"): conversation.workspace.name,
    }
    return PLACEHOLDER.sub(lambda m: values.get((m[1], m[2]), m[0]), text)


def search_canned_responses(member: Member, prefix: str, *, limit: int = 8) -> list[CannedResponse]:
    """Templates whose shortcut starts with `prefix` (then those containing it), for the "/" picker."""
    prefix = prefix.strip().lstrip("/").lower()[:40]
    qs = CannedResponse.objects.filter(workspace_id=member.workspace_id)
    starting = list(qs.filter(shortcut__startswith=prefix)[:limit])
    if len(starting) < limit and prefix:
        starting += list(
            qs.filter(shortcut__contains=prefix).exclude(shortcut__startswith=prefix)[: limit - len(starting)]
        )
    return starting


def list_notifications(member: Member, *, limit: int = 30) -> list[Notification]:
    return list(
        Notification.objects.filter(recipient=member)
        .select_related("actor", "conversation__visitor__contact", "message")
        .order_by("-created_at", "-id")[:limit]
    )


def count_unread_notifications(member: Member) -> int:
    return Notification.objects.filter(recipient=member, read_at=None).count()


def find_tag(member: Member, name: str) -> Tag | None:
    """The workspace's tag with this name, whatever its case."""
    return Tag.objects.filter(workspace_id=member.workspace_id, name__iexact=" ".join(name.split())).first()


# Attachments and what visitors see


def list_visitor_messages(conversation: Conversation, *, after: int = 0, limit: int = MESSAGE_PAGE) -> MessagePage:
    """What the visitor sees: messages with seq > after, oldest first, never private notes or activity lines."""
    rows = list(
        conversation.messages.select_related("author_member", "attachment")
        .filter(seq__gt=after, private=False)
        .order_by("seq")[: limit + 1]
    )
    return MessagePage(rows[:limit], has_more=len(rows) > limit)


def access_attachment(member: Member, public_id: str | UUID) -> Attachment:
    """An attachment of a conversation the member may see; NotFound otherwise, revealing nothing."""
    visible = Conversation.objects.filter(conversation_scope(member)).values("pk")
    qs = Attachment.objects.filter(workspace_id=member.workspace_id, message__conversation__in=visible)
    return get_by_public_id(qs, public_id, "File")


def get_visitor_attachment(visitor_public_id: str | UUID, public_id: str | UUID) -> Attachment:
    """A file the visitor may download: in their conversation, not in a private note, on a live widget."""
    qs = Attachment.objects.filter(
        message__private=False,
        message__conversation__visitor__public_id=visitor_public_id,
        message__conversation__inbox__revoked_at=None,
    )
    return get_by_public_id(qs, public_id, "File")
