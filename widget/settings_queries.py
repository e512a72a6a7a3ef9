"""Reads of the inbox settings pages (widget.queries serves the widget itself)."""

from uuid import UUID

from django.db.models import QuerySet

from core.ids import get_by_public_id
from widget.models import WelcomeRule
from widget.queries import inbox_operators
from workspaces.models import Inbox, Member
from workspaces.queries import visible_inboxes


def list_settings_inboxes(member: Member) -> list[Inbox]:
    """The inboxes the member may see (admins: all of the workspace), by name."""
    return list(visible_inboxes(member).select_related("mailbox").order_by("name", "id"))


def welcome_rules(inbox: Inbox) -> QuerySet[WelcomeRule]:
    return WelcomeRule.objects.filter(inbox=inbox).order_by("position", "pk")


def list_welcome_rules(inbox: Inbox) -> list[WelcomeRule]:
    return list(welcome_rules(inbox))


def get_welcome_rule(inbox: Inbox, public_id: str | UUID) -> WelcomeRule:
    """A rule of this inbox (the inbox was checked to be one the member may see)."""
    rule = get_by_public_id(welcome_rules(inbox), public_id, "Welcome message")
    rule.inbox = inbox
    return rule


def team_initials(inbox: Inbox, count: int = 3) -> list[tuple[str, str]]:
    """(initials, name) of the first operators the widget shows, for the appearance preview."""
    team = []
    for operator in inbox_operators(inbox)[:count]:
        name = operator.display_name.strip()
        initials = "".join(part[0] for part in name.split()[:2]).upper() or "?"
        team.append((initials, name))
    return team
