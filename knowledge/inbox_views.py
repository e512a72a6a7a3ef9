"""The inbox's suggested answers: the knowledge entries for the open conversation, loaded after the pane so
opening a conversation never waits for the encoding."""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from conversations.queries import access_conversation
from conversations.views import OperatorRequest, operator_view
from knowledge import copilot


@require_GET
@operator_view
def suggestions(request: OperatorRequest, conversation_id: str) -> HttpResponse:
    """With ?q= the operator's search, else the entries for the visitor's last message."""
    conversation = access_conversation(request.member, conversation_id)
    query = request.GET.get("q", "").strip()
    found = (
        copilot.search(request.member, conversation, query)
        if query
        else copilot.suggestions(request.member, conversation)
    )
    context = {"suggestions": found, "searched": bool(query), "conversation": conversation, "member": request.member}
    return render(request, "knowledge/partials/copilot_results.html", context)
