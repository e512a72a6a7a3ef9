"""Writes of integrations settings."""

from urllib.parse import urlsplit

from django.db import transaction
from django.utils.translation import gettext

from core.errors import InvalidInput
from integrations.models import SlackWebhook
from workspaces.models import Member
from workspaces.queries import require_admin


@transaction.atomic
def set_slack_webhook(member: Member, url: str) -> SlackWebhook | None:
    """The workspace's Slack incoming webhook; an empty URL removes it."""
    require_admin(member)
    if not url:
        SlackWebhook.objects.filter(workspace=member.workspace).delete()
        return None
    if urlsplit(url).scheme not in ("http", "https"):
        raise InvalidInput(gettext("The webhook URL must start with https://."))
    hook, _ = SlackWebhook.objects.update_or_create(workspace=member.workspace, defaults={"url": url, "last_error": ""})
    return hook
