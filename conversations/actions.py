"""Every write to conversations and messages goes through these functions."""

import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from conversations.events import (
    ConversationAssigned,
    ConversationClosed,
    ConversationCreated,
    ConversationRead,
    ConversationReopened,
    ConversationSnoozed,
    ConversationTagged,
    MessageCreated,
    NotificationCreated,
)
from conversations.models import Attachment, CannedResponse, Conversation, Message, Notification, Tag
from conversations.queries import get_visitor_conversation
from conversations.rich import clean_rich_content
from conversations.uploads import Upload
from core.compiled import CompiledInsert, CompiledUpdate
from core.errors import Conflict, Forbidden, InvalidInput
from realtime.bus import emit
from visitors.models import Visitor
from workspaces.models import Member, Team
from workspaces.queries import require_admin

MAX_SNOOZE = timedelta(days=365)

# Every message is one insert and one conversation update: their statements are built once.
INSERT_MESSAGE = CompiledInsert(Message, ignore_conflicts=True)
UPDATE_CONVERSATION = CompiledUpdate(Conversation)


@dataclass(frozen=True)
class SentMessage:
    message: Message
    created: bool  # False when a retry matched a message already stored


@dataclass(frozen=True)
class Opening:
    """How a visitor's first message opens a conversation: the welcome they saw, whether the inbox was closed."""

    welcome: str = ""
    offline: bool = False


def clean_message_text(text: str, attachment: Upload | None = None, *, may_be_empty: bool = False) -> str:
    text = text.strip()
    if not text and attachment is None and not may_be_empty:
        raise InvalidInput("A message cannot be empty.")
    if len(text) > settings.MESSAGE_MAX_LENGTH:
        raise InvalidInput(f"A message can be at most {settings.MESSAGE_MAX_LENGTH:,} characters long.")
    return text


def clean_client_id(client_id: str | None) -> str | None:
    if client_id is not None and not (1 <= len(client_id) <= 64):
        raise InvalidInput("client_id must be 1 to 64 characters long.")
    return client_id


@transaction.atomic
def send_visitor_message(
    visitor: Visitor,
    *,
    text: str,
    client_id: str | None,
    attachment: Upload | None = None,
    opening: Callable[[], Opening] | None = None,
) -> SentMessage:
    """Store a visitor's message, starting or reopening their conversation.

    `opening` is asked only when the message starts a conversation: the welcome message the visitor saw is
    stored first, as the bot's, so the operator reads what the visitor answered.
    """
    text, client_id = clean_message_text(text, attachment), clean_client_id(client_id)
    # Locking the visitor serialises a visitor's concurrent sends: one
    # conversation is started, and a retried client_id is seen as a retry.
    # (SQLite's IMMEDIATE transactions already serialise every write.)
    if connection.features.has_select_for_update:
        Visitor.objects.select_for_update().filter(pk=visitor.pk).first()
    conversation = get_visitor_conversation(visitor)
    if conversation is None:
        start = opening() if opening else Opening()
        conversation = Conversation.objects.create(
            workspace=visitor.workspace, inbox=visitor.inbox, visitor=visitor, started_offline=start.offline
        )
        emit(ConversationCreated(conversation.workspace_id, conversation.pk, visitor.pk))
        if start.welcome:
            _append(conversation, author_kind=Message.AuthorKind.BOT, member=None, text=start.welcome, client_id=None)
    else:
        # The rows fan-out needs are in memory already; do not load them again.
        conversation.workspace, conversation.inbox, conversation.visitor = visitor.workspace, visitor.inbox, visitor
    return _append_from_visitor(conversation, text=text, client_id=client_id, attachment=attachment)


@transaction.atomic
def open_new_conversation(visitor: Visitor) -> Conversation:
    """A conversation started elsewhere than in the visitor's widget: a new email to one of the business's
    mailboxes (every new email thread is one, as in any mail client), a bot writing first."""
    conversation = Conversation.objects.create(workspace=visitor.workspace, inbox=visitor.inbox, visitor=visitor)
    emit(ConversationCreated(conversation.workspace_id, conversation.pk, visitor.pk))
    return conversation


@transaction.atomic
def add_visitor_email(
    conversation: Conversation, *, text: str, client_id: str, attachment: Upload | None = None
) -> SentMessage:
    """The visitor's answer by email, in the conversation it answers (not their newest); it reopens it."""
    text = clean_message_text(text, attachment)
    clean_client_id(client_id)
    conversation = _lock(conversation)
    return _append_from_visitor(conversation, text=text, client_id=client_id, attachment=attachment)


def _append_from_visitor(
    conversation: Conversation, *, text: str, client_id: str | None, attachment: Upload | None
) -> SentMessage:
    """A visitor's message; a closed or snoozed conversation reopens (once, not again on a retry)."""
    sent = _append(
        conversation,
        author_kind=Message.AuthorKind.VISITOR,
        member=None,
        text=text,
        client_id=client_id,
        attachment=attachment,
    )
    if sent.created and not conversation.is_open:
        _set_status(conversation, Conversation.Status.OPEN, member=None)
    return sent


@transaction.atomic
def add_activity_note(conversation: Conversation, text: str) -> Message:
    """A line for operators only about something that happened outside the chat (an email that failed)."""
    conversation = _lock(conversation)
    return _append(
        conversation, author_kind=Message.AuthorKind.SYSTEM, member=None, text=text, client_id=None, private=True
    ).message


@transaction.atomic
def reply_to_conversation(
    member: Member,
    conversation: Conversation,
    *,
    text: str,
    client_id: str | None,
    attachment: Upload | None = None,
    quick_replies: object = None,
    cards: object = None,
) -> SentMessage:
    """Store an operator's reply; it goes to the visitor's widget. Quick replies and cards: conversations.rich."""
    rich = clean_rich_content(quick_replies, cards)
    text = clean_message_text(text, attachment, may_be_empty="cards" in rich)
    client_id = clean_client_id(client_id)
    conversation = _lock(conversation)
    return _append(
        conversation,
        author_kind=Message.AuthorKind.OPERATOR,
        member=member,
        text=text,
        client_id=client_id,
        attachment=attachment,
        rich=rich,
    )


@transaction.atomic
def add_note(
    member: Member, conversation: Conversation, *, text: str, client_id: str | None, attachment: Upload | None = None
) -> SentMessage:
    """Store a private note: operators see it, the visitor never does. @mentioned operators are notified."""
    text, client_id = clean_message_text(text, attachment), clean_client_id(client_id)
    conversation = _lock(conversation)
    sent = _append(
        conversation,
        author_kind=Message.AuthorKind.OPERATOR,
        member=member,
        text=text,
        client_id=client_id,
        attachment=attachment,
        private=True,
    )
    if sent.created:
        for mentioned in mentioned_members(member, text):
            _notify(mentioned, Notification.Kind.MENTION, conversation, actor=member, message=sent.message)
    return sent


def mentioned_members(member: Member, text: str) -> list[Member]:
    """Teammates named in `text` as @Display Name (longest names first, case-insensitive); never the author."""
    lowered = text.casefold()
    found = []
    teammates = Member.objects.filter(workspace_id=member.workspace_id).exclude(pk=member.pk)
    for teammate in sorted(teammates, key=lambda m: -len(m.display_name)):
        handle = "@" + teammate.display_name.casefold()
        at = lowered.find(handle)
        if at >= 0 and not lowered[at + len(handle) : at + len(handle) + 1].isalnum():
            found.append(teammate)
            lowered = lowered.replace(handle, " ")
    return found


@transaction.atomic
def close_conversation(member: Member | None, conversation: Conversation) -> Conversation:
    """An operator closes the conversation (None: a bot's flow ended with closing it)."""
    conversation = _lock(conversation)
    if conversation.status != Conversation.Status.CLOSED:
        _set_status(conversation, Conversation.Status.CLOSED, member=member)
    return conversation


@transaction.atomic
def reopen_conversation(member: Member, conversation: Conversation) -> Conversation:
    conversation = _lock(conversation)
    if not conversation.is_open:
        _set_status(conversation, Conversation.Status.OPEN, member=member)
    return conversation


@transaction.atomic
def snooze_conversation(member: Member, conversation: Conversation, *, until: datetime) -> Conversation:
    """Put a conversation aside until `until`; it reopens then, or when the visitor writes."""
    if until <= timezone.now():
        raise InvalidInput("Snooze until a time in the future.")
    if until > timezone.now() + MAX_SNOOZE:
        raise InvalidInput("A conversation can be snoozed for at most a year.")
    conversation = _lock(conversation)
    if conversation.status == Conversation.Status.CLOSED:
        raise Conflict("This conversation is closed; reopen it before snoozing.", code="conversation_closed")
    conversation.snoozed_until = until
    _set_status(conversation, Conversation.Status.SNOOZED, member=member)
    return conversation


def wake_snoozed_conversations() -> int:
    """Reopen the conversations whose snooze has ended. Returns how many."""
    due = Conversation.objects.filter(status=Conversation.Status.SNOOZED, snoozed_until__lte=timezone.now())
    woken = 0
    for conversation in due.select_related("workspace", "visitor", "inbox", "assignee", "team"):
        with transaction.atomic():
            locked = _lock(conversation)
            if locked.status == Conversation.Status.SNOOZED:
                _set_status(locked, Conversation.Status.OPEN, member=None)
                woken += 1
    return woken


@transaction.atomic
def assign_conversation(
    member: Member, conversation: Conversation, *, assignee: Member | None, team: Team | None
) -> Conversation:
    """Give the conversation to an operator and/or a team (None takes it away).

    A change leaves an activity line in the feed, and the new assignee is notified.
    """
    if assignee is not None and assignee.workspace_id != conversation.workspace_id:
        raise InvalidInput("That operator is not in this workspace.")
    if team is not None and team.workspace_id != conversation.workspace_id:
        raise InvalidInput("That team is not in this workspace.")
    conversation = _lock(conversation)
    if conversation.status == Conversation.Status.CLOSED:
        raise Conflict("This conversation has been closed; reopen it to assign it.", code="conversation_closed")
    if (
        assignee is not None
        and not assignee.is_admin
        and not assignee.inboxes.filter(pk=conversation.inbox_id).exists()
    ):
        raise InvalidInput(f"{assignee.display_name} does not work the {conversation.inbox.name} inbox.")
    if (conversation.assignee_id, conversation.team_id) == (
        assignee.pk if assignee else None,
        team.pk if team else None,
    ):
        return conversation
    previous = conversation.assignee
    conversation.assignee, conversation.team = assignee, team
    conversation.save(update_fields=["assignee", "team"])
    _append(
        conversation,
        author_kind=Message.AuthorKind.SYSTEM,
        member=member,
        text=_assignment_line(member, previous, assignee, team),
        client_id=None,
        private=True,
    )
    emit(
        ConversationAssigned(
            conversation.workspace_id,
            conversation.pk,
            conversation.visitor_id,
            member.pk,
            assignee.pk if assignee else None,
            team.pk if team else None,
        ),
        subject=conversation,
    )
    if assignee is not None and assignee.pk != member.pk and assignee != previous:
        _notify(assignee, Notification.Kind.ASSIGNED, conversation, actor=member)
    return conversation


@transaction.atomic
def send_bot_message(
    conversation: Conversation,
    *,
    sender_name: str,
    text: str,
    sender_avatar: str = "",
    quick_replies: object = None,
    cards: object = None,
    client_id: str | None = None,
) -> SentMessage:
    """A bot's message to the visitor, shown under its persona's name and picture (`sender_avatar`, a link).
    `client_id` makes a retried step a no-op."""
    rich = clean_rich_content(quick_replies, cards)
    text = clean_message_text(text, may_be_empty="cards" in rich)
    conversation = _lock(conversation)
    sent = _append(
        conversation,
        author_kind=Message.AuthorKind.BOT,
        member=None,
        text=text,
        client_id=clean_client_id(client_id),
        rich=rich,
        sender_name=sender_name[:80],
        sender_avatar=sender_avatar,
    )
    return sent


@transaction.atomic
def hand_off_conversation(
    conversation: Conversation, *, assignee: Member | None, team: Team | None, line: str
) -> Conversation:
    """A bot gives the conversation to people: to an operator and/or a team, or to whoever picks it up (both
    None). `line` says why, for the operators (an activity line); the assignee is notified."""
    conversation = _lock(conversation)
    if (assignee or team) and (conversation.assignee_id, conversation.team_id) != (
        assignee.pk if assignee else None,
        team.pk if team else None,
    ):
        conversation.assignee, conversation.team = assignee, team
        conversation.save(update_fields=["assignee", "team"])
        emit(
            ConversationAssigned(
                conversation.workspace_id,
                conversation.pk,
                conversation.visitor_id,
                None,
                assignee.pk if assignee else None,
                team.pk if team else None,
            ),
            subject=conversation,
        )
        if assignee is not None:
            _notify(assignee, Notification.Kind.ASSIGNED, conversation, actor=None)
    _append(conversation, author_kind=Message.AuthorKind.SYSTEM, member=None, text=line, client_id=None, private=True)
    return conversation


def _assignment_line(member: Member, previous: Member | None, assignee: Member | None, team: Team | None) -> str:
    """The activity line stored with the change, one whole sentence per case so that it translates well."""
    names = {
        "actor": member.display_name,
        "previous": previous.display_name if previous else "",
        "assignee": assignee.display_name if assignee else "",
        "team": team.name if team else "",
    }
    if assignee is None and team is None:
        return gettext("%(actor)s unassigned the conversation.") % names
    if previous is not None and previous != assignee:
        if assignee is not None and team is not None:
            message = gettext(
                "%(actor)s transferred the conversation from %(previous)s to %(assignee)s and the team %(team)s."
            )
        elif assignee is not None:
            message = gettext("%(actor)s transferred the conversation from %(previous)s to %(assignee)s.")
        else:
            message = gettext("%(actor)s transferred the conversation from %(previous)s to the team %(team)s.")
    elif assignee is not None and team is not None:
        message = gettext("%(actor)s assigned the conversation to %(assignee)s and the team %(team)s.")
    elif assignee is not None:
        message = gettext("%(actor)s assigned the conversation to %(assignee)s.")
    else:
        message = gettext("%(actor)s assigned the conversation to the team %(team)s.")
    return message % names


@transaction.atomic
def set_conversation_tags(member: Member, conversation: Conversation, tags: list[Tag]) -> Conversation:
    if any(tag.workspace_id != conversation.workspace_id for tag in tags):
        raise InvalidInput("Unknown tag.")
    conversation = _lock(conversation)
    conversation.tags.set(tags)
    emit(
        ConversationTagged(conversation.workspace_id, conversation.pk, conversation.visitor_id, member.pk),
        subject=conversation,
    )
    return conversation


@transaction.atomic
def tag_conversation_by_bot(conversation: Conversation, names: list[str]) -> Conversation:
    """A bot adds tags by name; a tag the workspace does not have yet is created."""
    tags = []
    for name in names:
        name, colour = _clean_tag(name, "#6b7280")
        tag = Tag.objects.filter(workspace_id=conversation.workspace_id, name__iexact=name).first()
        tags.append(tag or Tag.objects.create(workspace_id=conversation.workspace_id, name=name, colour=colour))
    conversation = _lock(conversation)
    if not {t.pk for t in tags} <= set(conversation.tags.values_list("pk", flat=True)):
        conversation.tags.add(*tags)
        emit(
            ConversationTagged(conversation.workspace_id, conversation.pk, conversation.visitor_id, None),
            subject=conversation,
        )
    return conversation


@transaction.atomic
def mark_conversation_read(member: Member, conversation: Conversation) -> Conversation:
    """An operator has seen the visitor's messages: the team's unread count goes back to zero."""
    if conversation.unread_count == 0:
        return conversation
    conversation = _lock(conversation)
    if conversation.unread_count:
        conversation.unread_count = 0
        conversation.save(update_fields=["unread_count"])
        emit(
            ConversationRead(conversation.workspace_id, conversation.pk, conversation.visitor_id, member.pk),
            subject=conversation,
        )
    return conversation


def _notify(
    recipient: Member, kind: str, conversation: Conversation, *, actor: Member | None, message: Message | None = None
) -> None:
    notification = Notification.objects.create(
        recipient=recipient, kind=kind, conversation=conversation, message=message, actor=actor
    )
    emit(NotificationCreated(conversation.workspace_id, recipient.pk, notification.pk), subject=notification)


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
    conversation: Conversation,
    *,
    author_kind: str,
    member: Member | None,
    text: str,
    client_id: str | None,
    attachment: Upload | None = None,
    private: bool = False,
    rich: dict[str, object] | None = None,
    sender_name: str = "",
    sender_avatar: str = "",
) -> SentMessage:
    """Store the next message of a conversation, or find the one a retry of this send stored.

    The insert comes first: a retried client_id meets the unique constraint and nothing is inserted, so the
    common case costs no lookup.
    """
    now, seq = timezone.now(), conversation.last_seq + 1
    message = INSERT_MESSAGE(
        Message(
            conversation=conversation,
            seq=seq,
            author_kind=author_kind,
            author_member=member,
            text=text,
            rich=rich or {},
            sender_name=sender_name,
            sender_avatar=sender_avatar,
            private=private,
            client_id=client_id,
            created_at=now,
        )
    )
    if message is None:
        if existing := _stored_retry(conversation, client_id, author_kind=author_kind, member=member):
            return SentMessage(existing, created=False)
        raise IntegrityError(f"Message {seq} of conversation {conversation.pk} exists already.")
    if attachment is not None:
        _attach(message, attachment)
    else:
        Message.attachment.related.set_cached_value(message, None)  # known to have none: no query to ask
    conversation.last_seq, conversation.last_activity_at = message.seq, now
    changed = ["last_seq", "last_activity_at"]
    if author_kind == Message.AuthorKind.VISITOR:
        conversation.unread_count += 1
        conversation.waiting_since = conversation.waiting_since or now
        changed += ["unread_count", "waiting_since"]
    elif author_kind == Message.AuthorKind.OPERATOR and not private and conversation.waiting_since:
        conversation.waiting_since = None
        changed.append("waiting_since")
    UPDATE_CONVERSATION(conversation, changed)
    emit(
        MessageCreated(
            conversation.workspace_id, conversation.pk, conversation.visitor_id, message.pk, author_kind, private
        ),
        subject=message,
    )
    return SentMessage(message, created=True)


def _attach(message: Message, upload: Upload) -> None:
    attachment = Attachment(
        workspace_id=message.conversation.workspace_id,
        message=message,
        name=upload.name,
        content_type=upload.content_type,
        size=upload.size,
    )
    attachment.file.save(upload.name, upload.file, save=False)
    attachment.save()
    message.attachment = attachment


def _set_status(conversation: Conversation, status: str, *, member: Member | None) -> None:
    conversation.status = status
    if status != Conversation.Status.SNOOZED:
        conversation.snoozed_until = None
    conversation.last_activity_at = timezone.now()
    conversation.save(update_fields=["status", "snoozed_until", "last_activity_at"])
    event = STATUS_EVENTS[status]
    emit(
        event(conversation.workspace_id, conversation.pk, conversation.visitor_id, member.pk if member else None),
        subject=conversation,
    )


STATUS_EVENTS: dict[str, type[ConversationClosed | ConversationReopened | ConversationSnoozed]] = {
    Conversation.Status.OPEN: ConversationReopened,
    Conversation.Status.SNOOZED: ConversationSnoozed,
    Conversation.Status.CLOSED: ConversationClosed,
}


# Tags and reply templates

TAG_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def _clean_tag(name: str, colour: str) -> tuple[str, str]:
    name = " ".join(name.split())
    if not 1 <= len(name) <= 50:
        raise InvalidInput("A tag name must be 1 to 50 characters long.")
    if not TAG_COLOUR.match(colour):
        raise InvalidInput("A tag colour must look like #1a2b3c.")
    return name, colour.lower()


def _unique_tag_name(member: Member, name: str, *, other_than: Tag | None = None) -> None:
    taken = Tag.objects.filter(workspace_id=member.workspace_id, name__iexact=name)
    if other_than:
        taken = taken.exclude(pk=other_than.pk)
    if taken.exists():
        raise Conflict(f"A tag named “{name}” already exists.", code="tag_exists")


# Tags created inline get one of these, the same for the same name; an admin can change it.
TAG_PALETTE = ("#2563eb", "#16a34a", "#d97706", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#4b5563")


@transaction.atomic
def create_tag(member: Member, *, name: str, colour: str | None = None) -> Tag:
    """Any member may create a tag, e.g. inline while tagging a conversation."""
    if colour is None:
        colour = TAG_PALETTE[zlib.crc32(" ".join(name.split()).casefold().encode()) % len(TAG_PALETTE)]
    name, colour = _clean_tag(name, colour)
    _unique_tag_name(member, name)
    return Tag.objects.create(workspace_id=member.workspace_id, name=name, colour=colour)


@transaction.atomic
def update_tag(member: Member, tag: Tag, *, name: str, colour: str) -> Tag:
    require_admin(member)
    tag.name, tag.colour = _clean_tag(name, colour)
    _unique_tag_name(member, tag.name, other_than=tag)
    tag.save(update_fields=["name", "colour"])
    return tag


def delete_tag(member: Member, tag: Tag) -> None:
    require_admin(member)
    tag.delete()


SHORTCUT = re.compile(r"^[a-z0-9_-]{1,40}$")


def _clean_canned(shortcut: str, text: str) -> tuple[str, str]:
    shortcut = shortcut.strip().lstrip("/").lower()
    if not SHORTCUT.match(shortcut):
        raise InvalidInput("A shortcut is 1 to 40 letters, digits, - or _, without spaces.")
    return shortcut, clean_message_text(text)


@transaction.atomic
def save_canned_response(
    member: Member, *, shortcut: str, text: str, response: CannedResponse | None = None
) -> CannedResponse:
    """Create a reply template (any member), or change one (its author or an admin)."""
    shortcut, text = _clean_canned(shortcut, text)
    if response is not None and not (member.is_admin or response.created_by_id == member.pk):
        raise Forbidden("Only its author or an admin can change this template.")
    taken = CannedResponse.objects.filter(workspace_id=member.workspace_id, shortcut=shortcut)
    if response is not None:
        taken = taken.exclude(pk=response.pk)
    if taken.exists():
        raise Conflict(f"The shortcut /{shortcut} is already used.", code="shortcut_exists")
    if response is None:
        return CannedResponse.objects.create(
            workspace_id=member.workspace_id, shortcut=shortcut, text=text, created_by=member
        )
    response.shortcut, response.text = shortcut, text
    response.save(update_fields=["shortcut", "text"])
    return response


def delete_canned_response(member: Member, response: CannedResponse) -> None:
    if not (member.is_admin or response.created_by_id == member.pk):
        raise Forbidden("Only its author or an admin can delete this template.")
    response.delete()


def mark_notifications_read(member: Member) -> int:
    return Notification.objects.filter(recipient=member, read_at=None).update(read_at=timezone.now())


# Operators writing first


@transaction.atomic
def start_conversation(member: Member, visitor: Visitor, *, text: str, client_id: str | None) -> SentMessage:
    """An operator writes to a visitor on the site before the visitor has said anything (a proactive message).

    Reuses the visitor's latest conversation unless it is closed (a snoozed one reopens), else starts one;
    an unassigned conversation goes to the operator. The message reaches the visitor's widget over its socket.
    """
    text, client_id = clean_message_text(text), clean_client_id(client_id)
    if visitor.workspace_id != member.workspace_id or not (
        member.is_admin or member.inboxes.filter(pk=visitor.inbox_id).exists()
    ):
        raise Forbidden("You do not work this visitor's inbox.")
    if connection.features.has_select_for_update:
        Visitor.objects.select_for_update().filter(pk=visitor.pk).first()  # one start at a time per visitor
    conversation = get_visitor_conversation(visitor)
    if conversation is None or conversation.status == Conversation.Status.CLOSED:
        conversation = Conversation.objects.create(workspace=visitor.workspace, inbox=visitor.inbox, visitor=visitor)
        emit(ConversationCreated(conversation.workspace_id, conversation.pk, visitor.pk))
    else:
        conversation.workspace, conversation.inbox, conversation.visitor = visitor.workspace, visitor.inbox, visitor
        conversation = _lock(conversation)
    if conversation.status == Conversation.Status.SNOOZED:
        _set_status(conversation, Conversation.Status.OPEN, member=member)
    if conversation.assignee_id is None:
        conversation = assign_conversation(member, conversation, assignee=member, team=conversation.team)
    return _append(conversation, author_kind=Message.AuthorKind.OPERATOR, member=member, text=text, client_id=client_id)
