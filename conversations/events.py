"""Events of the conversations domain. Catalogue: docs/events.md."""

from dataclasses import dataclass


@dataclass(frozen=True)
class ConversationEvent:
    workspace_id: int
    conversation_id: int
    visitor_id: int


@dataclass(frozen=True)
class ConversationCreated(ConversationEvent):
    name = "conversation.created"


@dataclass(frozen=True)
class ConversationClosed(ConversationEvent):
    name = "conversation.closed"
    member_id: int | None


@dataclass(frozen=True)
class ConversationReopened(ConversationEvent):
    name = "conversation.reopened"
    member_id: int | None


@dataclass(frozen=True)
class MessageCreated(ConversationEvent):
    name = "message.created"
    message_id: int
    author_kind: str
    private: bool = False  # a note or activity line: never sent to the visitor


@dataclass(frozen=True)
class ConversationSnoozed(ConversationEvent):
    name = "conversation.snoozed"
    member_id: int | None


@dataclass(frozen=True)
class ConversationAssigned(ConversationEvent):
    name = "conversation.assigned"
    member_id: int | None  # None: a bot handed the conversation over
    assignee_id: int | None
    team_id: int | None


@dataclass(frozen=True)
class ConversationTagged(ConversationEvent):
    """The conversation's set of tags changed."""

    name = "conversation.tagged"
    member_id: int | None  # None: a bot tagged it


@dataclass(frozen=True)
class ConversationRead(ConversationEvent):
    """An operator read the visitor's messages: the unread count is zero again."""

    name = "conversation.read"
    member_id: int


@dataclass(frozen=True)
class NotificationCreated:
    name = "notification.created"
    workspace_id: int
    recipient_id: int
    notification_id: int
