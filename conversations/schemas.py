"""Shapes of the operator REST API (/api/v1/)."""

from datetime import datetime
from typing import Literal

from django.urls import reverse
from ninja import Field, Schema

from conversations.models import Attachment, Conversation, Message
from workspaces.models import Member


class MemberOut(Schema):
    id: str
    name: str

    @staticmethod
    def of(member: Member | None) -> "MemberOut | None":
        return MemberOut(id=member.public_id.hex, name=member.display_name) if member else None


class AttachmentOut(Schema):
    name: str
    content_type: str
    size: int
    url: str = Field(..., description="Download path in the inbox (signed-in operators who may see the conversation)")
    is_image: bool

    @staticmethod
    def of(message: Message) -> "AttachmentOut | None":
        attachment: Attachment | None = getattr(message, "attachment", None)
        if attachment is None:
            return None
        return AttachmentOut(
            name=attachment.name,
            content_type=attachment.content_type,
            size=attachment.size,
            url=reverse("conversations:file", args=[attachment.public_id.hex]),
            is_image=attachment.is_image,
        )


class CardButton(Schema):
    label: str = Field(..., max_length=30)
    url: str = Field(..., max_length=500, description="http or https")


class Card(Schema):
    title: str = Field(..., max_length=80)
    text: str = Field("", max_length=300)
    image_url: str = Field("", max_length=500, description="http or https")
    buttons: list[CardButton] = Field(default_factory=list, max_length=3)


class MessageOut(Schema):
    id: str
    client_id: str | None
    seq: int
    author_kind: Literal["visitor", "operator", "bot", "system"]
    author: MemberOut | None
    text: str
    quick_replies: list[str]
    cards: list[Card]
    attachment: AttachmentOut | None
    created_at: datetime

    @staticmethod
    def of(message: Message) -> "MessageOut":
        return MessageOut(
            id=message.public_id.hex,
            client_id=message.client_id,
            seq=message.seq,
            author_kind=message.author_kind,  # type: ignore[arg-type]
            author=MemberOut.of(message.author_member),
            text=message.text,
            quick_replies=message.rich.get("quick_replies", []),
            cards=message.rich.get("cards", []),
            attachment=AttachmentOut.of(message),
            created_at=message.created_at,
        )


class ConversationOut(Schema):
    id: str
    status: Literal["open", "snoozed", "closed"]
    inbox_id: str
    visitor_id: str
    assignee: MemberOut | None
    last_seq: int
    last_activity_at: datetime
    created_at: datetime

    @staticmethod
    def of(c: Conversation) -> "ConversationOut":
        return ConversationOut(
            id=c.public_id.hex,
            status=c.status,  # type: ignore[arg-type]
            inbox_id=c.inbox.public_id.hex,
            visitor_id=c.visitor.public_id.hex,
            assignee=MemberOut.of(c.assignee),
            last_seq=c.last_seq,
            last_activity_at=c.last_activity_at,
            created_at=c.created_at,
        )


class ConversationPageOut(Schema):
    items: list[ConversationOut]
    next_cursor: str | None


class MessagePageOut(Schema):
    items: list[MessageOut]
    has_more: bool


class ReplyIn(Schema):
    text: str = Field(
        ..., max_length=20_000, description="Markdown subset: **bold**, _italic_, [links](https://…), lists, `code`"
    )
    client_id: str | None = Field(None, min_length=1, max_length=64)
    quick_replies: list[str] = Field(
        default_factory=list, max_length=10, description="Answers the visitor taps (at most 40 characters each)"
    )
    cards: list[Card] = Field(default_factory=list, max_length=10, description="Text may be empty with cards")
