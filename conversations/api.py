"""REST API for operators' own tools: conversations and messages."""

from typing import Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from conversations import actions
from conversations.queries import ConversationFilters, access_conversation, list_conversations, list_messages
from conversations.schemas import ConversationOut, ConversationPageOut, MessageOut, MessagePageOut, ReplyIn
from workspaces.models import Member

router = Router(tags=["conversations"])
API_PAGE = 50


class MemberRequest(HttpRequest):
    auth: Member  # set by the API token authentication


class ConversationFilter(Schema):
    status: Literal["open", "snoozed", "closed", "all"] = "all"
    assignee: str = Field("all", description='"me", "unassigned", "all" or an operator id')
    team: str | None = None
    tag: str | None = None
    inbox: str | None = None
    q: str = Field("", max_length=200, description="Words in messages, or a contact's name or email")
    cursor: str | None = None


@router.get("/conversations", response=ConversationPageOut, summary="List conversations, newest activity first")
def list_conversations_view(request: MemberRequest, filters: Query[ConversationFilter]) -> ConversationPageOut:
    page = list_conversations(
        request.auth,
        ConversationFilters(
            status=filters.status,
            assignee=filters.assignee,
            team=filters.team,
            tag=filters.tag,
            inbox=filters.inbox,
            search=filters.q.strip(),
        ),
        cursor=filters.cursor,
        limit=API_PAGE,
    )
    return ConversationPageOut(items=[ConversationOut.of(c) for c in page.conversations], next_cursor=page.next_cursor)


@router.get("/conversations/{conversation_id}", response=ConversationOut, summary="Read a conversation")
def get_conversation_view(request: MemberRequest, conversation_id: str) -> ConversationOut:
    return ConversationOut.of(access_conversation(request.auth, conversation_id))


class AfterQuery(Schema):
    after: int = 0


@router.get("/conversations/{conversation_id}/messages", response=MessagePageOut, summary="Messages after a cursor")
def list_messages_view(request: MemberRequest, conversation_id: str, query: Query[AfterQuery]) -> MessagePageOut:
    page = list_messages(access_conversation(request.auth, conversation_id), after=max(query.after, 0))
    return MessagePageOut(items=[MessageOut.of(m) for m in page.messages], has_more=page.has_more)


@router.post(
    "/conversations/{conversation_id}/messages",
    response={200: MessageOut, 201: MessageOut},
    summary="Send a reply to the visitor",
)
def reply_view(request: MemberRequest, conversation_id: str, payload: ReplyIn) -> Status[MessageOut]:
    conversation = access_conversation(request.auth, conversation_id)
    sent = actions.reply_to_conversation(
        request.auth,
        conversation,
        text=payload.text,
        client_id=payload.client_id,
        quick_replies=payload.quick_replies,
        cards=[card.model_dump() for card in payload.cards],
    )
    return Status(201 if sent.created else 200, MessageOut.of(sent.message))
