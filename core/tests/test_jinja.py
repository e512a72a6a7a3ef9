"""The Jinja2 environment of the hot fragments gives what Django's templates would."""

from datetime import UTC, datetime

from django.template import Context, Template, defaultfilters, engines
from django.urls import reverse, set_script_prefix
from django.utils import timezone, translation

from core.jinja import hour_minute, truncatechars


def test_hour_minute_is_djangos_h_i_in_the_current_time_zone():
    moment = datetime(2026, 3, 1, 23, 5, tzinfo=UTC)

    with timezone.override("Asia/Tokyo"):
        shown = hour_minute(moment)
        django_shows = Template('{{ moment|date:"H:i" }}').render(Context({"moment": moment}))

    assert shown == django_shows == "08:05"
    assert hour_minute(None) == ""


def test_truncatechars_cuts_as_django_does():
    for text in ("short", "x" * 90, "y" * 91, "Привет, " * 20):
        assert truncatechars(text, 90) == defaultfilters.truncatechars(text, 90)


def test_what_is_rendered_is_escaped_and_safe_in_a_django_page():
    engine = engines["jinja2"].env
    engine_text = engine.from_string("<b>{{ text }}</b>").render(text="<script>x</script>")

    page = Template('{% load jinja %}<p>{% jinja "conversations/partials/channel_icon.html" channel="email" %}</p>')

    assert engine_text == "<b>&lt;script&gt;x&lt;/script&gt;</b>"
    assert page.render(Context()).startswith('<p><svg class="channel-icon" role="img" aria-label="Email"')


def test_each_render_speaks_the_language_active_for_it():
    icon = engines["jinja2"].get_template("conversations/partials/channel_icon.html")

    shown = []
    for language in ("en", "ru", "en"):
        with translation.override(language):
            shown.append(icon.render({"channel": "web"}))

    assert "<title>Website chat</title>" in shown[0]
    assert "<title>Чат на сайте</title>" in shown[1]
    assert shown[2] == shown[0]


def test_urls_follow_the_prefix_the_site_is_served_under():
    link = engines["jinja2"].env.from_string('{{ url("conversations:conversation", cid) }}')
    cid = "0" * 32

    at_root = link.render(cid=cid)
    set_script_prefix("/support/")
    try:
        under_prefix = link.render(cid=cid)
    finally:
        set_script_prefix("/")

    assert at_root == reverse("conversations:conversation", args=[cid]) and at_root.startswith("/inbox/")
    assert under_prefix == "/support" + at_root
