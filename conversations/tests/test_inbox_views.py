"""The operator inbox pages and fragments."""

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from conversations import actions
from conversations.models import Conversation, Message
from visitors.actions import create_visitor


def test_the_inbox_needs_a_signed_in_operator(db):
    response = Client().get("/inbox/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_an_operator_signs_in_and_sees_the_inbox(member):
    client = Client()
    page = client.get("/accounts/login/")
    assert page.status_code == 200

    response = client.post("/accounts/login/", {"username": "anna@shop.example.com", "password": "s3cret-pass"})

    assert response.status_code == 302 and response["Location"] == "/inbox/"
    assert "Shop" in client.get("/inbox/").content.decode()


def test_a_wrong_password_is_refused_with_a_message(member):
    response = Client().post("/accounts/login/", {"username": "anna@shop.example.com", "password": "nope"})

    assert response.status_code == 200
    assert "correct email and password" in response.content.decode()


def test_the_list_shows_conversations_newest_first(operator_client, inbox):
    older = actions.send_visitor_message(create_visitor(inbox, user_agent="", language=""), text="older", client_id="1")
    newer = actions.send_visitor_message(create_visitor(inbox, user_agent="", language=""), text="newer", client_id="1")

    html = operator_client.get("/inbox/").content.decode()

    assert html.index(f"conv-row-{newer.message.conversation.public_id.hex}") < html.index(
        f"conv-row-{older.message.conversation.public_id.hex}"
    )


def test_the_list_costs_a_fixed_number_of_queries(operator_client, inbox):
    def list_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert operator_client.get("/inbox/list/").status_code == 200
        return len(queries)

    actions.send_visitor_message(create_visitor(inbox, user_agent="", language=""), text="one", client_id="1")
    few = list_queries()
    for i in range(10):
        actions.send_visitor_message(create_visitor(inbox, user_agent="", language=""), text=f"m{i}", client_id="1")

    assert list_queries() == few


def test_opening_a_conversation_shows_messages_and_the_visitor(operator_client, visitor):
    conversation = actions.send_visitor_message(visitor, text="Need help", client_id="1").message.conversation

    html = operator_client.get(f"/inbox/c/{conversation.public_id.hex}/").content.decode()

    assert "Need help" in html
    assert visitor.public_id.hex in html
    assert "Mozilla/5.0 Test" in html


def test_htmx_gets_just_the_conversation_pane(operator_client, visitor):
    conversation = actions.send_visitor_message(visitor, text="Need help", client_id="1").message.conversation

    html = operator_client.get(f"/inbox/c/{conversation.public_id.hex}/", HTTP_HX_REQUEST="true").content.decode()

    assert "Need help" in html and "<html" not in html


def test_html_in_messages_is_shown_as_text(operator_client, visitor):
    conversation = actions.send_visitor_message(
        visitor, text="<script>alert(1)</script>", client_id="1"
    ).message.conversation

    html = operator_client.get(f"/inbox/c/{conversation.public_id.hex}/").content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_reply_close_and_reopen(operator_client, visitor, member):
    conversation = actions.send_visitor_message(visitor, text="Hi", client_id="1").message.conversation
    base = f"/inbox/c/{conversation.public_id.hex}"

    reply = operator_client.post(f"{base}/reply/", {"text": "Hello!", "client_id": "op-1"})
    assert reply.status_code == 200 and "Hello!" in reply.content.decode()
    operator_client.post(f"{base}/reply/", {"text": "Hello!", "client_id": "op-1"})
    assert conversation.messages.filter(author_kind="operator").count() == 1

    assert "Reopen" in operator_client.post(f"{base}/close/").content.decode()
    assert Conversation.objects.get(pk=conversation.pk).status == "closed"
    assert "Close" in operator_client.post(f"{base}/reopen/").content.decode()
    assert Conversation.objects.get(pk=conversation.pk).status == "open"


def test_an_empty_reply_is_a_clear_error(operator_client, visitor):
    conversation = actions.send_visitor_message(visitor, text="Hi", client_id="1").message.conversation

    response = operator_client.post(f"/inbox/c/{conversation.public_id.hex}/reply/", {"text": "  "})

    assert response.status_code == 422
    assert "cannot be empty" in response.content.decode()
    assert conversation.messages.count() == 1


def test_another_workspaces_conversation_is_not_found(operator_client, other_inbox):
    foreign = actions.send_visitor_message(
        create_visitor(other_inbox, user_agent="", language=""), text="secret", client_id="1"
    )
    base = f"/inbox/c/{foreign.message.conversation.public_id.hex}"

    for response in (
        operator_client.get(f"{base}/"),
        operator_client.post(f"{base}/reply/", {"text": "hijack"}),
        operator_client.post(f"{base}/close/"),
    ):
        assert response.status_code == 404
        assert "secret" not in response.content.decode()
    assert not Message.objects.filter(text="hijack").exists()
    assert Conversation.objects.get().status == "open"
    assert "secret" not in operator_client.get("/inbox/").content.decode()


def test_a_conversation_from_the_offline_form_is_marked_offline_in_the_list_and_header(operator_client, inbox, visitor):
    sent = actions.send_visitor_message(
        visitor, text="Do you ship abroad?", client_id=None, opening=lambda: actions.Opening(offline=True)
    )
    cid = sent.message.conversation.public_id.hex

    listing = operator_client.get("/inbox/").content.decode()
    pane = operator_client.get(f"/inbox/c/{cid}/").content.decode()

    assert listing.count("badge--offline") == 1
    assert pane.count("badge--offline") >= 1
