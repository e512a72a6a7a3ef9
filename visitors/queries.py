"""Reads of visitors and the people behind them, for the inbox: the contact card, the contact page, live visitors.

Everything is scoped to what the member may see: visitors of the inboxes they work (admins: every inbox of
their workspace), and a contact through those of its visitors.
"""

from base64 import urlsafe_b64decode, urlsafe_b64encode
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal
from urllib.parse import urlsplit
from uuid import UUID

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from contacts.models import AttributeDefinition, Contact, ContactNote, Segment, Task
from contacts.segments import segments_of
from conversations.models import Conversation
from conversations.queries import with_last_messages
from core.errors import InvalidInput, NotFound
from core.ids import get_by_public_id, parse_public_id
from visitors.countries import country_name
from visitors.models import Event, PageView, Visitor
from workspaces.models import Member
from workspaces.queries import conversation_scope

LIVE_WINDOW = timedelta(seconds=90)  # the widget sends a heartbeat every 60 s while its page is visible
LIVE_LIMIT = 200  # rows on the live visitors page
CARD_ROWS = 10  # recent pages, key events
CARD_CONVERSATIONS = 20
TIMELINE_PAGE = 50


def visible_visitors(member: Member) -> QuerySet[Visitor]:
    return Visitor.objects.filter(conversation_scope(member))


def access_visitor(member: Member, public_id: str | UUID) -> Visitor:
    """A visitor of an inbox the member may see; NotFound otherwise, revealing nothing."""
    qs = visible_visitors(member).select_related("workspace", "inbox", "contact")
    return get_by_public_id(qs, public_id, "Visitor")


@dataclass(frozen=True)
class Person:
    """Whom a card or contact page is about: a contact (with its visitors) or a visitor not identified yet."""

    contact: Contact | None
    visitor: Visitor | None  # the browser shown live: the one asked for, else the contact's latest seen

    @property
    def public_id(self) -> str:
        """The id of the person's page: the contact's when there is one."""
        if self.contact is not None:
            return self.contact.public_id.hex
        assert self.visitor is not None
        return self.visitor.public_id.hex

    @property
    def display_name(self) -> str:
        if self.contact is not None:
            return self.contact.name or self.contact.email or self.contact.phone or str(self.contact)
        assert self.visitor is not None
        return self.visitor.display_name

    @property
    def initials(self) -> str:
        words = [w for w in self.display_name.replace("@", " ").split() if w[:1].isalnum()]
        return "".join(w[0] for w in words[:2]).upper() or "?"


def access_person(member: Member, public_id: str | UUID) -> Person:
    """The person a contact's or a visitor's public id names, if the member may see them (NotFound otherwise).

    A contact is visible through its visitors: an agent sees it when one of its visitors is in their inboxes.
    """
    uid = parse_public_id(public_id)
    if uid is None:
        raise NotFound("Person not found.")
    visitors = visible_visitors(member).select_related("inbox", "contact")
    visitor = visitors.filter(public_id=uid).first()
    if visitor is not None:
        return Person(visitor.contact, visitor)
    contacts = Contact.objects.filter(workspace_id=member.workspace_id, public_id=uid)
    if not member.is_admin:  # admins also see contacts no browser ever linked to (imported ones)
        contacts = contacts.filter(Exists(visible_visitors(member).filter(contact_id=OuterRef("pk"))))
    contact = contacts.first()
    if contact is None:
        raise NotFound("Person not found.")
    latest = visitors.filter(contact_id=contact.pk).order_by("-last_seen_at", "-id").first()
    if latest is not None:
        latest.contact = contact
    return Person(contact, latest)


def person_visitors(member: Member, person: Person) -> QuerySet[Visitor]:
    """The person's visitors the member may see (every device of a contact, else the one visitor)."""
    qs = visible_visitors(member)
    if person.contact is not None:
        return qs.filter(contact_id=person.contact.pk)
    assert person.visitor is not None
    return qs.filter(pk=person.visitor.pk)


def visitor_source(visitor: Visitor) -> str:
    """Where the visitor first came from: the UTM source, else the referring site, else "Direct"."""
    utm = visitor.utm if isinstance(visitor.utm, dict) else {}
    if utm.get("utm_source"):
        medium = utm.get("utm_medium")
        return f"{utm['utm_source']} / {medium}" if medium else str(utm["utm_source"])
    if visitor.first_referrer:
        return urlsplit(visitor.first_referrer).hostname or visitor.first_referrer
    return "Direct"


def visitor_country(visitor: Visitor) -> str:
    return country_name(visitor.time_zone, visitor.language, visitor.country)


def duration_label(seconds: int | None) -> str:
    """Time on a page as the card shows it: 45s, 3m 05s, 1h 02m ("" when not known yet)."""
    if seconds is None:
        return ""
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m {seconds % 60:02d}s"
    return f"{seconds // 3600}h {seconds % 3600 // 60:02d}m"


def summarise_properties(properties: Any, *, limit: int = 4) -> str:
    """An event's properties in one short line: `plan: pro, price: 20`."""
    if not isinstance(properties, dict) or not properties:
        return ""
    items = [f"{key}: {value}" for key, value in list(properties.items())[:limit]]
    more = len(properties) - limit
    return ", ".join(items) + (f" (+{more})" if more > 0 else "")


@dataclass(frozen=True)
class ContactCard:
    person: Person
    attributes: list[tuple[str, Any]]  # (label, value) of the contact's custom attributes
    source: str
    country: str
    recent_pages: list[PageView]
    key_events: list[Event]
    conversations: list[Conversation]  # newest first, each with `last_message`
    segments: list[Segment] = field(default_factory=list)  # the contact's segments (two queries at most)


def get_contact_card(member: Member, person: Person) -> ContactCard:
    """What the card shows, in a fixed number of queries however much the person did."""
    visitors = person_visitors(member, person).values("pk")
    pages = list(PageView.objects.filter(visitor_id__in=visitors).order_by("-created_at", "-id")[:CARD_ROWS])
    for page in pages:
        page.duration_label = duration_label(page.duration_seconds)  # type: ignore[attr-defined]
    events = list(Event.objects.filter(visitor_id__in=visitors).order_by("-created_at", "-id")[:CARD_ROWS])
    for event in events:
        event.summary = summarise_properties(event.properties)  # type: ignore[attr-defined]
    conversations = list(
        Conversation.objects.filter(conversation_scope(member), visitor_id__in=visitors)
        .select_related("inbox")
        .order_by("-created_at", "-id")[:CARD_CONVERSATIONS]
    )
    with_last_messages(conversations)
    visitor = person.visitor
    return ContactCard(
        person=person,
        attributes=_attributes(member, person.contact),
        source=visitor_source(visitor) if visitor else "",
        country=visitor_country(visitor) if visitor else "",
        recent_pages=pages,
        key_events=events,
        conversations=conversations,
        segments=segments_of(person.contact) if person.contact is not None else [],
    )


def _attributes(member: Member, contact: Contact | None) -> list[tuple[str, Any]]:
    if contact is None or not isinstance(contact.attributes, dict) or not contact.attributes:
        return []
    labels = dict(
        AttributeDefinition.objects.filter(
            workspace_id=member.workspace_id, key__in=list(contact.attributes)
        ).values_list("key", "label")
    )
    return [(str(labels.get(key) or key), value) for key, value in sorted(contact.attributes.items())]


# The contact page's timeline: page views, events, conversations, notes and tasks merged, newest first.

EntryKind = Literal["page", "event", "conversation", "note", "task"]
# Tie-break between kinds at one instant.
_RANK: dict[str, int] = {"page": 0, "event": 1, "conversation": 2, "note": 3, "task": 4}


@dataclass(frozen=True)
class TimelineEntry:
    kind: EntryKind
    at: datetime
    pk: int
    item: PageView | Event | Conversation | ContactNote | Task


@dataclass(frozen=True)
class TimelinePage:
    entries: list[TimelineEntry]
    next_cursor: str | None


def _after_cursor(kind: str, cursor: tuple[datetime, int, int] | None) -> Q:
    """Rows of `kind` that come after the cursor in (time, kind rank, id) descending order."""
    if cursor is None:
        return Q()
    when, rank, pk = cursor
    mine = _RANK[kind]
    if mine < rank:
        return Q(created_at__lte=when)
    if mine > rank:
        return Q(created_at__lt=when)
    return Q(created_at__lt=when) | Q(created_at=when, pk__lt=pk)


def list_timeline(
    member: Member, person: Person, *, cursor: str | None = None, limit: int = TIMELINE_PAGE
) -> TimelinePage:
    """One page of the person's timeline, newest first, paged by an opaque keyset cursor (3 to 6 queries)."""
    after = _decode_cursor(cursor) if cursor else None
    visitors = person_visitors(member, person).values("pk")
    order = ("-created_at", "-id")
    pages = PageView.objects.filter(_after_cursor("page", after), visitor_id__in=visitors).order_by(*order)
    events = Event.objects.filter(_after_cursor("event", after), visitor_id__in=visitors).order_by(*order)
    conversations = (
        Conversation.objects.filter(_after_cursor("conversation", after), conversation_scope(member))
        .filter(visitor_id__in=visitors)
        .select_related("inbox")
        .annotate(message_count=Count("messages", filter=Q(messages__private=False)))
        .order_by(*order)
    )
    entries = [
        *(TimelineEntry("page", p.created_at, p.pk, p) for p in pages[: limit + 1]),
        *(TimelineEntry("event", e.created_at, e.pk, e) for e in events[: limit + 1]),
        *(TimelineEntry("conversation", c.created_at, c.pk, c) for c in conversations[: limit + 1]),
    ]
    if person.contact is not None:  # notes and tasks belong to the contact, not to a browser
        notes = ContactNote.objects.filter(_after_cursor("note", after), contact_id=person.contact.pk)
        tasks = Task.objects.filter(_after_cursor("task", after), contact_id=person.contact.pk)
        entries += [
            *(
                TimelineEntry("note", n.created_at, n.pk, n)
                for n in notes.select_related("author").order_by(*order)[: limit + 1]
            ),
            *(
                TimelineEntry("task", t.created_at, t.pk, t)
                for t in tasks.select_related("assignee").order_by(*order)[: limit + 1]
            ),
        ]
    entries.sort(key=lambda e: (e.at, _RANK[e.kind], e.pk), reverse=True)
    page = entries[:limit]
    for entry in page:
        if isinstance(entry.item, Event):
            entry.item.summary = summarise_properties(entry.item.properties)  # type: ignore[attr-defined]
        elif isinstance(entry.item, PageView):
            entry.item.duration_label = duration_label(entry.item.duration_seconds)  # type: ignore[attr-defined]
    next_cursor = _encode_cursor(page[-1]) if len(entries) > limit else None
    return TimelinePage(page, next_cursor)


def _encode_cursor(entry: TimelineEntry) -> str:
    return urlsafe_b64encode(f"{entry.at.isoformat()}|{_RANK[entry.kind]}|{entry.pk}".encode()).decode()


def _decode_cursor(cursor: str) -> tuple[datetime, int, int]:
    try:
        when, rank, pk = urlsafe_b64decode(cursor.encode()).decode().split("|")
        return datetime.fromisoformat(when), int(rank), int(pk)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("Invalid cursor.") from None


# Live visitors


@dataclass(frozen=True)
class LiveVisitor:
    visitor: Visitor
    source: str
    country: str
    open_conversation: Conversation | None


def _live(member: Member, now: datetime | None) -> QuerySet[Visitor]:
    since = (now or timezone.now()) - LIVE_WINDOW
    return visible_visitors(member).filter(last_seen_at__gte=since)


def list_live_visitors(member: Member, *, now: datetime | None = None, limit: int = LIVE_LIMIT) -> list[LiveVisitor]:
    """Visitors seen in the last 90 seconds in the member's inboxes, latest activity first (two queries)."""
    visitors = list(_live(member, now).select_related("contact", "inbox").order_by("-last_seen_at", "-id")[:limit])
    open_by_visitor: dict[int, Conversation] = {}
    if visitors:
        for c in Conversation.objects.filter(
            conversation_scope(member),
            visitor_id__in=[v.pk for v in visitors],
            status__in=[Conversation.Status.OPEN, Conversation.Status.SNOOZED],
        ).order_by("created_at", "id"):
            open_by_visitor[c.visitor_id] = c  # the newest wins
    return [LiveVisitor(v, visitor_source(v), visitor_country(v), open_by_visitor.get(v.pk)) for v in visitors]


def count_live_visitors(member: Member, *, now: datetime | None = None) -> int:
    return _live(member, now).count()
