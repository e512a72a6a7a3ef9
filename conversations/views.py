"""The operator inbox. One view serves the full page and, for htmx, just the fragment."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST
from django_htmx.middleware import HtmxDetails

from conversations import actions
from conversations.queries import access_conversation, list_conversations, list_recent_messages
from core.errors import DomainError
from workspaces.models import Member
from workspaces.queries import get_current_member

STATUS_FILTERS = ("open", "closed", "all")


class OperatorRequest(HttpRequest):
    member: Member
    htmx: HtmxDetails


def operator_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed-in members only; sets request.member and turns domain errors into responses."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        member = get_current_member(request.user)
        if member is None:
            return HttpResponseForbidden("You are not a member of any workspace.")
        request.member = member  # type: ignore[attr-defined]
        try:
            return view(request, *args, **kwargs)
        except DomainError as error:
            return render(request, "conversations/partials/error.html", {"error": error}, status=error.status)

    return wrapper


def _status_filter(request: OperatorRequest) -> str:
    status = request.GET.get("status", "open")
    return status if status in STATUS_FILTERS else "open"


def _list_context(request: OperatorRequest) -> dict[str, Any]:
    status = _status_filter(request)
    page = list_conversations(
        request.member,
        status=None if status == "all" else status,
        cursor=request.GET.get("cursor") or None,
    )
    return {"conversations": page.conversations, "next_cursor": page.next_cursor, "status": status}


def _pane_context(request: OperatorRequest, conversation_id: str) -> dict[str, Any]:
    conversation = access_conversation(request.member, conversation_id)
    recent = list_recent_messages(conversation)
    return {"conversation": conversation, "messages": recent.messages, "has_older": recent.has_more}


@require_GET
@operator_view
def inbox(request: OperatorRequest, conversation_id: str | None = None) -> HttpResponse:
    pane = _pane_context(request, conversation_id) if conversation_id else {}
    if request.htmx and conversation_id:
        return render(request, "conversations/partials/conversation_pane.html", pane)
    return render(request, "conversations/inbox.html", {**_list_context(request), **pane, "member": request.member})


@require_GET
@operator_view
def conversation_list(request: OperatorRequest) -> HttpResponse:
    """The list, or with ?cursor= the next page of rows (catch-up after reconnect, "load more")."""
    template = (
        "conversations/partials/conversation_rows.html"
        if request.GET.get("cursor")
        else "conversations/partials/conversation_list.html"
    )
    return render(request, template, _list_context(request))


@require_POST
@operator_view
def reply(request: OperatorRequest, conversation_id: str) -> HttpResponse:
    conversation = access_conversation(request.member, conversation_id)
    sent = actions.reply_to_conversation(
        request.member,
        conversation,
        text=request.POST.get("text", ""),
        client_id=request.POST.get("client_id") or None,
    )
    return render(
        request, "conversations/partials/message.html", {"message": sent.message, "conversation": conversation}
    )


@require_POST
@operator_view
def close(request: OperatorRequest, conversation_id: str) -> HttpResponse:
    conversation = actions.close_conversation(request.member, access_conversation(request.member, conversation_id))
    return render(request, "conversations/partials/conversation_header.html", {"conversation": conversation})


@require_POST
@operator_view
def reopen(request: OperatorRequest, conversation_id: str) -> HttpResponse:
    conversation = actions.reopen_conversation(request.member, access_conversation(request.member, conversation_id))
    return render(request, "conversations/partials/conversation_header.html", {"conversation": conversation})
