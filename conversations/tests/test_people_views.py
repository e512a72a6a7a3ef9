"""The contact card beside a conversation, the contact page with its timeline, live visitors and starting a chat."""

import re
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contacts import actions as contact_actions
from contacts.models import Contact
from conversations import actions
from conversations.models import Conversation, Message
from core.errors import Forbidden
from core.tests.fixtures import SITE, make_agent
from parley.asgi import application
from visitors.actions import create_visitor
from visitors.countries import country_name
from visitors.models import Event, PageView, Visitor
from widget.identity import sign_visitor_token


def login(member) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


def on_site(visitor: Visitor, **fields) -> Visitor:
    """The visitor as the tracker leaves it: where they are now, where they came from, their browser."""
    now = timezone.now()
    values = {
        "last_seen_at": now,
        "session_started_at": now - timedelta(minutes=3),
        "current_url": f"{SITE}/shoes/red",
        "current_title": "Red shoes",
        "browser": "Firefox 140",
        "os": "Linux",
        "device": "desktop",
        "time_zone": "Asia/Almaty",
        "first_referrer": "https://www.google.com/search?q=shoes",
        "visit_count": 3,
        **fields,
    }
    Visitor.objects.filter(pk=visitor.pk).update(**values)
    visitor.refresh_from_db()
    return visitor


def identified(visitor: Visitor, **traits) -> Contact:
    contact = contact_actions.identify_visitor(visitor, traits=traits, signature=None)
    visitor.refresh_from_db()
    return contact


def page_views(visitor: Visitor, n: int, *, start=None) -> list[PageView]:
    start = start or timezone.now() - timedelta(hours=1)
    return [
        PageView.objects.create(
            visitor=visitor,
            url=f"{SITE}/p/{i}",
            title=f"Page {i}",
            duration_seconds=65,
            created_at=start + timedelta(seconds=i),
        )
        for i in range(n)
    ]


def events(visitor: Visitor, n: int, *, start=None) -> list[Event]:
    start = start or timezone.now() - timedelta(hours=1)
    return [
        Event.objects.create(
            visitor=visitor,
            name=f"added_to_cart_{i}",
            properties={"sku": f"S{i}"},
            created_at=start + timedelta(seconds=i),
        )
        for i in range(n)
    ]


# The contact card


def test_the_card_shows_the_contact_where_they_are_and_what_they_did(member, visitor):
    on_site(visitor, utm={"utm_source": "newsletter", "utm_medium": "email"})
    identified(visitor, name="Aigerim Sadykova", email="aigerim@example.com", phone="+77011234567", plan="pro")
    conversation = actions.send_visitor_message(
        visitor, text="Do you have size 38?", client_id="1"
    ).message.conversation
    page_views(visitor, 2)
    events(visitor, 1)

    html = login(member).get(f"/inbox/people/{visitor.public_id.hex}/card/").content.decode()

    assert "Aigerim Sadykova" in html and "aigerim@example.com" in html and "+77011234567" in html
    assert 'class="contact-card__avatar contact-card__avatar--initials' in html and ">AS<" in html
    assert "pro" in html  # a custom attribute
    assert "newsletter / email" in html  # the source
    assert "Kazakhstan" in html and 'data-local-clock="Asia/Almaty"' in html
    assert "Red shoes" in html and "data-since=" in html  # current page, time on site
    assert "Firefox 140" in html and "Linux" in html
    assert "Page 1" in html and "1m 05s" in html  # recent pages with time on page
    assert "added_to_cart_0" in html and "sku: S0" in html
    assert f"/inbox/c/{conversation.public_id.hex}/" in html and "Do you have size 38?" in html
    contact = Contact.objects.get()
    assert f"/inbox/people/{contact.public_id.hex}/" in html  # "Open contact page" goes to the contact


def test_the_inbox_pane_loads_the_card_of_the_conversations_visitor(member, visitor):
    conversation = actions.send_visitor_message(visitor, text="Hi", client_id="1").message.conversation

    html = login(member).get(f"/inbox/c/{conversation.public_id.hex}/").content.decode()

    assert f'hx-get="/inbox/people/{visitor.public_id.hex}/card/"' in html


def test_an_anonymous_visitor_is_shown_as_such_with_the_referrer_as_source(member, visitor):
    on_site(visitor)

    html = login(member).get(f"/inbox/people/{visitor.public_id.hex}/card/").content.decode()

    assert "Anonymous visitor" in html and visitor.display_name in html
    assert "www.google.com" in html


def test_the_card_lists_every_conversation_of_the_contact_across_devices(member, visitor, inbox):
    identified(visitor, email="aigerim@example.com")
    phone = create_visitor(inbox, user_agent="", language="")
    identified(phone, email="aigerim@example.com")
    on_desktop = actions.send_visitor_message(visitor, text="From the desktop", client_id="1").message.conversation
    on_phone = actions.send_visitor_message(phone, text="From the phone", client_id="1").message.conversation

    html = login(member).get(f"/inbox/people/{visitor.public_id.hex}/card/").content.decode()

    assert on_desktop.public_id.hex in html and on_phone.public_id.hex in html


def test_an_operator_edits_the_contact_inline(member, visitor):
    contact = identified(visitor, email="old@example.com")

    response = login(member).post(
        f"/inbox/people/{visitor.public_id.hex}/edit/",
        {"name": "Aigerim", "email": "New@Example.com", "phone": "+77011234567", "company": "Steppe Ltd"},
    )

    assert response.status_code == 200
    contact.refresh_from_db()
    assert (contact.name, contact.email, contact.phone, contact.company) == (
        "Aigerim",
        "new@example.com",
        "+77011234567",
        "Steppe Ltd",
    )
    html = response.content.decode()
    assert "Aigerim" in html and "new@example.com" in html and "Steppe Ltd" in html


def test_an_invalid_email_shows_the_error_and_changes_nothing(member, visitor):
    contact = identified(visitor, name="Aigerim", email="aigerim@example.com")

    response = login(member).post(
        f"/inbox/people/{visitor.public_id.hex}/edit/",
        {"name": "Someone else", "email": "not-an-email", "phone": "", "company": ""},
    )

    assert response.status_code == 422
    html = response.content.decode()
    assert 'role="alert"' in html and "not a valid email" in html
    assert 'value="not-an-email"' in html  # what the operator typed is kept to fix
    contact.refresh_from_db()
    assert (contact.name, contact.email) == ("Aigerim", "aigerim@example.com")


@pytest.mark.skipif(
    not hasattr(contact_actions, "create_contact_for_visitor"),
    reason="contacts.actions.create_contact_for_visitor is not written yet",
)
def test_details_typed_for_an_anonymous_visitor_create_their_contact(member, visitor):
    response = login(member).post(
        f"/inbox/people/{visitor.public_id.hex}/edit/",
        {"name": "Aigerim", "email": "aigerim@example.com", "phone": "", "company": ""},
    )

    assert response.status_code == 200
    visitor.refresh_from_db()
    assert visitor.contact is not None and visitor.contact.email == "aigerim@example.com"
    assert "Anonymous visitor" not in response.content.decode()


def test_an_empty_form_for_an_anonymous_visitor_asks_for_something_to_save(member, visitor):
    response = login(member).post(f"/inbox/people/{visitor.public_id.hex}/edit/", {"name": " ", "email": ""})

    assert response.status_code == 422
    assert "Enter a name, email, phone or company" in response.content.decode()
    assert Contact.objects.count() == 0


def _card_queries(client: Client, visitor: Visitor) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/inbox/people/{visitor.public_id.hex}/card/").status_code == 200
    return len(queries)


def test_the_cards_query_count_does_not_grow_with_what_the_person_did(member, visitor, inbox):
    identified(visitor, email="aigerim@example.com", plan="pro")
    on_site(visitor)
    client = login(member)
    actions.send_visitor_message(visitor, text="Hi", client_id="1")
    page_views(visitor, 1)
    events(visitor, 1)
    few = _card_queries(client, visitor)

    for i in range(5):
        other = create_visitor(inbox, user_agent="", language="")
        identified(other, email="aigerim@example.com")
        conversation = actions.send_visitor_message(other, text=f"Again {i}", client_id="1").message.conversation
        actions.close_conversation(member, conversation)
        page_views(other, 15)
        events(other, 15)

    assert _card_queries(client, visitor) == few


# The contact page


def test_the_contact_page_shows_page_views_events_and_conversations_newest_first(member, visitor):
    identified(visitor, name="Aigerim", email="aigerim@example.com")
    start = timezone.now() - timedelta(hours=2)
    PageView.objects.create(visitor=visitor, url=f"{SITE}/", title="Home", created_at=start)
    Event.objects.create(
        visitor=visitor, name="signed_up", properties={"plan": "pro"}, created_at=start + timedelta(minutes=1)
    )
    conversation = actions.send_visitor_message(visitor, text="Hello", client_id="1").message.conversation
    actions.reply_to_conversation(member, conversation, text="Hi!", client_id="2")
    Conversation.objects.filter(pk=conversation.pk).update(created_at=start + timedelta(minutes=2))
    PageView.objects.create(
        visitor=visitor, url=f"{SITE}/pricing", title="Pricing", created_at=start + timedelta(minutes=3)
    )

    response = login(member).get(f"/inbox/people/{Contact.objects.get().public_id.hex}/")

    assert response.status_code == 200
    html = response.content.decode()
    timeline = html[html.index('id="timeline"') :]
    assert re.findall(r'data-kind="(\w+)"', timeline) == ["page", "conversation", "event", "page"]
    assert (
        timeline.index("Pricing")
        < timeline.index("Conversation started")
        < timeline.index("signed_up")
        < timeline.index("Home")
    )
    assert "2 messages" in timeline and "plan: pro" in timeline
    assert 'class="contact-card' in html  # the card beside it


def test_the_timeline_pages_by_fifty_with_an_older_button(member, visitor):
    start = timezone.now() - timedelta(days=1)
    page_views(visitor, 40, start=start)
    events(visitor, 30, start=start)  # same instants as page views: ties are broken by kind and id
    client = login(member)

    page = client.get(f"/inbox/people/{visitor.public_id.hex}/").content.decode()
    first = page[page.index('id="timeline"') :]
    assert first.count('data-kind="') == 50
    cursor = re.search(r"timeline/\?cursor=([^\"&]+)", first)
    assert cursor is not None
    second = client.get(f"/inbox/people/{visitor.public_id.hex}/timeline/?cursor={cursor[1]}").content.decode()

    assert second.count('data-kind="') == 20 and "timeline/?cursor=" not in second
    shown = re.findall(r">(Page \d+|added_to_cart_\d+)<", first + second)
    assert len(shown) == len(set(shown)) == 70


def test_a_bad_timeline_cursor_is_refused(member, visitor):
    response = login(member).get(f"/inbox/people/{visitor.public_id.hex}/timeline/?cursor=nonsense")

    assert response.status_code == 422


def test_people_of_inboxes_an_agent_does_not_work_are_not_found(member, visitor, workspace, inbox, other_member):
    contact = identified(visitor, email="aigerim@example.com")
    agent = make_agent(workspace, "dora@shop.example.com")
    inbox.members.remove(agent)

    for client in (login(agent), login(other_member)):
        for person in (visitor.public_id.hex, contact.public_id.hex):
            assert client.get(f"/inbox/people/{person}/").status_code == 404
            assert client.get(f"/inbox/people/{person}/card/").status_code == 404
            assert client.post(f"/inbox/people/{person}/edit/", {"name": "X"}).status_code == 404
    contact.refresh_from_db()
    assert contact.name == ""


# Live visitors


def test_live_visitors_are_those_seen_in_the_last_90_seconds_newest_first(member, inbox):
    earlier = on_site(
        create_visitor(inbox, user_agent="", language=""), last_seen_at=timezone.now() - timedelta(seconds=60)
    )
    latest = on_site(create_visitor(inbox, user_agent="", language="en-GB"), time_zone="", first_referrer="")
    gone = on_site(
        create_visitor(inbox, user_agent="", language=""), last_seen_at=timezone.now() - timedelta(minutes=5)
    )
    identified(latest, name="Aigerim")
    actions.send_visitor_message(earlier, text="Hi", client_id="1")

    html = login(member).get("/inbox/visitors/").content.decode()

    rows = re.findall(r'data-visitor="([0-9a-f]{32})"', html)
    assert rows == [latest.public_id.hex, earlier.public_id.hex]
    assert gone.public_id.hex not in html
    assert "Aigerim" in html and "Identified" in html and earlier.display_name in html
    assert "Red shoes" in html and "data-since=" in html
    assert "United Kingdom" in html and "Kazakhstan" in html  # from the language, from the time zone
    assert "Direct" in html and "www.google.com" in html
    assert html.count("Open chat") == 1 and html.count("Start chat") == 1
    assert 'hx-trigger="every 10s' in html


def test_live_visitors_of_other_inboxes_and_workspaces_are_not_shown(
    member, workspace, inbox, other_inbox, other_member
):
    mine = on_site(create_visitor(inbox, user_agent="", language=""))
    theirs = on_site(create_visitor(other_inbox, user_agent="", language=""))
    outsider_agent = make_agent(workspace, "dora@shop.example.com")
    inbox.members.remove(outsider_agent)

    assert mine.public_id.hex in login(member).get("/inbox/visitors/list/").content.decode()
    assert theirs.public_id.hex not in login(member).get("/inbox/visitors/list/").content.decode()
    assert mine.public_id.hex not in login(outsider_agent).get("/inbox/visitors/list/").content.decode()
    assert theirs.public_id.hex in login(other_member).get("/inbox/visitors/list/").content.decode()
    assert "Live visitors (0)" in login(outsider_agent).get("/inbox/visitors/count/").content.decode()
    assert "Live visitors (1)" in login(member).get("/inbox/visitors/count/").content.decode()


def test_the_inbox_top_bar_links_to_live_visitors_with_their_count(member):
    html = login(member).get("/inbox/").content.decode()

    assert 'href="/inbox/visitors/"' in html and 'hx-get="/inbox/visitors/count/"' in html


def test_the_live_list_costs_the_same_queries_for_many_visitors(member, inbox):
    client = login(member)
    on_site(create_visitor(inbox, user_agent="", language=""))
    with CaptureQueriesContext(connection) as one:
        client.get("/inbox/visitors/list/")
    for i in range(6):
        v = on_site(create_visitor(inbox, user_agent="", language=""))
        identified(v, email=f"v{i}@example.com")
        actions.send_visitor_message(v, text="Hi", client_id="1")
    with CaptureQueriesContext(connection) as many:
        client.get("/inbox/visitors/list/")

    assert len(many) == len(one)


def test_countries_come_from_the_time_zone_then_the_language():
    assert country_name("Asia/Almaty") == "Kazakhstan"
    assert country_name("Europe/Kyiv", "en-US") == "Ukraine"
    assert country_name("", "pt-BR") == "Brazil"
    assert country_name("Etc/UTC", "en") == ""


# Starting a chat


def test_an_operator_starts_a_chat_with_a_visitor_who_has_not_written(member, visitor):
    sent = actions.start_conversation(member, visitor, text="Can I help you find a size?", client_id="p1")

    conversation = sent.message.conversation
    conversation.refresh_from_db()
    assert (conversation.visitor_id, conversation.status, conversation.assignee_id) == (visitor.pk, "open", member.pk)
    public = list(conversation.messages.filter(private=False).values_list("author_kind", "text"))
    assert public == [("operator", "Can I help you find a size?")]
    assert sent.message.author_member_id == member.pk


def test_starting_a_chat_reuses_the_open_conversation_and_a_retry_stores_nothing(member, visitor):
    existing = actions.send_visitor_message(visitor, text="Hello?", client_id="v1").message.conversation

    sent = actions.start_conversation(member, visitor, text="Hi, I am here", client_id="p1")
    again = actions.start_conversation(member, visitor, text="Hi, I am here", client_id="p1")

    assert sent.message.conversation.pk == existing.pk == again.message.conversation.pk
    assert again.created is False
    assert Conversation.objects.count() == 1
    assert Message.objects.filter(private=False).count() == 2


def test_starting_a_chat_after_a_closed_one_starts_a_new_conversation(member, visitor):
    closed = actions.send_visitor_message(visitor, text="Thanks, bye", client_id="v1").message.conversation
    actions.close_conversation(member, closed)

    sent = actions.start_conversation(member, visitor, text="Welcome back!", client_id=None)

    assert sent.message.conversation.pk != closed.pk
    assert Conversation.objects.get(pk=sent.message.conversation.pk).status == "open"


def test_starting_a_chat_keeps_an_assignee_already_there(member, visitor, agent):
    conversation = actions.send_visitor_message(visitor, text="Hi", client_id="v1").message.conversation
    actions.assign_conversation(member, conversation, assignee=agent, team=None)

    actions.start_conversation(member, visitor, text="Also here", client_id=None)

    conversation.refresh_from_db()
    assert conversation.assignee_id == agent.pk


def test_an_agent_cannot_start_a_chat_outside_their_inboxes(workspace, inbox, visitor, other_member):
    agent = make_agent(workspace, "dora@shop.example.com")
    inbox.members.remove(agent)

    for who in (agent, other_member):
        with pytest.raises(Forbidden):
            actions.start_conversation(who, visitor, text="Hi", client_id=None)
        assert login(who).post(f"/inbox/visitors/{visitor.public_id.hex}/start/", {"text": "Hi"}).status_code == 404
    assert Conversation.objects.count() == 0


def test_start_chat_takes_the_operator_to_the_conversation(member, visitor):
    client = login(member)

    response = client.post(
        f"/inbox/visitors/{visitor.public_id.hex}/start/", {"text": "Hello!"}, HTTP_HX_REQUEST="true"
    )
    empty = client.post(f"/inbox/visitors/{visitor.public_id.hex}/start/", {"text": "  "})

    conversation = Conversation.objects.get()
    assert response.status_code == 204
    assert response["HX-Redirect"] == f"/inbox/c/{conversation.public_id.hex}/"
    assert empty.status_code == 422 and conversation.messages.filter(private=False).count() == 1
    plain = client.post(f"/inbox/visitors/{visitor.public_id.hex}/start/", {"text": "Still there?"})
    assert plain.status_code == 302 and plain["Location"] == f"/inbox/c/{conversation.public_id.hex}/"


@pytest.mark.django_db(transaction=True)
async def test_the_visitors_widget_receives_the_proactive_message(member, visitor):
    token = await database_sync_to_async(sign_visitor_token)(visitor)
    socket = WebsocketCommunicator(application, f"/widget/ws/?token={token}", headers=[(b"origin", SITE.encode())])
    assert (await socket.connect(timeout=5))[0]

    sent = await database_sync_to_async(actions.start_conversation)(
        member, visitor, text="Need a hand with your order?", client_id="p1"
    )

    frame = await socket.receive_json_from(timeout=2)
    assert frame["type"] == "message.created"
    assert frame["conversation_id"] == sent.message.conversation.public_id.hex
    assert frame["message"]["text"] == "Need a hand with your order?"
    assert await socket.receive_nothing(timeout=0.2), "the assignment line is private"
    await socket.disconnect()
