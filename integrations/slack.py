"""Slack hears of new conversations and assignments through the workspace's incoming webhook."""

import json
import urllib.request
from datetime import timedelta
from urllib.error import URLError

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from conversations.models import Conversation
from core import outbound
from integrations.models import SlackWebhook
from workspaces.models import Member, Team

ATTEMPTS = 4
RETRY_AFTER = timedelta(seconds=30)  # doubled after each failure


def slack_text(conversation: Conversation, *, assignee: Member | None = None, team: Team | None = None) -> str:
    link = settings.PUBLIC_URL + reverse("conversations:conversation", args=[conversation.public_id.hex])
    who = conversation.visitor.display_name
    if assignee is None and team is None:
        first = conversation.messages.filter(author_kind="visitor").order_by("seq").first()
        said = f": “{first.text[:200]}”" if first and first.text else ""
        return gettext("New conversation with %(who)s%(said)s <%(link)s|Open>") % {
            "who": who,
            "said": said,
            "link": link,
        }
    to = assignee.display_name if assignee else team.name if team else ""
    return gettext("The conversation with %(who)s was assigned to %(to)s <%(link)s|Open>") % {
        "who": who,
        "to": to,
        "link": link,
    }


def post(workspace_id: int, text: str, attempt: int = 1) -> bool:
    """POST {"text": …} to the webhook; a failure is retried with backoff, and its reason kept for the admins."""
    hook = SlackWebhook.objects.filter(workspace_id=workspace_id).first()
    if hook is None:
        return False
    request = urllib.request.Request(  # noqa: S310 - an http(s) URL the form validated
        hook.url, data=json.dumps({"text": text}).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with outbound.urlopen(request, timeout=10) as response:
            ok = 200 <= response.status < 300
            error = "" if ok else f"Slack answered {response.status}"
    except (URLError, OSError, ValueError) as failure:
        ok, error = False, f"{failure.__class__.__name__}: {failure}"[:500]
    SlackWebhook.objects.filter(pk=hook.pk).update(last_error=error)
    if not ok and attempt < ATTEMPTS:
        from integrations.tasks import post_to_slack

        post_to_slack.using(run_after=timezone.now() + RETRY_AFTER * 2 ** (attempt - 1)).enqueue(
            workspace_id, text, attempt + 1
        )
    return ok
