"""What the session call learns about the browser, and what it tells the widget about tracking."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from mmdb_writer import MMDBWriter
from netaddr import IPSet

from core.tests.fixtures import SITE
from visitors.models import Visitor
from visitors.queries import visitor_country

SESSIONS = "/widget/api/v1/sessions"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.0 Mobile/15E148 Safari/604.1"
)


@pytest.fixture
def browser() -> Client:
    return Client(HTTP_ORIGIN=SITE, HTTP_USER_AGENT=IPHONE)


def start(browser: Client, inbox, REMOTE_ADDR: str = "127.0.0.1", **extra: object):
    body = {"key": inbox.widget_key, "token": None, "language": "de", **extra}
    return browser.post(SESSIONS, body, content_type="application/json", REMOTE_ADDR=REMOTE_ADDR)


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


@pytest.fixture
def geoip_database(tmp_path, settings):
    """A MaxMind-format country database that knows one British and one Kazakh network."""
    writer = MMDBWriter(ip_version=6, database_type="GeoLite2-Country", ipv4_compatible=True)
    writer.insert_network(IPSet(["81.2.69.0/24"]), {"country": {"iso_code": "GB"}})
    writer.insert_network(IPSet(["2.72.0.0/16"]), {"country": {"iso_code": "KZ"}})
    path = tmp_path / "countries.mmdb"
    writer.to_db_file(str(path))
    settings.GEOIP_DATABASE = str(path)
    return path


def test_with_a_geoip_database_the_country_comes_from_the_address_and_beats_the_time_zone(
    browser, inbox, geoip_database
):
    start(browser, inbox, time_zone="Asia/Almaty", REMOTE_ADDR="81.2.69.160")

    visitor = Visitor.objects.get()
    assert visitor.country == "GB"
    assert visitor_country(visitor) == "United Kingdom"


def test_a_new_session_from_another_country_updates_it_and_a_private_address_keeps_it(browser, inbox, geoip_database):
    token = start(browser, inbox, REMOTE_ADDR="81.2.69.160").json()["token"]
    Visitor.objects.update(last_seen_at=timezone.now() - timedelta(hours=1))

    start(browser, inbox, token=token, REMOTE_ADDR="2.72.10.1")
    assert Visitor.objects.get().country == "KZ"

    Visitor.objects.update(last_seen_at=timezone.now() - timedelta(hours=1))
    start(browser, inbox, token=token, REMOTE_ADDR="10.0.0.7")
    assert Visitor.objects.get().country == "KZ"


def test_an_address_the_database_does_not_know_falls_back_to_the_time_zone(browser, inbox, geoip_database):
    start(browser, inbox, time_zone="Asia/Almaty", REMOTE_ADDR="8.8.8.8")

    visitor = Visitor.objects.get()
    assert visitor.country == ""
    assert visitor_country(visitor) == "Kazakhstan"


def test_without_a_geoip_database_nothing_is_looked_up(browser, inbox, settings):
    settings.GEOIP_DATABASE = ""
    start(browser, inbox, time_zone="Europe/Berlin", REMOTE_ADDR="81.2.69.160")

    visitor = Visitor.objects.get()
    assert (visitor.country, visitor_country(visitor)) == ("", "Germany")
