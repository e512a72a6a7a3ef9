from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from django.template import engines
from django.utils import timezone


def render(source: str, **context: object) -> str:
    return engines["django"].from_string(source).render(context)


def test_iso_writes_what_date_c_writes_in_the_current_time_zone():
    moment = datetime(2026, 12, 4, 21, 30, 5, 123456, tzinfo=UTC)

    with timezone.override(ZoneInfo("Asia/Tokyo")):
        written = render("{{ moment|iso }}", moment=moment)

        assert written == "2026-12-05T06:30:05.123456+09:00"
        assert written == render("{{ moment|date:'c' }}", moment=moment)


def test_iso_of_no_moment_is_empty():
    assert render("[{{ moment|iso }}]", moment=None) == "[]"
