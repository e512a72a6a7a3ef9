"""The public widget API as a visitor's browser calls it, bad input included."""

from typing import Any

import pytest
from django.test import Client

from conversations import actions
from conversations.models import Message
from core import ratelimit
from core.tests.fixtures import SITE
from visitors.models import Visitor
from widget.identity import sign_visitor_token
from workspaces import actions as workspace_actions

API = "/widget/api/v1"


@pytest.fixture
def browser() -> Client:
    """A client that sends what a browser on the shop's site sends."""
    return Client(HTTP_ORIGIN=SITE)


def start(browser: Client, inbox, token: str | None = None):
    return browser.post(
        f"{API}/sessions", {"key": inbox.widget_key, "token": token, "language": "ru"}, content_type="application/json"
    )


def auth(token: str) -> dict[str, Any]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def send(browser: Client, token: str, text: str, client_id: str | None = "c-1"):
    return browser.post(
        f"{API}/messages", {"text": text, "client_id": client_id}, content_type="application/json", **auth(token)
    )


def test_a_new_visitor_gets_a_token_and_comes_back_as_the_same_visitor(browser, inbox):
    first = start(browser, inbox)
    assert first.status_code == 201
    body = first.json()
    assert body["inbox"] == {"name": "Website"}
    visitor = Visitor.objects.get(public_id=body["visitor_id"])
    assert visitor.language == "ru"

    again = start(browser, inbox, token=body["token"])

    assert again.status_code == 200
    assert again.json()["visitor_id"] == body["visitor_id"]
    assert Visitor.objects.count() == 1


def test_history_returns_the_whole_conversation_in_order(browser, inbox, member):
    token = start(browser, inbox).json()["token"]
    send(browser, token, "Hello", "a")
    conversation = Message.objects.get().conversation
    actions.reply_to_conversation(member, conversation, text="Hi! How can I help?", client_id=None)
    send(browser, token, "Delivery to Almaty?", "b")

    body = browser.get(f"{API}/messages?after=0", **auth(token)).json()

    assert body["conversation"] == {"id": conversation.public_id.hex, "status": "open"}
    assert [(m["seq"], m["author"]["kind"], m["text"]) for m in body["messages"]] == [
        (1, "visitor", "Hello"),
        (2, "operator", "Hi! How can I help?"),
        (3, "visitor", "Delivery to Almaty?"),
    ]
    assert body["messages"][1]["author"]["name"] == member.display_name
    assert body["has_more"] is False


def test_catch_up_returns_only_messages_after_the_cursor(browser, inbox):
    token = start(browser, inbox).json()["token"]
    for i in range(3):
        send(browser, token, f"m{i}", f"id{i}")

    body = browser.get(f"{API}/messages?after=2", **auth(token)).json()

    assert [m["text"] for m in body["messages"]] == ["m2"]


def test_history_pages_by_200(browser, inbox, visitor):
    for i in range(201):
        actions.send_visitor_message(visitor, text=f"m{i}", client_id=str(i))
    token = sign_visitor_token(visitor)

    first = browser.get(f"{API}/messages?after=0", **auth(token)).json()
    rest = browser.get(f"{API}/messages?after={first['messages'][-1]['seq']}", **auth(token)).json()

    assert (len(first["messages"]), first["has_more"]) == (200, True)
    assert ([m["text"] for m in rest["messages"]], rest["has_more"]) == (["m200"], False)


def test_a_visitor_without_a_conversation_has_empty_history(browser, inbox):
    token = start(browser, inbox).json()["token"]

    assert browser.get(f"{API}/messages", **auth(token)).json() == {
        "conversation": None,
        "messages": [],
        "has_more": False,
    }


def test_a_resent_message_is_stored_once(browser, inbox):
    token = start(browser, inbox).json()["token"]

    first = send(browser, token, "Hi", "same-id")
    again = send(browser, token, "Hi", "same-id")

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Message.objects.count() == 1


def test_html_in_a_message_is_stored_and_returned_as_plain_text(browser, inbox):
    token = start(browser, inbox).json()["token"]

    send(browser, token, "<script>alert(1)</script>")

    assert browser.get(f"{API}/messages", **auth(token)).json()["messages"][0]["text"] == "<script>alert(1)</script>"


# Bad input: a clear status and message, nothing stored.


def error(response) -> tuple[int, str]:
    return response.status_code, response.json()["code"]


def test_unknown_widget_key(browser, inbox):
    response = browser.post(f"{API}/sessions", {"key": "no-such-key"}, content_type="application/json")

    assert error(response) == (403, "invalid_key")
    assert "Unknown or revoked" in response.json()["detail"]
    assert not Visitor.objects.exists()


def test_revoked_widget_key(browser, inbox):
    token = start(browser, inbox).json()["token"]
    workspace_actions.revoke_inbox_key(inbox)

    assert error(start(browser, inbox)) == (403, "invalid_key")
    assert error(send(browser, token, "Hi")) == (403, "invalid_key")
    assert not Message.objects.exists()


def test_origin_not_in_the_allowed_list(inbox):
    stranger = Client(HTTP_ORIGIN="https://evil.example.com")

    response = start(stranger, inbox)

    assert error(response) == (403, "origin_not_allowed")
    assert "https://evil.example.com" in response.json()["detail"]


def test_a_request_without_origin_is_judged_by_its_referer(inbox):
    assert start(Client(HTTP_REFERER=f"{SITE}/products/1"), inbox).status_code == 201
    assert error(start(Client(HTTP_REFERER="https://evil.example.com/"), inbox)) == (403, "origin_not_allowed")
    assert error(start(Client(), inbox)) == (403, "origin_not_allowed")


def test_the_allowed_origin_list_applies_to_every_call(browser, inbox):
    token = start(browser, inbox).json()["token"]

    response = Client(HTTP_ORIGIN="https://evil.example.com").get(f"{API}/messages", **auth(token))

    assert error(response) == (403, "origin_not_allowed")


def test_empty_message(browser, inbox):
    token = start(browser, inbox).json()["token"]

    response = send(browser, token, "   ")

    assert error(response) == (422, "validation_error")
    assert response.json()["detail"] == "A message cannot be empty."
    assert not Message.objects.exists()


def test_message_over_10000_characters(browser, inbox):
    token = start(browser, inbox).json()["token"]

    response = send(browser, token, "x" * 10_001)

    assert error(response) == (422, "validation_error")
    assert "10,000" in response.json()["detail"]
    assert not Message.objects.exists()


def test_missing_text(browser, inbox):
    token = start(browser, inbox).json()["token"]

    response = browser.post(f"{API}/messages", {"client_id": "x"}, content_type="application/json", **auth(token))

    assert error(response) == (422, "validation_error")
    assert "text" in response.json()["detail"]


def test_malformed_json(browser, inbox):
    token = start(browser, inbox).json()["token"]

    response = browser.post(f"{API}/messages", "{not json", content_type="application/json", **auth(token))

    assert error(response) == (400, "malformed_json")
    assert not Message.objects.exists()


def test_tampered_visitor_token(browser, inbox):
    token = start(browser, inbox).json()["token"]
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")

    assert error(send(browser, tampered, "Hi")) == (401, "invalid_token")
    assert error(start(browser, inbox, token=tampered)) == (401, "invalid_token")
    assert not Message.objects.exists()


def test_a_token_from_another_workspaces_widget(browser, inbox, other_inbox):
    foreign = start(browser, other_inbox).json()["token"]

    assert error(start(browser, inbox, token=foreign)) == (401, "invalid_token")


def test_calls_without_a_token(browser, inbox):
    assert error(browser.get(f"{API}/messages")) == (401, "unauthorized")


def test_cors_preflight_is_answered_for_the_widget_api(browser):
    response = browser.options(
        f"{API}/messages",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization",
    )

    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == SITE
    assert "Authorization" in response["Access-Control-Allow-Headers"]


def test_openapi_schema_documents_the_widget_api(client):
    schema = client.get(f"{API}/openapi.json").json()

    assert {"/widget/api/v1/sessions", "/widget/api/v1/messages"} <= set(schema["paths"])


def test_a_visitor_sending_faster_than_people_type_is_told_to_wait(browser, inbox, settings, monkeypatch):
    settings.WIDGET_MESSAGES_PER_MINUTE = 3
    now = [1_000_000.0]
    monkeypatch.setattr(ratelimit.time, "time", lambda: now[0])
    token = start(browser, inbox).json()["token"]
    sent = [send(browser, token, f"spam {i}", f"s{i}").status_code for i in range(4)]

    refused = send(browser, token, "one more", "s9")

    assert sent == [201, 201, 201, 429] and refused.status_code == 429
    assert refused.json() == {"detail": "Too many messages: wait a moment and try again.", "code": "too_many_requests"}
    assert list(Message.objects.values_list("text", flat=True)) == ["spam 0", "spam 1", "spam 2"]
    now[0] += 60  # the widget tries again later, with the same client_id
    assert send(browser, token, "one more", "s9").status_code == 201


def test_one_address_starting_visitors_by_the_hundred_is_told_to_wait(browser, inbox, settings):
    settings.WIDGET_NEW_VISITORS_PER_MINUTE = 2
    tokens = [start(browser, inbox).json()["token"] for _ in range(2)]

    refused = start(browser, inbox)

    assert refused.status_code == 429 and refused.json()["code"] == "too_many_requests"
    assert Visitor.objects.count() == 2
    assert start(browser, inbox, token=tokens[0]).status_code == 200  # a visitor coming back is not new


def test_no_limit_when_set_to_zero(browser, inbox, settings):
    settings.WIDGET_MESSAGES_PER_MINUTE = 0
    token = start(browser, inbox).json()["token"]
    assert {send(browser, token, f"m{i}", f"n{i}").status_code for i in range(80)} == {201}
