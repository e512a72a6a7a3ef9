"""Tracking as the widget sends it: batches of page views, events and heartbeats to POST /widget/api/v1/events."""

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from core.tests.fixtures import SITE
from visitors import actions, ingest
from visitors.models import Event, PageView, Visitor
from widget.identity import sign_visitor_token

EVENTS = "/widget/api/v1/events"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.0 Mobile/15E148 Safari/604.1"
)
IPAD = (
    "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 "
    "Mobile/15E148 Safari/604.1"
)
DESKTOP = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


@pytest.fixture
def browser() -> Client:
    return Client(HTTP_ORIGIN=SITE)


def beacon(browser: Client, visitor: Visitor, events: list[dict[str, Any]], **extra: Any):
    """What navigator.sendBeacon sends: a text/plain body with the token inside."""
    body = json.dumps({"token": sign_visitor_token(visitor), "events": events})
    return browser.post(EVENTS, body, content_type="text/plain;charset=UTF-8", **extra)


def page_view(url: str, title: str = "Shop", referrer: str = "") -> dict[str, Any]:
    return {"type": "page_view", "url": url, "title": title, "referrer": referrer, "at": timezone.now().isoformat()}


def stored() -> tuple[int, int]:
    ingest.flush()
    return PageView.objects.count(), Event.objects.count()


def test_a_batch_is_accepted_at_once_and_stored_by_the_writer(browser, visitor):
    response = beacon(
        browser,
        visitor,
        [
            page_view(f"{SITE}/", "Home", referrer="https://www.google.com/"),
            page_view(f"{SITE}/mug", "Mug"),
            {
                "type": "track",
                "name": "added_to_cart",
                "properties": {"product": "Mug", "price": 18},
                "url": f"{SITE}/mug",
            },
        ],
    )

    assert response.status_code == 202
    assert response.json() == {"accepted": 3}
    assert response["Access-Control-Allow-Origin"] == SITE
    assert PageView.objects.count() == 0  # queued for the batch writer
    ingest.flush()
    assert list(PageView.objects.order_by("id").values_list("url", "title", "referrer")) == [
        (f"{SITE}/", "Home", "https://www.google.com/"),
        (f"{SITE}/mug", "Mug", ""),
    ]
    event = Event.objects.get()
    assert (event.name, event.properties, event.url) == (
        "added_to_cart",
        {"product": "Mug", "price": 18},
        f"{SITE}/mug",
    )
    visitor.refresh_from_db()
    assert (visitor.current_url, visitor.current_title) == (f"{SITE}/mug", "Mug")


def test_the_bearer_header_and_application_json_work_too(browser, visitor):
    response = browser.post(
        EVENTS,
        {"events": [page_view(f"{SITE}/")]},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {sign_visitor_token(visitor)}",
    )

    assert response.status_code == 202
    assert stored() == (1, 0)


def test_first_touch_and_utm_are_kept_from_the_landing_page(browser, visitor):
    landing = f"{SITE}/?utm_source=newsletter&utm_medium=email&utm_campaign=spring&ref=x"
    beacon(browser, visitor, [page_view(landing, referrer="https://mail.example.net/")])
    beacon(browser, visitor, [page_view(f"{SITE}/b?utm_source=ads", referrer="https://ads.example.org/")])

    visitor.refresh_from_db()
    assert visitor.first_landing_url == landing
    assert visitor.first_referrer == "https://mail.example.net/"
    assert visitor.utm == {"utm_source": "newsletter", "utm_medium": "email", "utm_campaign": "spring"}
    assert visitor.current_url == f"{SITE}/b?utm_source=ads"


def test_a_new_visit_starts_after_30_idle_minutes(browser, visitor):
    assert visitor.visit_count == 1
    beacon(browser, visitor, [page_view(f"{SITE}/")])
    visitor.refresh_from_db()
    assert visitor.visit_count == 1  # the same visit

    long_ago = timezone.now() - timedelta(minutes=31)
    Visitor.objects.filter(pk=visitor.pk).update(last_seen_at=long_ago, session_started_at=long_ago)
    visitor.refresh_from_db()
    beacon(browser, visitor, [page_view(f"{SITE}/again")])

    visitor.refresh_from_db()
    assert visitor.visit_count == 2
    assert visitor.session_started_at is not None and visitor.session_started_at > long_ago
    assert visitor.last_seen_at > long_ago


def test_a_returning_session_after_30_minutes_counts_a_visit_and_keeps_the_time_zone(inbox):
    visitor = actions.create_visitor(inbox, user_agent=DESKTOP, language="en", time_zone="Asia/Almaty")
    Visitor.objects.filter(pk=visitor.pk).update(last_seen_at=timezone.now() - timedelta(hours=2))
    visitor.refresh_from_db()

    actions.touch_visitor(visitor, user_agent=DESKTOP, language="en")

    visitor.refresh_from_db()
    assert (visitor.visit_count, visitor.time_zone) == (2, "Asia/Almaty")


@pytest.mark.parametrize(
    ("user_agent", "family", "os_name", "device"),
    [
        (IPHONE, "Mobile Safari", "iOS", "mobile"),
        (IPAD, "Mobile Safari", "iOS", "tablet"),
        (DESKTOP, "Chrome", "Linux", "desktop"),
        (GOOGLEBOT, "Googlebot", "", "bot"),
    ],
)
def test_the_user_agent_is_parsed_into_browser_os_and_device(inbox, user_agent, family, os_name, device):
    visitor = actions.create_visitor(inbox, user_agent=user_agent, language="en")

    visitor.refresh_from_db()
    assert (visitor.browser, visitor.os, visitor.device) == (family, os_name, device)


def test_a_changed_user_agent_is_parsed_again(inbox):
    visitor = actions.create_visitor(inbox, user_agent=DESKTOP, language="en")

    actions.touch_visitor(visitor, user_agent=IPHONE, language="en")

    visitor.refresh_from_db()
    assert (visitor.browser, visitor.device, visitor.user_agent) == ("Mobile Safari", "mobile", IPHONE)


def test_page_leave_sets_the_time_on_the_latest_view_of_that_page(browser, visitor):
    beacon(browser, visitor, [page_view(f"{SITE}/a"), page_view(f"{SITE}/b"), page_view(f"{SITE}/a")])
    beacon(browser, visitor, [{"type": "page_leave", "url": f"{SITE}/a", "duration": 42.4}])
    ingest.flush()

    durations = list(PageView.objects.order_by("id").values_list("url", "duration_seconds"))
    assert durations == [(f"{SITE}/a", None), (f"{SITE}/b", None), (f"{SITE}/a", 42)]


def test_page_leave_in_the_same_batch_as_its_view_and_a_later_one_replaces_it(browser, visitor):
    beacon(browser, visitor, [page_view(f"{SITE}/a"), {"type": "page_leave", "url": f"{SITE}/a", "duration": 5}])
    beacon(browser, visitor, [{"type": "page_leave", "url": f"{SITE}/a", "duration": 10**9}])
    ingest.flush()

    assert PageView.objects.get().duration_seconds == 24 * 60 * 60  # counted as a day at most


def test_a_heartbeat_only_touches_last_seen(browser, visitor):
    beacon(browser, visitor, [page_view(f"{SITE}/a", "A")])
    ingest.flush()
    earlier = timezone.now() - timedelta(minutes=2)
    Visitor.objects.filter(pk=visitor.pk).update(last_seen_at=earlier)
    before = Visitor.objects.get(pk=visitor.pk)

    response = beacon(browser, visitor, [{"type": "heartbeat"}])

    assert response.status_code == 202
    after = Visitor.objects.get(pk=visitor.pk)
    assert after.last_seen_at > earlier
    for field in ("current_url", "current_title", "visit_count", "session_started_at", "first_landing_url", "utm"):
        assert getattr(after, field) == getattr(before, field), field
    assert stored() == (1, 0)


# Bad input: a clear error and nothing stored.

PROPERTIES_5KB = {"notes": "x" * 5000}


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ("this is not json", 400, "malformed_json"),
        ("[1, 2]", 400, "invalid_batch"),
        ('{"events": "nope"}', 400, "invalid_batch"),
        ("TOO_MANY", 422, "too_many_events"),
        ("PROPS_LARGE", 422, "properties_too_large"),
        ("PROPS_MANY", 422, "too_many_properties"),
        ("PROPS_DEEP", 422, "properties_too_deep"),
        ("BAD_URL", 422, "invalid_url"),
        ("LONG_URL", 422, "invalid_url"),
        ("UNKNOWN_TYPE", 422, "unknown_event_type"),
        ("NO_NAME", 422, "validation_error"),
        ("LONG_NAME", 422, "validation_error"),
        ("HUGE", 413, "batch_too_large"),
    ],
)
def test_a_bad_batch_is_refused_whole_with_a_clear_error(browser, visitor, body, status, code):
    good = page_view(f"{SITE}/")
    token = sign_visitor_token(visitor)
    cases = {
        "TOO_MANY": [good] * 101,
        "PROPS_LARGE": [good, {"type": "track", "name": "n", "properties": PROPERTIES_5KB}],
        "PROPS_MANY": [good, {"type": "track", "name": "n", "properties": {f"k{i}": i for i in range(51)}}],
        "PROPS_DEEP": [good, {"type": "track", "name": "n", "properties": {"a": {"b": {"c": {"d": 1}}}}}],
        "BAD_URL": [good, page_view("javascript:alert(1)")],
        "LONG_URL": [good, page_view(f"{SITE}/?q=" + "a" * 1000)],
        "UNKNOWN_TYPE": [good, {"type": "purchase"}],
        "NO_NAME": [good, {"type": "track", "name": ""}],
        "LONG_NAME": [good, {"type": "track", "name": "n" * 101}],
        "HUGE": [good, {"type": "track", "name": "n", "properties": {"x": "y" * 70_000}}],
    }
    if body in cases:
        body = json.dumps({"token": token, "events": cases[body]})

    response = browser.post(EVENTS, body, content_type="text/plain")

    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert response.json()["detail"]
    assert stored() == (0, 0)
    assert Visitor.objects.get(pk=visitor.pk).current_url == ""


def test_the_error_names_the_limit_and_the_event(browser, visitor):
    events = [page_view(f"{SITE}/"), {"type": "track", "name": "n", "properties": PROPERTIES_5KB}]

    detail = beacon(browser, visitor, events).json()["detail"]

    assert detail.startswith("events.1.properties: at most 4096 bytes")


def test_a_missing_or_invalid_token_is_refused(browser, visitor):
    events = [page_view(f"{SITE}/")]

    missing = browser.post(EVENTS, json.dumps({"events": events}), content_type="text/plain")
    forged = browser.post(EVENTS, json.dumps({"token": "forged", "events": events}), content_type="text/plain")

    assert (missing.status_code, missing.json()["code"]) == (401, "missing_token")
    assert (forged.status_code, forged.json()["code"]) == (401, "invalid_token")
    assert stored() == (0, 0)


def test_a_page_on_another_origin_is_refused(visitor):
    elsewhere = Client(HTTP_ORIGIN="https://evil.example.com")

    response = beacon(elsewhere, visitor, [page_view("https://evil.example.com/")])

    assert (response.status_code, response.json()["code"]) == (403, "origin_not_allowed")
    assert stored() == (0, 0)


def test_the_writer_thread_stores_batches_and_flush_waits_for_them(transactional_db, inbox):
    visitor = actions.create_visitor(inbox, user_agent=DESKTOP, language="en")
    writer = ingest.BatchWriter()
    writer.start()
    writer.submit([ingest.PageViewRow(visitor.pk, f"{SITE}/{i}", "", "", timezone.now()) for i in range(1200)])
    writer.submit([ingest.PageLeave(visitor.pk, f"{SITE}/7", 3)])

    writer.flush()

    assert PageView.objects.count() == 1200
    assert writer.written == 1201
    assert PageView.objects.get(url=f"{SITE}/7").duration_seconds == 3
