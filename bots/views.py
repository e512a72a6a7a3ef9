"""Operators and the bot in a conversation: take over from it, hand back to it (answers with the header)."""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from bots import runtime
from conversations.queries import access_conversation, header_context
from conversations.views import OperatorRequest, operator_view


def _header(request: OperatorRequest, conversation_id: str) -> HttpResponse:
    conversation = access_conversation(request.member, conversation_id)
    return render(request, "conversations/partials/conversation_header.html", header_context(conversation))


@require_POST
@operator_view
def take_over(request: OperatorRequest, conversation_id: str) -> HttpResponse:
    runtime.take_over(request.member, access_conversation(request.member, conversation_id))
    return _header(request, conversation_id)


@require_POST
@operator_view
def hand_back(request: OperatorRequest, conversation_id: str) -> HttpResponse:
    runtime.hand_back(request.member, access_conversation(request.member, conversation_id))
    return _header(request, conversation_id)
