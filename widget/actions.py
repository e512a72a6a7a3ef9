"""Writes of the inbox settings pages: each takes the acting member first, checks they are an admin,
validates the whole input and saves it at once (nothing is saved when anything is wrong).

The `clean_*` helpers check one kind of input and raise InvalidInput; the settings forms use them too,
so a page shows the same message next to the field."""

import re
from datetime import date
from functools import cache
from itertools import pairwise
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import available_timezones

from django.core.mail import send_mail
from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import InvalidInput, NotFound
from widget.languages import LANGUAGES
from widget.models import WelcomeRule, WidgetSettings
from workspaces import actions as workspace_actions
from workspaces.models import Inbox, Member
from workspaces.queries import require_admin

MAX_ORIGINS = 50
MAX_HOLIDAYS = 366
TEXT_LIMITS = {"greeting_title": 60, "greeting_tagline": 140, "launcher_label": 30, "offline_message": 300}
MESSAGE_LIMIT = 1000
Z_INDEX_MAX = 2147483647
EMAIL_PROMPT_MAX = 3600
WEEKDAYS = range(7)  # Monday = 0, as weekly_hours keys them

COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
HOST = re.compile(
    r"^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9]([A-Za-z0-9-]{0,62}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*)$"
)


# Input checks shared with the forms


def clean_origin(value: str) -> str:
    """ "https://shop.example.com:8443/" -> "https://shop.example.com:8443"; "*" stays; anything else fails."""
    text = value.strip()
    if text == "*":
        return text
    problem = _("“%(origin)s” is not a site origin: write the scheme and host only, like https://shop.example.com.")
    try:
        parts = urlsplit(text.rstrip("/"))
        port = parts.port  # raises on a port that is not a number
    except ValueError:
        raise InvalidInput(problem % {"origin": text}) from None
    if parts.scheme not in ("http", "https") or not parts.hostname or not HOST.match(parts.hostname):
        raise InvalidInput(problem % {"origin": text})
    if parts.path or parts.query or parts.fragment or parts.username or parts.password or "@" in parts.netloc:
        raise InvalidInput(problem % {"origin": text})
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")


def clean_origins(values: list[str]) -> list[str]:
    """Normalised, deduplicated origins in the order given; "*" only alone; at most MAX_ORIGINS."""
    origins: list[str] = []
    for value in values:
        if value.strip() and (origin := clean_origin(value)) not in origins:
            origins.append(origin)
    if "*" in origins and len(origins) > 1:
        raise InvalidInput(_("“*” allows every site: write it alone, without other origins."))
    if len(origins) > MAX_ORIGINS:
        raise InvalidInput(_("At most %(count)d origins.") % {"count": MAX_ORIGINS})
    return origins


def clean_colour(value: str) -> str:
    if not COLOUR.match(value or ""):
        raise InvalidInput(_("A colour looks like #1a2b3c."))
    return value.lower()


def clean_language(value: str, *, blank: bool = False) -> str:
    if (blank and value == "") or value in LANGUAGES:
        return value
    raise InvalidInput(_("Choose one of the widget's languages."))


@cache
def time_zones() -> list[str]:
    return sorted(available_timezones())


def clean_time_zone(value: str) -> str:
    if value not in time_zones():
        raise InvalidInput(_("“%(zone)s” is not a known time zone.") % {"zone": value})
    return value


def clean_interval(start: str, end: str) -> list[str]:
    """["09:00", "18:00"]: HH:MM, "24:00" only as the end, the end after the start."""
    start, end = start.strip(), end.strip()
    if not HHMM.match(start):
        raise InvalidInput(_("Write the opening time as HH:MM, like 09:00."))
    if not (HHMM.match(end) or end == "24:00"):
        raise InvalidInput(_("Write the closing time as HH:MM, like 18:00 (24:00 for midnight)."))
    if end <= start:
        raise InvalidInput(_("The closing time must be after the opening time."))
    return [start, end]


def clean_weekly_hours(hours: dict[str, Any]) -> dict[str, list[list[str]]]:
    """{"0": [["09:00", "18:00"]], …}: weekdays 0..6, intervals sorted and not overlapping; closed days left out."""
    cleaned: dict[str, list[list[str]]] = {}
    for key, intervals in hours.items():
        if key not in {str(day) for day in WEEKDAYS} or not isinstance(intervals, list):
            raise InvalidInput(_("Business hours are kept per weekday, Monday to Sunday."))
        day = sorted(clean_interval(*interval) for interval in intervals if len(interval) == 2)
        if any(later[0] < earlier[1] for earlier, later in pairwise(day)):
            raise InvalidInput(_("The opening hours of a day overlap."))
        if day:
            cleaned[key] = day
    return dict(sorted(cleaned.items()))


def clean_holidays(values: list[str]) -> list[str]:
    """Dates as YYYY-MM-DD, deduplicated and sorted."""
    days: set[str] = set()
    for value in values:
        text = value.strip()
        if not text:
            continue
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                raise ValueError(text)
            days.add(date.fromisoformat(text).isoformat())
        except ValueError:
            raise InvalidInput(
                _("“%(day)s” is not a date: write one date per line as YYYY-MM-DD.") % {"day": text}
            ) from None
    if len(days) > MAX_HOLIDAYS:
        raise InvalidInput(_("At most %(count)d holidays.") % {"count": MAX_HOLIDAYS})
    return sorted(days)


def clean_texts(texts: dict[str, str]) -> dict[str, str]:
    """One language's texts: known keys, within their limits, empty ones dropped."""
    cleaned: dict[str, str] = {}
    for key, value in texts.items():
        if key not in TEXT_LIMITS:
            raise InvalidInput(_("Unknown text “%(key)s”.") % {"key": key})
        text = (value or "").strip()
        if len(text) > TEXT_LIMITS[key]:
            raise InvalidInput(_("Keep this text under %(limit)d characters.") % {"limit": TEXT_LIMITS[key] + 1})
        if text:
            cleaned[key] = text
    return cleaned


def _choice(value: str, choices: type[Any], what: str) -> str:
    if value not in choices.values:
        raise InvalidInput(_("Unknown %(what)s “%(value)s”.") % {"what": what, "value": value})
    return value


def _bounded(value: int, low: int, high: int, what: str) -> int:
    if not low <= value <= high:
        raise InvalidInput(
            _("%(what)s must be between %(low)d and %(high)d.") % {"what": what, "low": low, "high": high}
        )
    return value


# Inboxes and installation


def create_inbox(member: Member, *, name: str, allowed_origins: list[str]) -> Inbox:
    require_admin(member)
    name = name.strip()
    if not name or len(name) > 120:
        raise InvalidInput(_("Give the inbox a name of at most 120 characters."))
    return workspace_actions.create_inbox(member.workspace, name=name, allowed_origins=clean_origins(allowed_origins))


def set_allowed_origins(member: Member, inbox: Inbox, origins: list[str]) -> Inbox:
    require_admin(member)
    inbox.allowed_origins = clean_origins(origins)
    inbox.save(update_fields=["allowed_origins"])
    return inbox


def set_capture_emails(member: Member, inbox: Inbox, *, capture_emails: bool) -> Inbox:
    require_admin(member)
    inbox.capture_emails = capture_emails
    inbox.save(update_fields=["capture_emails"])
    return inbox


def install_snippet(inbox: Inbox, script_url: str) -> str:
    """The one line a site pastes into its <head>."""
    return f'<script async src="{script_url}" data-key="{inbox.widget_key}"></script>'


def site_name(inbox: Inbox) -> str:
    """What the install email calls the site: its first origin's host, else the inbox's name."""
    for origin in inbox.allowed_origins:
        host = urlsplit(origin).hostname
        if host:
            return host
    return inbox.name


def email_install_snippet(member: Member, inbox: Inbox, *, to: str, script_url: str) -> None:
    """Sends the snippet and how to install it to the site's developer."""
    require_admin(member)
    if "@" not in to or "\n" in to or "\r" in to:
        raise InvalidInput(_("Enter a valid email address."))
    site = site_name(inbox)
    subject = _("Install the Parley chat on %(site)s") % {"site": site}
    instructions = _(
        "%(name)s asks you to add the Parley chat to %(site)s. Paste the line below into the <head> of every "
        "page of the site (in a shared layout or template, once), then publish: the chat button appears in "
        "the corner of the page. The script loads asynchronously and does not slow the page down. Pages must "
        "be served from one of these origins: %(origins)s."
    ) % {
        "name": member.display_name,
        "site": site,
        "origins": ", ".join(inbox.allowed_origins)
        or _("none yet (ask %(name)s to add yours)") % {"name": member.display_name},
    }
    body = f"{instructions}\n\n{install_snippet(inbox, script_url)}\n"
    send_mail(subject, body, None, [to])


# Appearance and availability


def save_appearance(
    member: Member,
    inbox: Inbox,
    *,
    colour: str,
    position: str,
    launcher_icon: str,
    show_team: bool,
    start_open: bool,
    z_index: int,
    default_language: str,
    text_language: str,
    texts: dict[str, str],
) -> WidgetSettings:
    """The look, and the texts of one language: the other languages' texts are kept."""
    require_admin(member)
    fields: dict[str, Any] = {
        "colour": clean_colour(colour),
        "position": _choice(position, WidgetSettings.Position, _("position")),
        "launcher_icon": _choice(launcher_icon, WidgetSettings.Icon, _("icon")),
        "show_team": bool(show_team),
        "start_open": bool(start_open),
        "z_index": _bounded(z_index, 1, Z_INDEX_MAX, _("The z-index")),
        "default_language": clean_language(default_language),
    }
    language = clean_language(text_language)
    language_texts = clean_texts(texts)
    with transaction.atomic():
        current = WidgetSettings.objects.select_for_update().filter(inbox=inbox).first()
        all_texts = {k: v for k, v in (current.texts if current else {}).items() if k != language}
        if language_texts:
            all_texts[language] = language_texts
        fields["texts"] = dict(sorted(all_texts.items()))
        settings, _created = WidgetSettings.objects.update_or_create(inbox=inbox, defaults=fields)
    return settings


def save_availability(
    member: Member,
    inbox: Inbox,
    *,
    availability: str,
    time_zone: str,
    weekly_hours: dict[str, Any],
    holidays: list[str],
    when_offline: str,
    email_prompt_seconds: int,
) -> WidgetSettings:
    require_admin(member)
    fields = {
        "availability": _choice(availability, WidgetSettings.Availability, _("availability")),
        "time_zone": clean_time_zone(time_zone),
        "weekly_hours": clean_weekly_hours(weekly_hours),
        "holidays": clean_holidays(holidays),
        "when_offline": _choice(when_offline, WidgetSettings.WhenOffline, _("choice")),
        "email_prompt_seconds": _bounded(email_prompt_seconds, 0, EMAIL_PROMPT_MAX, _("The delay")),
    }
    settings, _created = WidgetSettings.objects.update_or_create(inbox=inbox, defaults=fields)
    return settings


# Welcome messages: ordered by position, renumbered 1..n on every change


def _rule_fields(
    inbox: Inbox,
    *,
    name: str,
    url_match: str,
    url_value: str,
    language: str,
    visitors: str,
    messages: dict[str, str],
    default_language: str,
) -> dict[str, Any]:
    name = name.strip()
    if not name or len(name) > 80:
        raise InvalidInput(_("Give the welcome message a name of at most 80 characters."))
    url_match = _choice(url_match, WelcomeRule.UrlMatch, _("URL condition"))
    url_value = "" if url_match == WelcomeRule.UrlMatch.ANY else url_value.strip()
    if url_match != WelcomeRule.UrlMatch.ANY and not url_value:
        raise InvalidInput(_("Write the URL, or the text to look for in it."))
    if url_match == WelcomeRule.UrlMatch.PATTERN and not url_value.strip("*"):
        raise InvalidInput(_("A pattern needs more than * wildcards."))
    if len(url_value) > 500:
        raise InvalidInput(_("Keep the URL under 501 characters."))
    cleaned_messages: dict[str, str] = {}
    for lang, text in messages.items():
        clean_language(lang)
        text = (text or "").strip()
        if len(text) > MESSAGE_LIMIT:
            raise InvalidInput(_("Keep each message under %(limit)d characters.") % {"limit": MESSAGE_LIMIT + 1})
        if text:
            cleaned_messages[lang] = text
    if default_language not in cleaned_messages:
        raise InvalidInput(
            _("Write the message in %(language)s, the widget's default language.")
            % {"language": LANGUAGES.get(default_language, default_language)}
        )
    return {
        "name": name,
        "url_match": url_match,
        "url_value": url_value,
        "language": clean_language(language, blank=True),
        "visitors": _choice(visitors, WelcomeRule.Visitors, _("visitors")),
        "messages": cleaned_messages,
    }


def _renumber(ordered: list[WelcomeRule]) -> None:
    for position, rule in enumerate(ordered, start=1):
        if rule.position != position:
            rule.position = position
            rule.save(update_fields=["position"])


def _locked_rules(inbox: Inbox) -> list[WelcomeRule]:
    # Lock the inbox row: two admins reordering at once take turns.
    Inbox.objects.select_for_update().filter(pk=inbox.pk).first()
    return list(WelcomeRule.objects.filter(inbox=inbox).order_by("position", "pk"))


def create_welcome_rule(member: Member, inbox: Inbox, *, default_language: str, **values: Any) -> WelcomeRule:
    """A new rule goes last: checked after the existing ones."""
    require_admin(member)
    fields = _rule_fields(inbox, default_language=default_language, **values)
    with transaction.atomic():
        rules = _locked_rules(inbox)
        rule = WelcomeRule.objects.create(inbox=inbox, position=len(rules) + 1, **fields)
        _renumber([*rules, rule])
    return rule


def update_welcome_rule(member: Member, rule: WelcomeRule, *, default_language: str, **values: Any) -> WelcomeRule:
    require_admin(member)
    fields = _rule_fields(rule.inbox, default_language=default_language, **values)
    for field, value in fields.items():
        setattr(rule, field, value)
    rule.save(update_fields=list(fields))
    return rule


def delete_welcome_rule(member: Member, rule: WelcomeRule) -> None:
    require_admin(member)
    with transaction.atomic():
        rules = _locked_rules(rule.inbox)
        WelcomeRule.objects.filter(pk=rule.pk).delete()
        _renumber([r for r in rules if r.pk != rule.pk])


def move_welcome_rule(member: Member, rule: WelcomeRule, *, by: int) -> None:
    """Moves the rule up (by=-1) or down (by=1) one place; at either end nothing moves."""
    require_admin(member)
    if by not in (-1, 1):
        raise InvalidInput(_("A rule moves one place up or down."))
    with transaction.atomic():
        rules = _locked_rules(rule.inbox)
        index = next((i for i, r in enumerate(rules) if r.pk == rule.pk), None)
        if index is None:
            raise NotFound(_("Welcome message not found."))
        target = index + by
        if 0 <= target < len(rules):
            rules[index], rules[target] = rules[target], rules[index]
        _renumber(rules)
