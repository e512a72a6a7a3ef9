"""Writes to visitors: sessions, the visitor's row on every tracking batch, user agents parsed once."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from django.db.models import F
from django.utils import timezone
from ua_parser import parse as parse_user_agent

from realtime.bus import emit
from visitors import ingest
from visitors.activity import PageLeaveIn, PageViewIn, TrackIn, TrackingEvent
from visitors.events import VisitorActed
from visitors.geoip import country_of_ip
from visitors.models import Visitor
from workspaces.models import Inbox

SESSION_IDLE = timedelta(minutes=30)  # a visit ends after this long without activity
LAST_SEEN_EVERY = timedelta(seconds=10)  # a batch that changes nothing else refreshes last_seen at most this often
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
BOTS = ("bot", "crawl", "spider", "slurp", "lighthouse")


@dataclass(frozen=True)
class Device:
    browser: str
    os: str
    device: str  # desktop, mobile, tablet or bot


def describe_user_agent(user_agent: str) -> Device:
    """Browser, OS and kind of device from a User-Agent header (ua-parser's maintained regexes)."""
    if not user_agent:
        return Device("", "", "")
    result = parse_user_agent(user_agent)
    browser = result.user_agent.family if result.user_agent else ""
    os_name = result.os.family if result.os else ""
    device_family = result.device.family if result.device else ""
    lowered = user_agent.lower()
    if device_family == "Spider" or any(word in lowered for word in BOTS):
        kind = "bot"
    elif "ipad" in lowered or "tablet" in lowered or (os_name == "Android" and "mobile" not in lowered):
        kind = "tablet"
    elif "mobi" in lowered or os_name in ("iOS", "Android") or "iphone" in lowered:
        kind = "mobile"
    else:
        kind = "desktop"
    return Device(browser if browser != "Other" else "", os_name if os_name != "Other" else "", kind)


def _apply_user_agent(visitor: Visitor, user_agent: str) -> list[str]:
    user_agent = user_agent[:500]
    if not user_agent or (user_agent == visitor.user_agent and visitor.device):
        return []
    parsed = describe_user_agent(user_agent)
    visitor.user_agent = user_agent
    visitor.browser, visitor.os, visitor.device = parsed.browser[:60], parsed.os[:60], parsed.device
    return ["user_agent", "browser", "os", "device"]


def create_visitor(inbox: Inbox, *, user_agent: str, language: str, time_zone: str = "", ip: str = "") -> Visitor:
    now = timezone.now()
    visitor = Visitor(
        workspace_id=inbox.workspace_id,
        inbox=inbox,
        language=language[:35],
        time_zone=time_zone[:60],
        country=country_of_ip(ip),
        first_seen_at=now,
        last_seen_at=now,
        visit_count=1,
        session_started_at=now,
    )
    _apply_user_agent(visitor, user_agent)
    visitor.save()
    return visitor


def touch_visitor(visitor: Visitor, *, user_agent: str, language: str, time_zone: str = "", ip: str = "") -> Visitor:
    """Record a returning visit (the widget started on a page): a new session after 30 idle minutes."""
    now = timezone.now()
    fields = ["last_seen_at", "language", "time_zone", *_apply_user_agent(visitor, user_agent)]
    if visitor.last_seen_at < now - SESSION_IDLE or visitor.session_started_at is None:
        visitor.visit_count += 1
        visitor.session_started_at = now
        visitor.country = country_of_ip(ip) or visitor.country  # a new session may come from elsewhere
        fields += ["visit_count", "session_started_at", "country"]
    visitor.last_seen_at = now
    visitor.language = language[:35] or visitor.language
    visitor.time_zone = time_zone[:60] or visitor.time_zone
    visitor.save(update_fields=fields)
    return visitor


def utm_of(url: str) -> dict[str, str]:
    """The utm_* parameters of a URL's query (first value of each, at most 200 characters)."""
    found: dict[str, str] = {}
    for key, value in parse_qsl(urlsplit(url).query, keep_blank_values=False):
        if key in UTM_KEYS and key not in found:
            found[key] = value[:200]
    return found


def record_activity(visitor: Visitor, events: Sequence[TrackingEvent]) -> int:
    """One validated batch from the visitor's browser.

    The visitor's row is updated now with one UPDATE (where they are, last seen, first touch, a new visit
    after 30 idle minutes); page views, events and times on page are queued for the batch writer
    (visitors.ingest). Returns how many events were accepted.
    """
    now = timezone.now()
    changes: dict[str, Any] = {}
    if visitor.last_seen_at < now - SESSION_IDLE:
        changes["visit_count"] = F("visit_count") + 1
        changes["session_started_at"] = now
    rows: list[ingest.Row] = []
    for event in events:
        if isinstance(event, PageViewIn):
            rows.append(ingest.PageViewRow(visitor.pk, event.url, event.title, event.referrer, event.at))
            changes["current_url"], changes["current_title"] = event.url, event.title
            if not visitor.first_landing_url and "first_landing_url" not in changes:
                changes["first_landing_url"] = event.url
                if event.referrer and not visitor.first_referrer:
                    changes["first_referrer"] = event.referrer
                if (utm := utm_of(event.url)) and not visitor.utm:
                    changes["utm"] = utm
        elif isinstance(event, TrackIn):
            rows.append(ingest.EventRow(visitor.pk, event.name, event.properties, event.url, event.at))
        elif isinstance(event, PageLeaveIn):
            rows.append(ingest.PageLeave(visitor.pk, event.url, event.duration))
    if changes or visitor.last_seen_at < now - LAST_SEEN_EVERY:
        changes["last_seen_at"] = now
        Visitor.objects.filter(pk=visitor.pk).update(**changes)
    if rows:
        ingest.writer.submit(rows)
    pages = tuple(e.url for e in events if isinstance(e, PageViewIn))
    names = tuple(e.name for e in events if isinstance(e, TrackIn))
    if pages or names:
        emit(VisitorActed(visitor.workspace_id, visitor.pk, visitor.inbox_id, pages, names, "visit_count" in changes))
    return len(events)
