"""Reads for the widget: an inbox's settings, and what the widget shows one visitor."""

from dataclasses import dataclass

from django.db.models import Case, IntegerField, Q, QuerySet, When

from contacts.models import Contact
from conversations.actions import Opening
from core.ids import parse_public_id
from visitors.models import Visitor
from widget.availability import Availability, inbox_availability
from widget.languages import widget_language
from widget.models import WelcomeRule, WidgetSettings
from workspaces.models import Inbox, Member

TEAM_SHOWN = 3


def widget_settings(inbox: Inbox) -> WidgetSettings:
    """The inbox's widget settings, the defaults when none were saved."""
    return WidgetSettings.objects.filter(inbox=inbox).first() or WidgetSettings(inbox=inbox)


def inbox_operators(inbox: Inbox) -> QuerySet[Member]:
    """Who works this inbox (admins, and agents on it), those online now first."""
    online = Q(connected=True, availability=Member.Availability.ONLINE)
    return (
        Member.objects.filter(Q(role=Member.Role.ADMIN) | Q(inboxes=inbox), workspace_id=inbox.workspace_id)
        .annotate(is_online=Case(When(online, then=1), default=0, output_field=IntegerField()))
        .order_by("-is_online", "created_at")
        .distinct()
    )


def operators_online(inbox: Inbox) -> bool:
    return inbox_operators(inbox).filter(connected=True, availability=Member.Availability.ONLINE).exists()


@dataclass(frozen=True)
class WidgetView:
    """What the widget shows one visitor: settings, texts in their language, availability, who answers."""

    settings: WidgetSettings
    language: str
    availability: Availability
    team: list[str]  # first names, online operators first
    email_known: bool
    welcome_rules: list[WelcomeRule]  # the visitor's candidates, in order; the page URL picks one


def widget_view(inbox: Inbox, visitor: Visitor, browser_language: str) -> WidgetView:
    settings = widget_settings(inbox)
    language = widget_language(browser_language, settings.default_language)
    operators = list(inbox_operators(inbox)[:20])
    availability = inbox_availability(settings, lambda: any(m.is_online for m in operators))  # type: ignore[attr-defined]
    audience = WelcomeRule.Visitors.RETURNING if visitor.visit_count > 1 else WelcomeRule.Visitors.NEW
    rules = WelcomeRule.objects.filter(
        Q(language="") | Q(language=language), inbox=inbox, visitors__in=[WelcomeRule.Visitors.ANY, audience]
    )
    return WidgetView(
        settings=settings,
        language=language,
        availability=availability,
        team=[m.display_name.split()[0] for m in operators[:TEAM_SHOWN] if m.display_name.strip()]
        if settings.show_team
        else [],
        email_known=visitor.contact_id is not None
        and Contact.objects.filter(pk=visitor.contact_id).exclude(email="").exists(),
        welcome_rules=list(rules),
    )


def availability_of(inbox: Inbox, settings: WidgetSettings | None = None) -> Availability:
    """Whether people answer in the inbox now: its hours and, when they count, who is online."""
    return inbox_availability(settings or widget_settings(inbox), lambda: operators_online(inbox))


def conversation_opening(visitor: Visitor, welcome_id: str | None) -> Opening:
    """How the visitor's first message opens their conversation: after which welcome, in or out of hours."""
    inbox = visitor.inbox
    settings = widget_settings(inbox)
    availability = availability_of(inbox, settings)
    uid = parse_public_id(welcome_id)
    rule = WelcomeRule.objects.filter(inbox=inbox, public_id=uid).first() if uid else None
    language = widget_language(visitor.language, settings.default_language)
    welcome = rule.message(language, settings.default_language) if rule else ""
    return Opening(welcome=welcome, offline=not availability.online)
