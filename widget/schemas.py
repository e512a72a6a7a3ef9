from datetime import datetime
from typing import Literal

from ninja import Field, Schema

from conversations.models import Conversation, Message
from workspaces.models import Inbox


class SessionIn(Schema):
    key: str = Field(..., min_length=1, max_length=100)
    token: str | None = Field(None, max_length=1000)
    language: str = Field("", max_length=35)


class InboxOut(Schema):
    name: str


class SessionOut(Schema):
    visitor_id: str
    token: str
    inbox: InboxOut

    @staticmethod
    def of(visitor_id: str, token: str, inbox: Inbox) -> "SessionOut":
        return SessionOut(visitor_id=visitor_id, token=token, inbox=InboxOut(name=inbox.name))


class AuthorOut(Schema):
    kind: Literal["visitor", "operator", "bot", "system"]
    name: str | None


class MessageOut(Schema):
    id: str
    client_id: str | None
    seq: int
    author: AuthorOut
    text: str
    created_at: datetime

    @staticmethod
    def of(message: Message) -> "MessageOut":
        return MessageOut(
            id=message.public_id.hex,
            client_id=message.client_id,
            seq=message.seq,
            author=AuthorOut(kind=message.author_kind, name=message.author_name),  # type: ignore[arg-type]
            text=message.text,
            created_at=message.created_at,
        )


class ConversationOut(Schema):
    id: str
    status: Literal["open", "closed"]

    @staticmethod
    def of(conversation: Conversation) -> "ConversationOut":
        return ConversationOut(id=conversation.public_id.hex, status=conversation.status)  # type: ignore[arg-type]


class MessagesOut(Schema):
    conversation: ConversationOut | None
    messages: list[MessageOut]
    has_more: bool


class MessageIn(Schema):
    client_id: str | None = Field(None, min_length=1, max_length=64)
    text: str = Field(..., max_length=20_000)


class ErrorOut(Schema):
    code: str
    detail: str
