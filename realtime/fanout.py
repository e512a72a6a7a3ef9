"""Who hears of each event and what they receive: JSON for widgets, HTML fragments for operators.

Each fragment is rendered once per event and page language (realtime/pages.py), and is the same for everyone who
receives it; nothing is built for an audience that surely has nobody in it.
"""

from collections.abc import Callable
from functools import partial, singledispatch
from itertools import groupby
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db.models import Model

from contacts.events import ContactMerged, ContactUpdated, VisitorIdentified
from contacts.queries import list_live_conversations
from conversations import live
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
from conversations.models import Conversation, Message, Notification
from realtime import push_loop
from realtime.events import Event
from realtime.groups import conversation_group, inbox_group, member_group, operators_group, visitor_group
from realtime.layers import may_have_members
from realtime.pages import every_page, fragments, languages_read
from visitors.events import VisitorActed
from widget.schemas import MessageOut
from workspaces.events import MemberAccessChanged, MemberPresenceChanged
from workspaces.models import Member

Push = tuple[str, dict[str, Any]]  # (group, channel-layer message)


def _publish(*audiences: list[Push]) -> None:
    """Send to every audience in one trip to the event loop (the serving one: realtime.push_loop)."""
    pushes = [push for audience in audiences for push in audience]
    if not pushes:
        return

    async def send_all() -> None:
        layer = get_channel_layer()
        for group, message in pushes:
            await layer.group_send(group, message)

    if not push_loop.hand_over(send_all):
        async_to_sync(send_all)()


def _html(group: str, render: Callable[[], str], languages: list[str] | None = None) -> list[Push]:
    """A fragment for the pages of `group`, rendered only for languages an open page reads: most conversations
    are open on no page, and at night no inbox page listens at all."""
    return [
        (audience, {"type": "push.html", "html": html})
        for audience, html in fragments(get_channel_layer(), group, render, languages)
    ]


def _to_operators(conversation: Conversation, *, row: Callable[[], str], watchers: Callable[[], str]) -> list[Push]:
    """The row to pages that may see the conversation's inbox; the rest to pages that have it open."""
    languages = languages_read(get_channel_layer())
    return [
        *_html(inbox_group(conversation.inbox.public_id), row, languages),
        *_html(conversation_group(conversation.public_id), watchers, languages),
    ]


def _to_visitor(conversation: Conversation, payload: Callable[[], dict[str, Any]]) -> list[Push]:
    """To the visitor's widgets, if one is open."""
    group = visitor_group(conversation.visitor.public_id)
    if not may_have_members(get_channel_layer(), group):
        return []
    return [(group, {"type": "push.json", "payload": payload()})]


def visitor_sees_typing(conversation: Conversation, name: str) -> None:
    """A bot pauses before its message as a person would: the widget shows it writing."""
    _publish(_to_visitor(conversation, lambda: {"type": "typing", "name": name}))


def _load_conversation(pk: int) -> Conversation:
    related = ("workspace", "inbox", "visitor__contact", "assignee", "team")
    return Conversation.objects.select_related(*related).get(pk=pk)


@singledispatch
def deliver(event: object, subject: Model | None = None) -> None:
    raise TypeError(f"No delivery for {event!r}")


def deliver_together(batch: list[tuple[Event, Model | None]]) -> None:
    """Events committed together, in order; new messages of one conversation in a row (a bot's turn) make one
    list row and one feed fragment."""

    def run_of(item: tuple[Event, Model | None]) -> object:
        event = item[0]
        return event.conversation_id if isinstance(event, MessageCreated) else object()  # a run of its own

    for key, items in groupby(batch, run_of):
        run = list(items)
        if isinstance(key, int):
            _publish(*_message_pushes([_message_of(event, subject) for event, subject in run]))  # type: ignore[arg-type]
        else:
            deliver(*run[0])


@deliver.register
def _(event: MessageCreated, subject: Model | None = None) -> None:
    _publish(*_message_pushes([_message_of(event, subject)]))


def _message_pushes(messages: list[Message]) -> list[list[Push]]:
    conversation = messages[-1].conversation
    operators = _to_operators(
        conversation,
        row=lambda: live.new_messages_row(messages),
        watchers=lambda: live.feed_html(conversation, messages),
    )
    visitor = [
        _to_visitor(conversation, partial(_message_created, conversation, message))
        for message in messages
        if not message.private
    ]
    return [operators, *visitor]


def _message_created(conversation: Conversation, message: Message) -> dict[str, Any]:
    return {
        "type": "message.created",
        "conversation_id": conversation.public_id.hex,
        "message": MessageOut.of(message).model_dump(mode="json"),
    }


def _message_of(event: MessageCreated, subject: Model | None) -> Message:
    return subject if isinstance(subject, Message) else _load_message(event.message_id)


def _load_message(pk: int) -> Message:
    related = (
        "author_member",
        "attachment",
        "conversation__workspace",
        "conversation__inbox",
        "conversation__visitor__contact",
        "conversation__assignee",
        "conversation__team",
    )
    return Message.objects.select_related(*related).get(pk=pk)


@deliver.register
def _(event: ConversationCreated, subject: Model | None = None) -> None:
    """Nothing to push: the list row arrives with the first message's message.created."""


@deliver.register
def _(event: VisitorActed, subject: Model | None = None) -> None:
    """Nothing to push: the live visitors list has its own refresh; bots hear of it as a side effect."""


def _conversation_changed(
    event: ConversationClosed | ConversationReopened | ConversationSnoozed | ConversationAssigned | ConversationTagged,
    subject: Model | None = None,
) -> None:
    """The row and the open conversation's header change; the visitor hears only of closing and reopening."""
    conversation = subject if isinstance(subject, Conversation) else _load_conversation(event.conversation_id)
    operators = _to_operators(
        conversation, row=lambda: live.row_changed(conversation), watchers=lambda: live.header_html(conversation)
    )
    visitor = []
    if isinstance(event, ConversationClosed | ConversationReopened):
        payload = {"type": event.name, "conversation_id": conversation.public_id.hex}
        visitor = _to_visitor(conversation, lambda: payload)
    _publish(operators, visitor)


for _event in (ConversationClosed, ConversationReopened, ConversationSnoozed, ConversationAssigned, ConversationTagged):
    deliver.register(_event, _conversation_changed)


@deliver.register
def _(event: ConversationRead, subject: Model | None = None) -> None:
    conversation = subject if isinstance(subject, Conversation) else _load_conversation(event.conversation_id)
    _publish(_html(inbox_group(conversation.inbox.public_id), lambda: live.row_changed(conversation)))


@deliver.register
def _(event: NotificationCreated, subject: Model | None = None) -> None:
    notification = (
        subject
        if isinstance(subject, Notification)
        else Notification.objects.select_related("recipient", "actor", "conversation__visitor__contact", "message").get(
            pk=event.notification_id
        )
    )
    _publish(_html(member_group(notification.recipient.public_id), lambda: live.notification_html(notification)))


@deliver.register
def _(event: MemberPresenceChanged, subject: Model | None = None) -> None:
    member = (
        subject if isinstance(subject, Member) else Member.objects.select_related("workspace").get(pk=event.member_id)
    )
    _publish(_html(operators_group(member.workspace.public_id), lambda: live.presence_html(member)))


@deliver.register
def _(event: MemberAccessChanged, subject: Model | None = None) -> None:
    """Open sockets of the member re-check which groups they may be in (realtime/consumers.py)."""
    member = subject if isinstance(subject, Member) else Member.objects.filter(pk=event.member_id).first()
    if member is not None:
        _publish([(group, {"type": "access.changed"}) for group in every_page(member_group(member.public_id))])


def _contact_changed(event: VisitorIdentified | ContactUpdated | ContactMerged, subject: Model | None = None) -> None:
    """The name in the rows of the contact's live conversations (the newest few, oldest pushed first)."""
    conversations = list_live_conversations(event.contact_id)
    if conversations:
        _publish(
            *(
                _html(inbox_group(c.inbox.public_id), partial(live.row_html, c, tags=list(c.tags.all())))
                for c in reversed(conversations)
            )
        )


for _contact_event in (VisitorIdentified, ContactUpdated, ContactMerged):
    deliver.register(_contact_event, _contact_changed)
