"""The inbox settings pages (install, appearance, availability, welcome messages) as admins and agents use them."""

from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from core.tests.fixtures import SITE
from widget.models import WelcomeRule, WidgetSettings
from workspaces.models import Inbox, Member

BASE = "/settings/inboxes"


def client_for(member: Member) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


@pytest.fixture
def agent_client(agent: Member) -> Client:
    return client_for(agent)


def html(response) -> str:
    return response.content.decode()


def url(inbox: Inbox, page: str = "") -> str:
    return f"{BASE}/{inbox.public_id.hex}/{page}"


def appearance(**overrides: Any) -> dict[str, Any]:
    form = {
        "colour": "#0f766e",
        "position": "left",
        "launcher_icon": "question",
        "show_team": "on",
        "z_index": "1000",
        "default_language": "en",
        "text_language": "en",
        "greeting_title": "Hi there",
        "greeting_tagline": "We answer fast",
        "launcher_label": "Chat",
        "offline_message": "",
    }
    form.update(overrides)
    return form


def availability(**overrides: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "availability": "hours",
        "time_zone": "Europe/Berlin",
        "holidays": "",
        "when_offline": "offline_form",
        "email_prompt_seconds": "60",
    }
    for day in range(7):
        form.update({f"from_{day}": "09:00", f"to_{day}": "18:00"})
    for day in range(5):
        form[f"open_{day}"] = "on"
    form.update(overrides)
    return form


def rule_form(**overrides: Any) -> dict[str, Any]:
    form = {
        "name": "Pricing",
        "url_match": "contains",
        "url_value": "/pricing",
        "language": "",
        "visitors": "any",
        "message_en": "Questions about plans? Ask away.",
    }
    form.update(overrides)
    return form


def make_rule(inbox: Inbox, name: str, position: int) -> WelcomeRule:
    return WelcomeRule.objects.create(inbox=inbox, name=name, position=position, messages={"en": f"Hello from {name}"})


def positions(inbox: Inbox) -> list[tuple[str, int]]:
    return list(WelcomeRule.objects.filter(inbox=inbox).order_by("position").values_list("name", "position"))


# Pages render for admins and agents


PAGES = ["", "{inbox}/", "{inbox}/appearance/", "{inbox}/availability/", "{inbox}/welcome/", "{inbox}/welcome/new/"]


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("who", ["admin", "agent"])
def test_every_inbox_page_renders_for_admins_and_agents(who, path, member, agent, inbox):
    # given a welcome rule, and the admin or an agent who works the inbox
    make_rule(inbox, "Everywhere", 1)
    client = client_for(member if who == "admin" else agent)

    # when they open the page
    response = client.get(f"{BASE}/{path.format(inbox=inbox.public_id.hex)}")

    # then it renders, with the Inboxes link of the settings nav current
    assert response.status_code == 200
    page = html(response)
    assert 'aria-current="page">Inboxes</a>' in page
    assert ("Only admins can change the widget" in page) == (who == "agent" and path != "")


def test_a_welcome_rule_page_renders_for_admins_and_agents(member, agent, inbox):
    # given a rule
    rule = make_rule(inbox, "Everywhere", 1)

    # when the admin and an agent open it
    for client in (client_for(member), client_for(agent)):
        response = client.get(url(inbox, f"welcome/{rule.public_id.hex}/"))

        # then it shows the rule
        assert response.status_code == 200 and "Hello from Everywhere" in html(response)


def test_settings_need_a_signed_in_member(inbox):
    response = Client().get(url(inbox))

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_list_shows_inboxes_with_key_and_origins_count(operator_client, inbox):
    # when the admin opens the list
    page = html(operator_client.get(f"{BASE}/"))

    # then the inbox is there with its key and how many origins it allows
    row = page[page.index(f'id="inbox-{inbox.public_id.hex}"') :]
    assert "Website" in row and inbox.widget_key in row and "1 origin" in row


def test_an_admin_creates_an_inbox(operator_client, workspace):
    # when the admin creates an inbox with origins
    response = operator_client.post(
        f"{BASE}/new/", {"name": "Docs", "allowed_origins": "https://docs.example.com/\nhttp://localhost:8000"}
    )

    # then it exists with normalised origins, and the install page opens
    inbox = Inbox.objects.get(workspace=workspace, name="Docs")
    assert inbox.allowed_origins == ["https://docs.example.com", "http://localhost:8000"]
    assert response.status_code == 302 and response["Location"] == url(inbox)


def test_an_inbox_with_a_bad_origin_is_not_created(operator_client, workspace):
    response = operator_client.post(f"{BASE}/new/", {"name": "Docs", "allowed_origins": "docs.example.com"})

    assert response.status_code == 422 and "is not a site origin" in html(response)
    assert not Inbox.objects.filter(workspace=workspace, name="Docs").exists()


def test_agents_get_403_on_every_post_and_nothing_changes(agent_client, inbox):
    # given a rule and the inbox as it is
    rule = make_rule(inbox, "Everywhere", 1)
    rule_url = url(inbox, f"welcome/{rule.public_id.hex}/")
    posts = [
        (f"{BASE}/new/", {"name": "Docs", "allowed_origins": ""}),
        (url(inbox, "origins/"), {"allowed_origins": "*"}),
        (url(inbox, "capture-emails/"), {}),
        (url(inbox, "email-developer/"), {"email": "dev@example.com"}),
        (url(inbox, "appearance/save/"), appearance()),
        (url(inbox, "availability/save/"), availability()),
        (url(inbox, "welcome/create/"), rule_form()),
        (f"{rule_url}update/", rule_form(name="Changed")),
        (f"{rule_url}move/", {"direction": "down"}),
        (f"{rule_url}delete/", {}),
    ]

    for path, data in posts:
        # when an agent posts
        response = agent_client.post(path, data)

        # then it is refused with the standard message
        assert response.status_code == 403, path
        assert "Only workspace admins can do this." in html(response)

    # and nothing changed
    inbox.refresh_from_db()
    assert inbox.allowed_origins == [SITE] and inbox.capture_emails is True
    assert Inbox.objects.filter(workspace_id=inbox.workspace_id).count() == 1
    assert not WidgetSettings.objects.filter(inbox=inbox).exists()
    assert positions(inbox) == [("Everywhere", 1)]
    assert mail.outbox == []


# Install


def test_the_install_page_shows_the_snippet_with_the_key_and_absolute_url(operator_client, inbox):
    page = html(operator_client.get(url(inbox)))

    snippet = f"&lt;script async src=&quot;http://testserver/widget.js&quot; data-key=&quot;{inbox.widget_key}&quot;"
    assert snippet in page
    assert "into the &lt;head&gt; of every page" in page
    assert inbox.identity_secret in page and 'type="password"' in page


def test_agents_do_not_see_the_identity_secret(agent_client, inbox):
    page = html(agent_client.get(url(inbox)))

    assert inbox.widget_key in page and inbox.identity_secret not in page


def test_the_snippet_is_emailed_to_the_developer(operator_client, inbox):
    # when the admin emails the snippet to their developer
    response = operator_client.post(url(inbox, "email-developer/"), {"email": "dev@example.com"}, follow=True)

    # then one plain-text email with the snippet leaves, and the page says so
    assert response.status_code == 200 and "The snippet was sent to dev@example.com." in html(response)
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["dev@example.com"]
    assert sent.subject == "Install the Parley chat on shop.example.com"
    assert f'<script async src="http://testserver/widget.js" data-key="{inbox.widget_key}"></script>' in sent.body
    assert "<head>" in sent.body


def test_an_invalid_developer_email_sends_nothing(operator_client, inbox):
    response = operator_client.post(url(inbox, "email-developer/"), {"email": "not-an-email"})

    assert response.status_code == 422 and 'class="field__error"' in html(response)
    assert mail.outbox == []


def test_origins_are_saved_normalised(operator_client, inbox):
    # when the admin saves origins with a trailing slash, a port, a duplicate and blank lines
    response = operator_client.post(
        url(inbox, "origins/"),
        {"allowed_origins": "https://Shop.example.com/\n\nhttp://localhost:8000\nhttps://shop.example.com"},
    )

    # then they are stored normalised and deduplicated
    assert response.status_code == 302
    inbox.refresh_from_db()
    assert inbox.allowed_origins == ["https://shop.example.com", "http://localhost:8000"]


def test_a_star_alone_allows_any_site(operator_client, inbox):
    operator_client.post(url(inbox, "origins/"), {"allowed_origins": "*"})

    inbox.refresh_from_db()
    assert inbox.allowed_origins == ["*"]


@pytest.mark.parametrize(
    "origins",
    [
        "ftp://shop.example.com",
        "https://shop.example.com/shop",
        "https://shop.example.com?x=1",
        "shop.example.com",
        "*\nhttps://shop.example.com",
        "\n".join(f"https://site{n}.example.com" for n in range(51)),
    ],
    ids=["scheme", "path", "query", "no-scheme", "star-with-others", "too-many"],
)
def test_bad_origins_are_refused_and_nothing_changes(operator_client, inbox, origins):
    response = operator_client.post(url(inbox, "origins/"), {"allowed_origins": origins})

    assert response.status_code == 422 and 'class="field__error"' in html(response)
    inbox.refresh_from_db()
    assert inbox.allowed_origins == [SITE]


def test_capture_emails_is_switched_off_and_on(operator_client, inbox):
    operator_client.post(url(inbox, "capture-emails/"), {})
    inbox.refresh_from_db()
    assert inbox.capture_emails is False

    operator_client.post(url(inbox, "capture-emails/"), {"capture_emails": "on"})
    inbox.refresh_from_db()
    assert inbox.capture_emails is True


# Appearance


def test_appearance_saves_the_look_and_the_texts_of_a_language(operator_client, inbox):
    # when the admin saves the look and the English texts
    response = operator_client.post(url(inbox, "appearance/save/"), appearance())

    # then they are stored, and the page comes back on the same language
    assert response.status_code == 302 and response["Location"] == url(inbox, "appearance/?lang=en")
    settings = WidgetSettings.objects.get(inbox=inbox)
    assert (settings.colour, settings.position, settings.launcher_icon) == ("#0f766e", "left", "question")
    assert (settings.show_team, settings.start_open, settings.z_index) == (True, False, 1000)
    english = {"greeting_title": "Hi there", "greeting_tagline": "We answer fast", "launcher_label": "Chat"}
    assert settings.texts == {"en": english}


def test_saving_one_language_keeps_the_others_texts(operator_client, inbox):
    # given English texts
    operator_client.post(url(inbox, "appearance/save/"), appearance())

    # when the admin saves German texts
    german = appearance(text_language="de", greeting_title="Hallo", greeting_tagline="", launcher_label="")
    operator_client.post(url(inbox, "appearance/save/"), german)

    # then both are kept, empty German texts left out (the English ones are the fallback)
    settings = WidgetSettings.objects.get(inbox=inbox)
    assert settings.texts["en"]["greeting_title"] == "Hi there"
    assert settings.texts["de"] == {"greeting_title": "Hallo"}
    assert settings.text("greeting_tagline", "de") == "We answer fast"

    # and the German page shows the German title, with the English one as its placeholder elsewhere
    page = html(operator_client.get(url(inbox, "appearance/?lang=de")))
    assert 'value="Hallo"' in page and 'placeholder="We answer fast"' in page


def test_the_preview_shows_the_saved_look(operator_client, inbox):
    operator_client.post(url(inbox, "appearance/save/"), appearance())

    page = html(operator_client.get(url(inbox, "appearance/")))

    assert 'data-preview="panel" style="--preview-colour: #0f766e"' in page
    assert 'data-preview="launcher" data-icon="question" style="--preview-colour: #0f766e"' in page
    assert 'data-position="left"' in page
    assert 'data-fallback="Website">Hi there</strong>' in page
    assert "We answer fast</span>" in page


@pytest.mark.parametrize(
    "field, value",
    [
        ("colour", "red"),
        ("colour", "#12345"),
        ("position", "top"),
        ("z_index", "0"),
        ("default_language", "xx"),
        ("greeting_title", "x" * 61),
        ("launcher_label", "x" * 31),
    ],
)
def test_bad_appearance_is_refused_and_nothing_is_saved(operator_client, inbox, field, value):
    response = operator_client.post(url(inbox, "appearance/save/"), appearance(**{field: value}))

    assert response.status_code == 422 and 'class="field__error"' in html(response)
    assert not WidgetSettings.objects.filter(inbox=inbox).exists()


def test_the_widget_session_speaks_the_saved_german_title(operator_client, inbox):
    # given German texts saved on the appearance page
    operator_client.post(url(inbox, "appearance/save/"), appearance())
    operator_client.post(url(inbox, "appearance/save/"), appearance(text_language="de", greeting_title="Hallo!"))

    # when a German visitor's widget starts on the site
    response = Client(HTTP_ORIGIN=SITE).post(
        "/widget/api/v1/sessions",
        {"key": inbox.widget_key, "token": None, "language": "de"},
        content_type="application/json",
    )

    # then it gets the German title and the colour
    assert response.status_code in (200, 201), response.content
    widget = response.json()["widget"]
    assert widget["greeting_title"] == "Hallo!" and widget["colour"] == "#0f766e"


# Availability


def test_availability_saves_hours_and_holidays(operator_client, inbox):
    # when the admin saves weekday hours, a late Friday and holidays (unsorted, duplicated)
    form = availability(to_4="24:00", holidays="2026-12-26\n2026-12-25\n\n2026-12-25")
    response = operator_client.post(url(inbox, "availability/save/"), form)

    # then they are stored in the widget's schedule format
    assert response.status_code == 302
    settings = WidgetSettings.objects.get(inbox=inbox)
    assert settings.availability == "hours" and settings.time_zone == "Europe/Berlin"
    assert settings.weekly_hours == {
        **{str(day): [["09:00", "18:00"]] for day in range(4)},
        "4": [["09:00", "24:00"]],
    }
    assert settings.holidays == ["2026-12-25", "2026-12-26"]

    # and the page shows them back
    page = html(operator_client.get(url(inbox, "availability/")))
    assert 'name="open_0" id="id_open_0" checked' in page and 'name="open_5" id="id_open_5">' in page
    assert "2026-12-25\n2026-12-26</textarea>" in page


@pytest.mark.parametrize(
    "overrides, error",
    [
        ({"to_0": "09:00"}, "after the opening time"),
        ({"to_0": "08:00"}, "after the opening time"),
        ({"from_0": "9am"}, "HH:MM"),
        ({"to_0": "24:30"}, "HH:MM"),
        ({"time_zone": "Mars/Olympus"}, "Select a valid choice"),
        ({"holidays": "2026-02-30"}, "is not a date"),
        ({"holidays": "25.12.2026"}, "is not a date"),
        ({"email_prompt_seconds": "3601"}, "3600"),
        ({"availability": "sometimes"}, "Select a valid choice"),
    ],
)
def test_bad_availability_is_refused_and_nothing_is_saved(operator_client, inbox, overrides, error):
    response = operator_client.post(url(inbox, "availability/save/"), availability(**overrides))

    assert response.status_code == 422 and error in html(response)
    assert not WidgetSettings.objects.filter(inbox=inbox).exists()


def test_a_closed_day_ignores_its_times(operator_client, inbox):
    operator_client.post(url(inbox, "availability/save/"), availability(from_6="bad", to_6=""))

    assert "6" not in WidgetSettings.objects.get(inbox=inbox).weekly_hours


# Welcome messages


def test_the_welcome_page_explains_the_order_and_is_empty_at_first(operator_client, inbox):
    page = html(operator_client.get(url(inbox, "welcome/")))

    assert "The first matching rule wins; rules are checked top to bottom." in page
    assert "No welcome messages yet." in page


def test_an_admin_creates_rules_that_go_last(operator_client, inbox):
    # given a rule
    make_rule(inbox, "Everywhere", 1)

    # when the admin creates another, with a German message too
    response = operator_client.post(url(inbox, "welcome/create/"), rule_form(message_de="Fragen zu den Preisen?"))

    # then it goes last, with its messages
    assert response.status_code == 302 and response["Location"] == url(inbox, "welcome/")
    assert positions(inbox) == [("Everywhere", 1), ("Pricing", 2)]
    rule = WelcomeRule.objects.get(inbox=inbox, name="Pricing")
    assert (rule.url_match, rule.url_value, rule.language, rule.visitors) == ("contains", "/pricing", "", "any")
    assert rule.messages == {"en": "Questions about plans? Ask away.", "de": "Fragen zu den Preisen?"}


def test_an_admin_edits_a_rule(operator_client, inbox):
    rule = make_rule(inbox, "Everywhere", 1)

    response = operator_client.post(
        url(inbox, f"welcome/{rule.public_id.hex}/update/"),
        rule_form(name="Returning Germans", url_match="any", url_value="ignored", language="de", visitors="returning"),
    )

    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.name, rule.url_match, rule.url_value, rule.language, rule.visitors) == (
        "Returning Germans",
        "any",
        "",
        "de",
        "returning",
    )


def test_rules_move_up_and_down_and_are_renumbered(operator_client, inbox):
    # given three rules with gaps in their positions
    first, second, third = make_rule(inbox, "A", 3), make_rule(inbox, "B", 7), make_rule(inbox, "C", 9)

    # when the last moves up, then the first moves down
    operator_client.post(url(inbox, f"welcome/{third.public_id.hex}/move/"), {"direction": "up"})
    assert positions(inbox) == [("A", 1), ("C", 2), ("B", 3)]
    operator_client.post(url(inbox, f"welcome/{first.public_id.hex}/move/"), {"direction": "down"})
    assert positions(inbox) == [("C", 1), ("A", 2), ("B", 3)]

    # and moving the top one up changes nothing
    operator_client.post(url(inbox, f"welcome/{third.public_id.hex}/move/"), {"direction": "up"})
    assert positions(inbox) == [("C", 1), ("A", 2), ("B", 3)]
    assert second.pk in WelcomeRule.objects.values_list("pk", flat=True)


def test_deleting_a_rule_renumbers_the_rest(operator_client, inbox):
    make_rule(inbox, "A", 1)
    middle = make_rule(inbox, "B", 2)
    make_rule(inbox, "C", 3)

    response = operator_client.post(url(inbox, f"welcome/{middle.public_id.hex}/delete/"))

    assert response.status_code == 302
    assert positions(inbox) == [("A", 1), ("C", 2)]


def test_a_rule_without_the_default_language_message_is_refused(operator_client, inbox):
    # given German as the widget's default language
    WidgetSettings.objects.create(inbox=inbox, default_language="de")

    # when the admin writes only an English message
    response = operator_client.post(url(inbox, "welcome/create/"), rule_form())

    # then the German one is asked for, and nothing is saved
    assert response.status_code == 422 and "fallback" in html(response)
    assert not WelcomeRule.objects.filter(inbox=inbox).exists()


@pytest.mark.parametrize(
    "overrides",
    [
        {"name": ""},
        {"name": "x" * 81},
        {"url_match": "contains", "url_value": ""},
        {"url_match": "pattern", "url_value": "**"},
        {"url_match": "regex"},
        {"language": "xx"},
        {"visitors": "vip"},
        {"message_en": "x" * 1001},
    ],
)
def test_bad_rules_are_refused(operator_client, inbox, overrides):
    rule = make_rule(inbox, "Everywhere", 1)

    for path in ("welcome/create/", f"welcome/{rule.public_id.hex}/update/"):
        response = operator_client.post(url(inbox, path), rule_form(**overrides))

        assert response.status_code == 422 and 'class="field__error"' in html(response)
    assert positions(inbox) == [("Everywhere", 1)]
    rule.refresh_from_db()
    assert rule.messages == {"en": "Hello from Everywhere"}


def test_a_rule_of_another_workspaces_inbox_is_not_found(operator_client, inbox, other_inbox):
    # given a rule of another workspace
    foreign = make_rule(other_inbox, "Theirs", 1)

    # when the admin opens or changes it, under its inbox or under their own
    for inbox_hex in (other_inbox.public_id.hex, inbox.public_id.hex):
        path = f"{BASE}/{inbox_hex}/welcome/{foreign.public_id.hex}/"
        assert operator_client.get(path).status_code == 404
        assert operator_client.post(f"{path}update/", rule_form(name="Mine")).status_code == 404
        assert operator_client.post(f"{path}delete/").status_code == 404

    # then it is untouched
    assert WelcomeRule.objects.get(pk=foreign.pk).name == "Theirs"


def test_another_workspaces_inbox_is_not_found(operator_client, other_inbox):
    for page in ("", "appearance/", "availability/", "welcome/"):
        assert operator_client.get(url(other_inbox, page)).status_code == 404
    assert operator_client.post(url(other_inbox, "origins/"), {"allowed_origins": "*"}).status_code == 404


def test_the_welcome_list_costs_the_same_queries_for_any_number_of_rules(
    operator_client, inbox, django_assert_num_queries
):
    # given one rule, count the queries of the page
    make_rule(inbox, "R0", 1)
    with CaptureQueriesContext(connection) as one:
        operator_client.get(url(inbox, "welcome/"))

    # when there are many more rules
    for n in range(1, 15):
        make_rule(inbox, f"R{n}", n + 1)

    # then the page costs exactly as many
    with django_assert_num_queries(len(one.captured_queries)):
        page = html(operator_client.get(url(inbox, "welcome/")))
    assert "R14" in page


def test_agents_see_the_appearance_read_only_but_may_switch_the_texts_language(agent_client, inbox):
    # when an agent opens the German texts
    page = html(agent_client.get(url(inbox, "appearance/?lang=de")))

    # then the fields are in disabled fieldsets, the language picker is not, and there is no save button
    picker = page.index('id="text-language"')
    assert page.rfind("<fieldset", 0, picker) < page.rfind("</fieldset>", 0, picker)
    assert '<option value="de" selected>' in page and "Save appearance" not in page
