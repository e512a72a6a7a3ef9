"""The operator REST API, /api/v1/, with per-operator tokens."""

import pytest
from django.test import Client

from accounts.actions import issue_api_token, revoke_api_token
from conversations import actions
from conversations.models import Message


@pytest.fixture
def api(member) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {issue_api_token(member, name='script').raw}")


@pytest.fixture
def conversation(visitor):
    return actions.send_visitor_message(visitor, text="Hello", client_id="v1").message.conversation


def test_list_read_and_reply(api, conversation, member):
    listed = api.get("/api/v1/conversations").json()
    assert [c["id"] for c in listed["items"]] == [conversation.public_id.hex]
    assert listed["items"][0]["status"] == "open"

    read = api.get(f"/api/v1/conversations/{conversation.public_id.hex}").json()
    assert read["visitor_id"] == conversation.visitor.public_id.hex

    sent = api.post(
        f"/api/v1/conversations/{conversation.public_id.hex}/messages",
        {"text": "Hi from the API", "client_id": "api-1"},
        content_type="application/json",
    )
    assert sent.status_code == 201
    assert sent.json()["author"] == {"id": member.public_id.hex, "name": member.display_name}

    messages = api.get(f"/api/v1/conversations/{conversation.public_id.hex}/messages?after=1").json()
    assert [m["text"] for m in messages["items"]] == ["Hi from the API"]


def test_a_retried_reply_is_stored_once(api, conversation):
    url = f"/api/v1/conversations/{conversation.public_id.hex}/messages"
    first = api.post(url, {"text": "Once", "client_id": "same"}, content_type="application/json")
    again = api.post(url, {"text": "Once", "client_id": "same"}, content_type="application/json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert conversation.messages.count() == 2


def test_list_pages_with_an_opaque_cursor(api, inbox):
    from visitors.actions import create_visitor

    for i in range(55):
        actions.send_visitor_message(create_visitor(inbox, user_agent="", language=""), text=f"m{i}", client_id="1")

    first = api.get("/api/v1/conversations").json()
    second = api.get(f"/api/v1/conversations?cursor={first['next_cursor']}").json()

    assert len(first["items"]) == 50 and len(second["items"]) == 5
    assert second["next_cursor"] is None
    assert not {c["id"] for c in first["items"]} & {c["id"] for c in second["items"]}


def test_a_bad_cursor_is_a_clear_error(api):
    response = api.get("/api/v1/conversations?cursor=garbage")

    assert response.status_code == 422
    assert response.json() == {"code": "validation_error", "detail": "Invalid cursor."}


def test_status_filter(api, conversation, member):
    actions.close_conversation(member, conversation)

    assert api.get("/api/v1/conversations?status=open").json()["items"] == []
    assert len(api.get("/api/v1/conversations?status=closed").json()["items"]) == 1


def test_another_workspaces_conversation_is_not_found_and_nothing_leaks(conversation, other_member):
    stranger = Client(HTTP_AUTHORIZATION=f"Bearer {issue_api_token(other_member, name='x').raw}")
    url = f"/api/v1/conversations/{conversation.public_id.hex}"

    assert stranger.get("/api/v1/conversations").json()["items"] == []
    for response in (
        stranger.get(url),
        stranger.get(f"{url}/messages"),
        stranger.post(f"{url}/messages", {"text": "hijack"}, content_type="application/json"),
    ):
        assert response.status_code == 404
        assert response.json() == {"code": "not_found", "detail": "Conversation not found."}
    assert not Message.objects.filter(text="hijack").exists()


def test_a_malformed_id_is_not_found(api):
    assert api.get("/api/v1/conversations/not-a-uuid").status_code == 404


def test_missing_or_revoked_token_is_refused(member, conversation):
    issued = issue_api_token(member, name="old")
    revoke_api_token(issued.token)

    for client in (
        Client(),
        Client(HTTP_AUTHORIZATION=f"Bearer {issued.raw}"),
        Client(HTTP_AUTHORIZATION="Bearer prl_nope"),
    ):
        response = client.get("/api/v1/conversations")
        assert response.status_code == 401
        assert response.json()["code"] == "unauthorized"


def test_only_the_token_hash_is_stored(member):
    issued = issue_api_token(member, name="ci")

    assert issued.raw not in (issued.token.key_hash, issued.token.key_hint)
    assert issued.raw.startswith(issued.token.key_hint)


def test_openapi_schema_documents_the_rest_api(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]

    assert "/api/v1/conversations" in paths
    assert "/api/v1/conversations/{conversation_id}/messages" in paths
