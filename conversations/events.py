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
