"""What the session call learns about the browser, and what it tells the widget about tracking."""

import pytest
from django.test import Client

from core.tests.fixtures import SITE
from visitors.models import Visitor

SESSIONS = "/widget/api/v1/sessions"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.0 Mobile/15E148 Safari/604.1"
)


@pytest.fixture
def browser() -> Client:
    return Client(HTTP_ORIGIN=SITE, HTTP_USER_AGENT=IPHONE)


def start(browser: Client, inbox, **extra: object):
    body = {"key": inbox.widget_key, "token": None, "language": "de", **extra}
    return browser.post(SESSIONS, body, content_type="application/json")


def test_a_new_session_keeps_the_time_zone_language_and_device_and_starts_a_visit(browser, inbox):
    response = start(browser, inbox, time_zone="Europe/Berlin")

    assert response.status_code == 201
    visitor = Visitor.objects.get()
    assert (visitor.time_zone, visitor.language) == ("Europe/Berlin", "de")
    assert (visitor.browser, visitor.os, visitor.device) == ("Mobile Safari", "iOS", "mobile")
    assert visitor.visit_count == 1 and visitor.session_started_at is not None


def test_a_resumed_session_updates_the_time_zone_and_keeps_it_when_none_is_sent(browser, inbox):
    token = start(browser, inbox, time_zone="Europe/Berlin").json()["token"]

    start(browser, inbox, token=token, time_zone="Asia/Almaty")
    assert Visitor.objects.get().time_zone == "Asia/Almaty"
    start(browser, inbox, token=token)
    assert Visitor.objects.get().time_zone == "Asia/Almaty"


def test_the_session_tells_the_widget_whether_to_capture_emails(browser, inbox):
    assert start(browser, inbox).json()["capture_emails"] is True

    inbox.capture_emails = False
    inbox.save(update_fields=["capture_emails"])

    assert start(browser, inbox).json()["capture_emails"] is False


def test_a_time_zone_over_60_characters_is_refused(browser, inbox):
    response = start(browser, inbox, time_zone="x" * 61)

    assert (response.status_code, response.json()["code"]) == (422, "validation_error")
