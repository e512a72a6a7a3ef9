"""Reads of contacts, scoped to the actor's workspace."""

import json
from base64 import urlsafe_b64decode, urlsafe_b64encode
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from contacts.models import AttributeDefinition, Contact, ImportJob, Task
from conversations.models import Conversation, Message
from conversations.queries import with_last_messages
from conversations.search import contact_search
from core.errors import InvalidInput
from core.ids import get_by_public_id
from visitors.models import Event, PageView, Visitor
from workspaces.models import Member
from workspaces.queries import conversation_scope, require_admin

LIVE_ROWS = 20  # rows re-rendered when a contact's name changes: the newest open or snoozed conversations


def list_live_conversations(contact_id: int, *, limit: int = LIVE_ROWS) -> list[Conversation]:
    """The newest open or snoozed conversations of the contact's visitors, ready to render as list rows."""
    return with_last_messages(
        list(
            Conversation.objects.filter(
                visitor__contact_id=contact_id,
                status__in=[Conversation.Status.OPEN, Conversation.Status.SNOOZED],
            )
            .select_related("workspace", "inbox", "visitor__contact", "assignee", "team")
            .prefetch_related("tags")
            .order_by("-last_activity_at", "-id")[:limit]
        )
    )


# ---------------------------------------------------------------- the contacts list, export, tasks, GDPR

PEOPLE_PAGE = 50
SORTS = ("last_seen", "created")


@dataclass(frozen=True)
class ContactFilters:
    search: str = ""
    verified: bool | None = None
    has_email: bool = False
    seen_within_days: int | None = None
    sort: str = "last_seen"  # or "created"


@dataclass(frozen=True)
class ContactPage:
    contacts: list[Contact]  # each with `last_seen_at` (None when no visitor was ever seen)
    next_cursor: str | None


def visible_contacts(member: Member) -> QuerySet[Contact]:
    """Contacts the member may see: admins every contact of the workspace, agents those with a visitor in
    one of their inboxes."""
    qs = Contact.objects.filter(workspace_id=member.workspace_id)
    if not member.is_admin:
        qs = qs.filter(Exists(Visitor.objects.filter(conversation_scope(member), contact_id=OuterRef("pk"))))
    return qs


def filtered_contacts(member: Member, filters: ContactFilters, *, now: datetime | None = None) -> QuerySet[Contact]:
    """The visible contacts the filters keep, annotated with `last_seen_at` and the sort key `sort_at`."""
    last_seen = Subquery(
        Visitor.objects.filter(contact_id=OuterRef("pk")).order_by("-last_seen_at").values("last_seen_at")[:1]
    )
    qs = visible_contacts(member).annotate(last_seen_at=last_seen)
    if filters.search:
        qs = qs.filter(contact_search(filters.search))
    if filters.verified is not None:
        qs = qs.filter(verified=filters.verified)
    if filters.has_email:
        qs = qs.exclude(email="")
    if filters.seen_within_days is not None:
        since = (now or timezone.now()) - timedelta(days=filters.seen_within_days)
        qs = qs.filter(last_seen_at__gte=since)
    if filters.sort == "created":
        return qs.annotate(sort_at=F("created_at"))
    return qs.annotate(sort_at=Coalesce("last_seen_at", "created_at"))


def list_contacts(
    member: Member, filters: ContactFilters, *, cursor: str | None = None, limit: int = PEOPLE_PAGE
) -> ContactPage:
    """One page of contacts, newest (last seen or created) first, paged by an opaque keyset cursor; one query."""
    qs = filtered_contacts(member, filters)
    if cursor:
        when, pk = _decode_cursor(cursor)
        qs = qs.filter(Q(sort_at__lt=when) | Q(sort_at=when, pk__lt=pk))
    rows = list(qs.order_by("-sort_at", "-pk")[: limit + 1])
    page = rows[:limit]
    last = page[-1] if page else None
    next_cursor = _encode_cursor(last.sort_at, last.pk) if len(rows) > limit and last is not None else None  # type: ignore[attr-defined]
    return ContactPage(page, next_cursor)


def _encode_cursor(when: datetime, pk: int) -> str:
    return urlsafe_b64encode(f"{when.isoformat()}|{pk}".encode()).decode()


def _decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        when, pk = urlsafe_b64decode(cursor.encode()).decode().split("|")
        return datetime.fromisoformat(when), int(pk)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("Invalid cursor.") from None


def attribute_keys(member: Member) -> list[str]:
    return list(
        AttributeDefinition.objects.filter(workspace_id=member.workspace_id)
        .order_by("key")
        .values_list("key", flat=True)
    )


def list_my_tasks(member: Member, *, limit: int = 200) -> list[Task]:
    """Open tasks assigned to the member: overdue first, then by due date, undated last."""
    return list(
        Task.objects.filter(workspace_id=member.workspace_id, assignee=member, done_at__isnull=True)
        .select_related("contact")
        .order_by(F("due_at").asc(nulls_last=True), "created_at", "id")[:limit]
    )


def access_task(member: Member, public_id: str | UUID) -> Task:
    """A task of a contact the member may see; NotFound otherwise."""
    qs = Task.objects.filter(workspace_id=member.workspace_id, contact__in=visible_contacts(member))
    return get_by_public_id(qs.select_related("contact"), public_id, "Task")


def access_import_job(member: Member, public_id: str | UUID) -> ImportJob:
    """An import of the member's workspace; admins only (Forbidden for agents)."""
    require_admin(member)
    return get_by_public_id(ImportJob.objects.filter(workspace_id=member.workspace_id), public_id, "Import")


# GDPR: everything stored about a person, as JSON, streamed.


def _dump(value: Any) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)


def _array(rows: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    yield "["
    for i, row in enumerate(rows):
        yield ("," if i else "") + _dump(row)
    yield "]"


def export_person(contact: Contact) -> Iterator[str]:
    """Every row about the contact, as one JSON document in pieces (large histories are never held whole)."""
    visitors = Visitor.objects.filter(contact_id=contact.pk)
    visitor_ids = visitors.values("pk")
    conversations = Conversation.objects.filter(visitor_id__in=visitor_ids)
    visitor_fields = [
        "public_id", "first_seen_at", "last_seen_at", "user_agent", "language", "browser", "os", "device",
        "time_zone", "first_referrer", "first_landing_url", "utm", "visit_count", "current_url", "current_title",
        "session_started_at",
    ]  # fmt: skip
    yield '{"contact":' + _dump(
        {
            "id": contact.public_id.hex,
            "name": contact.name,
            "email": contact.email,
            "phone": contact.phone,
            "company": contact.company,
            "avatar_url": contact.avatar_url,
            "attributes": contact.attributes,
            "verified": contact.verified,
            "created_at": contact.created_at,
            "updated_at": contact.updated_at,
        }
    )
    yield ',"visitors":'
    yield from _array(
        {**v, "public_id": v["public_id"].hex}
        for v in visitors.order_by("first_seen_at", "pk").values(*visitor_fields).iterator(chunk_size=500)
    )
    yield ',"page_views":'
    yield from _array(
        PageView.objects.filter(visitor_id__in=visitor_ids)
        .order_by("created_at", "pk")
        .values("visitor__public_id", "url", "title", "referrer", "duration_seconds", "created_at")
        .iterator(chunk_size=2000)
    )
    yield ',"events":'
    yield from _array(
        Event.objects.filter(visitor_id__in=visitor_ids)
        .order_by("created_at", "pk")
        .values("visitor__public_id", "name", "properties", "url", "created_at")
        .iterator(chunk_size=2000)
    )
    yield ',"conversations":'
    yield from _array(
        {**c, "public_id": c["public_id"].hex}
        for c in conversations.order_by("created_at", "pk")
        .values("public_id", "visitor__public_id", "inbox__name", "status", "created_at")
        .iterator(chunk_size=500)
    )
    yield ',"messages":'
    yield from _array(
        {
            "conversation": m["conversation__public_id"].hex,
            "seq": m["seq"],
            "author": m["author_kind"],
            "operator": m["author_member__display_name"],
            "private_note": m["private"],
            "text": m["text"],
            "attachment": m["attachment__name"],
            "created_at": m["created_at"],
        }
        for m in Message.objects.filter(conversation__in=conversations)
        .order_by("conversation_id", "seq")
        .values(
            "conversation__public_id",
            "seq",
            "author_kind",
            "author_member__display_name",
            "private",
            "text",
            "attachment__name",
            "created_at",
        )
        .iterator(chunk_size=2000)
    )
    yield ',"notes":'
    yield from _array(
        contact.notes.order_by("created_at", "pk").values("text", "author__display_name", "created_at").iterator()
    )
    yield ',"tasks":'
    yield from _array(
        contact.tasks.order_by("created_at", "pk")
        .values("title", "due_at", "done_at", "assignee__display_name", "created_at")
        .iterator()
    )
    yield ',"merges":'
    yield from _array(
        {**m, "merged_public_id": m["merged_public_id"].hex}
        for m in contact.merges.order_by("created_at", "pk").values("merged_public_id", "merged_data", "created_at")
    )
    yield "}"


# ---------------------------------------------------------------- segments

from contacts.models import Segment  # noqa: E402  (kept with the section it serves)
from contacts.segments import MAX_SEGMENTS, count_members, stored_filter  # noqa: E402

SEGMENT_PAGE = 50


def _visible_contacts(member: Member) -> Q | None:
    """Contacts an agent may see: those with a visitor in their inboxes (admins: every contact)."""
    if member.is_admin:
        return None
    return Q(Exists(Visitor.objects.filter(conversation_scope(member), contact_id=OuterRef("pk"))))


def list_segments(member: Member) -> list[Segment]:
    return list(Segment.objects.filter(workspace_id=member.workspace_id).order_by("name")[:MAX_SEGMENTS])


def list_segments_with_counts(member: Member) -> list[tuple[Segment, int | None]]:
    """The workspace's segments with their member counts (None: rules that no longer compile), in two queries."""
    segments = list_segments(member)
    counts = count_members(member.workspace_id, segments, _visible_contacts(member))
    return [(segment, counts[segment.pk]) for segment in segments]


def get_segment(member: Member, public_id: str | UUID) -> Segment:
    return get_by_public_id(Segment.objects.filter(workspace_id=member.workspace_id), public_id, "Segment")


@dataclass(frozen=True)
class SegmentPage:
    contacts: list[Contact]  # each with `last_seen_at` (None: never seen)
    next_cursor: str | None


def list_segment_members(member: Member, segment: Segment, *, cursor: str | None = None) -> SegmentPage:
    """One page of the segment's members the member may see, newest contact first, by an opaque keyset cursor."""
    contacts = Contact.objects.filter(stored_filter(segment), workspace_id=member.workspace_id)
    scope = _visible_contacts(member)
    if scope is not None:
        contacts = contacts.filter(scope)
    after = _decode_segment_cursor(cursor)
    if after is not None:
        contacts = contacts.filter(pk__lt=after)
    last_seen = Visitor.objects.filter(contact_id=OuterRef("pk")).order_by("-last_seen_at").values("last_seen_at")[:1]
    rows: list[Contact] = list(contacts.annotate(last_seen_at=Subquery(last_seen)).order_by("-pk")[: SEGMENT_PAGE + 1])
    more = len(rows) > SEGMENT_PAGE
    rows = rows[:SEGMENT_PAGE]
    next_cursor = urlsafe_b64encode(f"c{rows[-1].pk}".encode()).decode() if more else None
    return SegmentPage(rows, next_cursor)


def _decode_segment_cursor(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        text = urlsafe_b64decode(cursor.encode()).decode()
        return int(text[1:]) if text.startswith("c") else None
    except (ValueError, UnicodeError):
        return None


# ---------------------------------------------------------------- merging contacts, custom attributes

from django.db.models import Count  # noqa: E402  (kept with the section it serves)

MERGE_CANDIDATES = 10


def search_merge_candidates(
    member: Member, contact: Contact, text: str, *, limit: int = MERGE_CANDIDATES
) -> list[Contact]:
    """Up to `limit` contacts the member may see matching every word (name, email, phone), never `contact` itself."""
    if not text.strip():
        return []
    return list(
        visible_contacts(member)
        .filter(contact_search(text))
        .exclude(pk=contact.pk)
        .order_by("name", "email", "pk")[:limit]
    )


def find_visible_contact_by_email(member: Member, email: str, *, exclude: Contact) -> Contact | None:
    """The oldest contact with this (lower-cased) email that the member may see, other than `exclude`."""
    email = email.strip().lower()
    if not email:
        return None
    return visible_contacts(member).filter(email=email).exclude(pk=exclude.pk).order_by("pk").first()


@dataclass(frozen=True)
class ContactHoldings:
    browsers: int
    conversations: int


def count_holdings(contacts: Iterable[Contact]) -> dict[int, ContactHoldings]:
    """How many browsers (visitors) and conversations each contact has, in two grouped queries."""
    pks = [c.pk for c in contacts]
    browsers = dict(
        Visitor.objects.filter(contact_id__in=pks)
        .values("contact_id")
        .annotate(n=Count("pk"))
        .values_list("contact_id", "n")
    )
    conversations = dict(
        Conversation.objects.filter(visitor__contact_id__in=pks)
        .values("visitor__contact_id")
        .annotate(n=Count("pk"))
        .values_list("visitor__contact_id", "n")
    )
    return {pk: ContactHoldings(browsers.get(pk, 0), conversations.get(pk, 0)) for pk in pks}


def get_attribute(member: Member, public_id: str | UUID) -> AttributeDefinition:
    return get_by_public_id(
        AttributeDefinition.objects.filter(workspace_id=member.workspace_id), public_id, "Attribute"
    )


def list_attributes_with_counts(member: Member) -> list[tuple[AttributeDefinition, int]]:
    """The workspace's attributes, each with how many contacts (the member may see) have a value: two queries."""
    definitions = list(AttributeDefinition.objects.filter(workspace_id=member.workspace_id).order_by("label", "key"))
    if not definitions:
        return []
    counts = visible_contacts(member).aggregate(
        **{f"a{i}": Count("pk", filter=Q(attributes__has_key=d.key)) for i, d in enumerate(definitions)}
    )
    return [(d, counts[f"a{i}"] or 0) for i, d in enumerate(definitions)]
