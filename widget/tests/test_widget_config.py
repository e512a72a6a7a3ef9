"""What the session tells the widget (look, texts in the visitor's language, availability, welcome rules),
and how a visitor's first message opens the conversation (welcome stored first, offline form)."""

from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client

from contacts.models import Contact
from conversations.models import Conversation, Message
from core.tests.fixtures import SITE
from widget.availability import inbox_availability, next_opening, within_hours
from widget.models import WelcomeRule, WidgetSettings
from workspaces.models import Member

API = "/widget/api/v1"
WEEKDAYS_9_TO_18 = {str(day): [["09:00", "18:00"]] for day in range(5)}


@pytest.fixture
def browser() -> Client:
    return Client(HTTP_ORIGIN=SITE)


def start(browser: Client, inbox, language: str = "en", token: str | None = None) -> dict[str, Any]:
    body = {"key": inbox.widget_key, "token": token, "language": language}
    response = browser.post(f"{API}/sessions", body, content_type="application/json")
    assert response.status_code in (200, 201), response.content
    return response.json()


def send(browser: Client, token: str, text: str, **extra: object):
    return browser.post(
        f"{API}/messages",
        {"text": text, "client_id": "c-1", **extra},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def configure(inbox, **fields: object) -> WidgetSettings:
    settings, _ = WidgetSettings.objects.update_or_create(inbox=inbox, defaults=fields)
    return settings


def rule(inbox, name: str, position: int, messages: dict[str, str], **fields: object) -> WelcomeRule:
    return WelcomeRule.objects.create(inbox=inbox, name=name, position=position, messages=messages, **fields)


# The look and the texts


def test_an_inbox_without_settings_gets_the_defaults(browser, inbox):
    widget = start(browser, inbox)["widget"]

    assert widget["colour"] == "#2563eb"
    assert (widget["position"], widget["launcher_icon"], widget["start_open"]) == ("right", "chat", False)
    assert (widget["online"], widget["when_offline"], widget["back_at"]) == (True, "offline_form", None)
    assert (widget["language"], widget["direction"]) == ("en", "ltr")
    assert widget["team"] == ["Anna"]  # the admin who works every inbox
    assert widget["welcome"] == [] and widget["email_known"] is False


def test_texts_come_in_the_visitors_language_with_the_default_language_as_fallback(browser, inbox):
    configure(
        inbox,
        colour="#0f766e",
        position="left",
        default_language="en",
        texts={
            "en": {"greeting_title": "Hi there", "greeting_tagline": "We answer fast", "launcher_label": "Chat"},
            "de": {"greeting_title": "Hallo"},
        },
    )

    german = start(browser, inbox, language="de-AT")["widget"]
    assert (german["language"], german["greeting_title"], german["greeting_tagline"]) == (
        "de",
        "Hallo",
        "We answer fast",
    )
    assert (german["colour"], german["position"], german["launcher_label"]) == ("#0f766e", "left", "Chat")

    unsupported = start(browser, inbox, language="xx")["widget"]
    assert (unsupported["language"], unsupported["greeting_title"]) == ("en", "Hi there")


def test_arabic_is_laid_out_right_to_left(browser, inbox):
    widget = start(browser, inbox, language="ar-EG")["widget"]

    assert (widget["language"], widget["direction"]) == ("ar", "rtl")


def test_the_team_shown_lists_online_operators_first_and_can_be_hidden(browser, inbox, agent):
    Member.objects.filter(pk=agent.pk).update(connected=True, display_name="Carl Jensen")

    assert start(browser, inbox)["widget"]["team"] == ["Carl", "Anna"]

    configure(inbox, show_team=False)
    assert start(browser, inbox)["widget"]["team"] == []


# Availability


def test_business_hours_are_read_in_the_inbox_time_zone_and_skip_holidays():
    settings = WidgetSettings(
        availability="hours", time_zone="Asia/Almaty", weekly_hours=WEEKDAYS_9_TO_18, holidays=["2026-12-16"]
    )
    monday_10_almaty = datetime(2026, 12, 14, 5, 0, tzinfo=UTC)  # Almaty is UTC+5
    monday_19_almaty = datetime(2026, 12, 14, 14, 0, tzinfo=UTC)

    assert within_hours(settings, monday_10_almaty)
    assert not within_hours(settings, monday_19_almaty)
    # Tuesday 9:00 next; Wednesday the 16th is a holiday, so Tuesday evening points to Thursday
    assert next_opening(settings, monday_19_almaty) == datetime(2026, 12, 15, 4, 0, tzinfo=UTC)
    tuesday_evening = datetime(2026, 12, 15, 14, 0, tzinfo=UTC)
    assert next_opening(settings, tuesday_evening) == datetime(2026, 12, 17, 4, 0, tzinfo=UTC)


def test_friday_evening_is_back_on_monday():
    settings = WidgetSettings(availability="hours", time_zone="Europe/Berlin", weekly_hours=WEEKDAYS_9_TO_18)
    friday_evening = datetime(2026, 12, 18, 19, 0, tzinfo=UTC)

    availability = inbox_availability(settings, lambda: True, now=friday_evening)

    assert availability.online is False
    assert availability.back_at == datetime(2026, 12, 21, 8, 0, tzinfo=UTC)


def test_presence_counts_only_when_the_inbox_says_so():
    asked: list[bool] = []

    def nobody() -> bool:
        asked.append(True)
        return False

    assert inbox_availability(WidgetSettings(availability="always"), nobody).online is True
    assert asked == []
    assert inbox_availability(WidgetSettings(availability="presence"), nobody).online is False
    assert asked == [True]


def test_with_presence_the_widget_is_offline_until_an_operator_has_the_inbox_open(browser, inbox, member):
    configure(inbox, availability="presence", when_offline="hide")

    assert start(browser, inbox)["widget"]["online"] is False

    Member.objects.filter(pk=member.pk).update(connected=True)
    assert start(browser, inbox)["widget"]["online"] is True

    Member.objects.filter(pk=member.pk).update(availability=Member.Availability.AWAY)
    widget = start(browser, inbox)["widget"]
    assert (widget["online"], widget["when_offline"]) == (False, "hide")


# Welcome rules


def test_welcome_rules_for_the_visitors_language_and_visit_come_in_order(browser, inbox):
    rule(inbox, "Mugs", 1, {"en": "Questions about our mugs?"}, url_match="contains", url_value="/product/")
    rule(inbox, "Russian", 2, {"ru": "Здравствуйте!"}, language="ru")
    rule(inbox, "Returning", 3, {"en": "Welcome back!"}, visitors="returning")
    rule(inbox, "Everyone", 4, {"en": "Hello!"})

    english = start(browser, inbox)["widget"]["welcome"]
    assert [(w["url_match"], w["url_value"], w["message"]) for w in english] == [
        ("contains", "/product/", "Questions about our mugs?"),
        ("any", "", "Hello!"),
    ]
    russian = start(browser, inbox, language="ru")["widget"]["welcome"]
    assert [w["message"] for w in russian] == ["Questions about our mugs?", "Здравствуйте!", "Hello!"]


def test_a_returning_visitor_gets_the_returning_rule(browser, inbox):
    from visitors.models import Visitor

    rule(inbox, "Returning", 1, {"en": "Welcome back!"}, visitors="returning")
    rule(inbox, "New", 2, {"en": "First time here?"}, visitors="new")
    session = start(browser, inbox)
    assert [w["message"] for w in session["widget"]["welcome"]] == ["First time here?"]

    Visitor.objects.update(visit_count=2)
    again = start(browser, inbox, token=session["token"])
    assert [w["message"] for w in again["widget"]["welcome"]] == ["Welcome back!"]


def test_the_welcome_the_visitor_saw_is_stored_before_their_first_message(browser, inbox):
    welcome = rule(inbox, "Mugs", 1, {"en": "Questions about our mugs?", "ru": "Вопросы о кружках?"})
    token = start(browser, inbox, language="ru")["token"]

    response = send(browser, token, "Is it dishwasher safe?", welcome=welcome.public_id.hex)

    assert response.status_code == 201
    texts = list(Message.objects.order_by("seq").values_list("author_kind", "text"))
    assert texts == [("bot", "Вопросы о кружках?"), ("visitor", "Is it dishwasher safe?")]
    assert response.json()["seq"] == 2


def test_a_welcome_id_on_a_later_message_or_from_another_inbox_adds_nothing(browser, inbox, workspace):
    from workspaces import actions as workspace_actions

    other = workspace_actions.create_inbox(workspace, name="Other site", allowed_origins=[SITE])
    foreign = rule(other, "Elsewhere", 1, {"en": "Not ours"})
    welcome = rule(inbox, "Mugs", 1, {"en": "Questions about our mugs?"})
    token = start(browser, inbox)["token"]

    send(browser, token, "Hi", welcome=foreign.public_id.hex)
    send(browser, token, "Hi again", client_id="c-2", welcome=welcome.public_id.hex)
    send(browser, token, "Third", client_id="c-3", welcome="not-an-id")

    assert list(Message.objects.values_list("author_kind", flat=True)) == ["visitor", "visitor", "visitor"]


# The offline form


def test_a_question_from_the_offline_form_opens_a_conversation_marked_offline_with_the_email(browser, inbox):
    configure(inbox, availability="hours", weekly_hours={})
    session = start(browser, inbox)
    assert session["widget"]["online"] is False

    response = send(browser, session["token"], "Do you ship to Almaty?", email="Dana@Example.com")

    assert response.status_code == 201
    conversation = Conversation.objects.get()
    assert conversation.started_offline is True
    assert conversation.visitor.contact.email == "dana@example.com"
    assert start(browser, inbox, token=session["token"])["widget"]["email_known"] is True


def test_a_conversation_started_in_hours_is_not_marked_offline(browser, inbox):
    token = start(browser, inbox)["token"]

    send(browser, token, "Hello")

    assert Conversation.objects.get().started_offline is False


def test_an_invalid_email_on_the_offline_form_stores_nothing(browser, inbox):
    configure(inbox, availability="hours", weekly_hours={})
    token = start(browser, inbox)["token"]

    response = send(browser, token, "Do you ship to Almaty?", email="dana@")

    assert (response.status_code, response.json()["code"]) == (422, "invalid_email")
    assert not Conversation.objects.exists() and not Contact.objects.exists()


# "Get the reply by email"


def test_an_email_left_in_the_widget_links_the_contact_even_when_site_capture_is_off(browser, inbox):
    inbox.capture_emails = False
    inbox.save(update_fields=["capture_emails"])
    token = start(browser, inbox)["token"]

    response = browser.post(
        f"{API}/email",
        {"email": "Ola@Example.com"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )

    assert response.status_code == 200
    assert response.json()["contact"]["email"] == "ola@example.com"
    assert start(browser, inbox, token=token)["widget"]["email_known"] is True


def test_a_bad_or_empty_email_left_in_the_widget_is_refused(browser, inbox):
    token = start(browser, inbox)["token"]

    for email in ("ola@", "  "):
        response = browser.post(
            f"{API}/email", {"email": email}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
        )
        assert (response.status_code, response.json()["code"]) == (422, "invalid_email")
    assert not Contact.objects.exists()
