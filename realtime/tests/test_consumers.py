"""Who receives what over the websockets, and who is turned away."""

import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.utils import translation

from conversations import actions
from core.tests.fixtures import SITE
from parley.asgi import application
from widget.identity import sign_visitor_token
from workspaces import actions as workspace_actions

pytestmark = pytest.mark.django_db(transaction=True)


def _session_cookie(user) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


async def operator_socket(
    user, *, origin: str = "http://testserver", language: str = "en-GB,en;q=0.8"
) -> WebsocketCommunicator:
    cookie = await database_sync_to_async(_session_cookie)(user) if user else ""
    headers = [(b"host", b"testserver"), (b"origin", origin.encode()), (b"accept-language", language.encode())]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    return WebsocketCommunicator(application, "/inbox/ws/", headers=headers)


async def connected_operator(user, *, language: str = "en-GB,en;q=0.8") -> WebsocketCommunicator:
    """An open inbox socket, past the team's news that its operator is now online."""
    socket = await operator_socket(user, language=language)
    assert (await socket.connect(timeout=5))[0]
    assert "presence--online" in await socket.receive_from(timeout=2)
    return socket


def widget_socket(token: str, *, origin: str = SITE) -> WebsocketCommunicator:
    return WebsocketCommunicator(application, f"/widget/ws/?token={token}", headers=[(b"origin", origin.encode())])


async def test_every_operator_of_the_workspace_gets_the_row_of_a_new_conversation(member, visitor):
    socket = await connected_operator(member.user)

    sent = await database_sync_to_async(actions.send_visitor_message)(visitor, text="Where is my order?", client_id="1")

    html = await socket.receive_from(timeout=2)
    assert 'hx-swap-oob="afterbegin:#conversation-list"' in html
    assert f'id="conv-row-{sent.message.conversation.public_id.hex}"' in html
    assert "Where is my order?" in html
    assert await socket.receive_nothing(timeout=0.2), "the feed fragment goes only to pages watching it"
    await socket.disconnect()


async def test_each_page_gets_fragments_in_its_own_language_whoever_caused_them(member, agent, visitor):
    english = await connected_operator(member.user)
    russian = await connected_operator(agent.user, language="ru-RU,ru;q=0.9,en;q=0.5")
    assert "presence--online" in await english.receive_from(timeout=2)  # the teammate came online

    def russian_visitor_writes() -> None:  # as LocaleMiddleware leaves it for a request in Russian
        with translation.override("ru"):
            actions.send_visitor_message(visitor, text="Здравствуйте", client_id="1")

    await database_sync_to_async(russian_visitor_writes)()

    english_row, russian_row = await english.receive_from(timeout=2), await russian.receive_from(timeout=2)
    assert "Здравствуйте" in english_row and "Здравствуйте" in russian_row
    assert ">waiting<" in english_row and "Website chat" in english_row
    assert ">ждёт<" in russian_row and "Чат на сайте" in russian_row
    await english.disconnect()
    await russian.disconnect()


async def watching(socket: WebsocketCommunicator, conversation, after: int = 0) -> None:
    await socket.send_to(
        text_data=json.dumps({"type": "watch", "conversation": conversation.public_id.hex, "after": after})
    )


async def test_a_page_watching_a_conversation_gets_what_it_missed_then_new_messages(member, visitor):
    first = await database_sync_to_async(actions.send_visitor_message)(visitor, text="one", client_id="1")
    await database_sync_to_async(actions.send_visitor_message)(visitor, text="two", client_id="2")
    conversation = first.message.conversation
    socket = await connected_operator(member.user)

    await watching(socket, conversation, after=1)
    missed = await socket.receive_from(timeout=2)
    assert f'id="conv-header-{conversation.public_id.hex}"' in missed
    sent = await database_sync_to_async(actions.send_visitor_message)(visitor, text="three", client_id="3")
    row, feed = await socket.receive_from(timeout=2), await socket.receive_from(timeout=2)

    assert f'hx-swap-oob="beforeend:#feed-{conversation.public_id.hex}"' in missed
    assert ">two<" in missed and ">one<" not in missed
    assert "conv-row-" in row
    assert f'id="msg-{sent.message.public_id.hex}"' in feed and "three" in feed
    await socket.disconnect()


async def test_watching_another_conversation_stops_the_first(member, visitor, inbox):
    from visitors.actions import create_visitor

    first = (
        await database_sync_to_async(actions.send_visitor_message)(visitor, text="a", client_id="1")
    ).message.conversation
    other_visitor = await database_sync_to_async(create_visitor)(inbox, user_agent="", language="")
    second = (
        await database_sync_to_async(actions.send_visitor_message)(other_visitor, text="b", client_id="1")
    ).message.conversation
    socket = await connected_operator(member.user)
    await watching(socket, first, after=1)
    await watching(socket, second, after=1)
    assert "conv-header-" in await socket.receive_from(timeout=2)
    assert f"conv-header-{second.public_id.hex}" in await socket.receive_from(timeout=2)

    await database_sync_to_async(actions.send_visitor_message)(visitor, text="to the first", client_id="2")

    assert "conv-row-" in await socket.receive_from(timeout=2)
    assert await socket.receive_nothing(timeout=0.2), "no feed fragment for a conversation no longer open"
    await socket.disconnect()


async def test_watching_another_workspaces_conversation_is_ignored(member, other_inbox):
    from visitors.actions import create_visitor

    stranger = await database_sync_to_async(create_visitor)(other_inbox, user_agent="", language="")
    foreign = (
        await database_sync_to_async(actions.send_visitor_message)(stranger, text="secret", client_id="1")
    ).message.conversation
    socket = await connected_operator(member.user)

    await watching(socket, foreign)
    await database_sync_to_async(actions.send_visitor_message)(stranger, text="more secrets", client_id="2")

    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()


async def test_operators_watching_see_close_and_reopen_in_the_header(member, visitor):
    conversation = (
        await database_sync_to_async(actions.send_visitor_message)(visitor, text="a", client_id="1")
    ).message.conversation
    socket = await connected_operator(member.user)
    await watching(socket, conversation, after=1)
    assert "Close" in await socket.receive_from(timeout=2)

    await database_sync_to_async(actions.close_conversation)(member, conversation)

    row, header = await socket.receive_from(timeout=2), await socket.receive_from(timeout=2)
    assert 'data-status="closed"' in row
    assert f'id="conv-header-{conversation.public_id.hex}" hx-swap-oob="true"' in header and "Reopen" in header
    await socket.disconnect()


async def test_an_operator_of_another_workspace_hears_nothing(other_member, visitor):
    socket = await connected_operator(other_member.user)

    await database_sync_to_async(actions.send_visitor_message)(visitor, text="private", client_id="1")

    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()


async def test_operator_socket_without_credentials_is_refused(db):
    socket = await operator_socket(None)

    connected, code = await socket.connect(timeout=5)

    assert not connected and code == 4401


async def test_operator_socket_from_another_site_is_refused(member):
    socket = await operator_socket(member.user, origin="https://evil.example.com")

    connected, code = await socket.connect(timeout=5)

    assert not connected and code == 4403


async def test_visitor_receives_operator_replies_as_json(member, visitor):
    token = await database_sync_to_async(sign_visitor_token)(visitor)
    socket = widget_socket(token)
    assert (await socket.connect(timeout=5))[0]
    conversation = (
        await database_sync_to_async(actions.send_visitor_message)(visitor, text="Hi", client_id="v1")
    ).message.conversation
    own = await socket.receive_json_from(timeout=2)
    assert own["message"]["client_id"] == "v1"

    reply = await database_sync_to_async(actions.reply_to_conversation)(
        member, conversation, text="<b>Hello</b>", client_id=None
    )

    frame = await socket.receive_json_from(timeout=2)
    assert frame["type"] == "message.created"
    assert frame["conversation_id"] == conversation.public_id.hex
    assert frame["message"]["id"] == reply.message.public_id.hex
    assert frame["message"]["text"] == "<b>Hello</b>"
    assert frame["message"]["author"] == {"kind": "operator", "name": member.display_name, "avatar_url": None}
    await socket.disconnect()


async def test_visitor_hears_close_and_reopen(member, visitor):
    token = await database_sync_to_async(sign_visitor_token)(visitor)
    conversation = (
        await database_sync_to_async(actions.send_visitor_message)(visitor, text="Hi", client_id="v1")
    ).message.conversation
    socket = widget_socket(token)
    assert (await socket.connect(timeout=5))[0]

    await database_sync_to_async(actions.close_conversation)(member, conversation)
    await database_sync_to_async(actions.reopen_conversation)(member, conversation)

    assert (await socket.receive_json_from(timeout=2))["type"] == "conversation.closed"
    assert (await socket.receive_json_from(timeout=2))["type"] == "conversation.reopened"
    await socket.disconnect()


async def test_a_visitor_does_not_hear_another_visitors_conversation(member, visitor, inbox):
    from visitors.actions import create_visitor

    stranger = await database_sync_to_async(create_visitor)(inbox, user_agent="", language="")
    socket = widget_socket(await database_sync_to_async(sign_visitor_token)(stranger))
    assert (await socket.connect(timeout=5))[0]

    await database_sync_to_async(actions.send_visitor_message)(visitor, text="mine", client_id="1")

    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()


async def test_widget_socket_with_a_tampered_token_is_refused(visitor):
    token = await database_sync_to_async(sign_visitor_token)(visitor)

    connected, code = await widget_socket(token[:-2] + "xx").connect(timeout=5)

    assert not connected and code == 4401


async def test_widget_socket_without_a_token_is_refused(db):
    connected, code = await widget_socket("").connect(timeout=5)

    assert not connected and code == 4401


async def test_widget_socket_from_an_origin_not_allowed_is_refused(visitor):
    token = await database_sync_to_async(sign_visitor_token)(visitor)

    connected, code = await widget_socket(token, origin="https://evil.example.com").connect(timeout=5)

    assert not connected and code == 4403


async def test_widget_socket_with_a_revoked_key_is_refused(visitor, inbox):
    token = await database_sync_to_async(sign_visitor_token)(visitor)
    await database_sync_to_async(workspace_actions.revoke_inbox_key)(inbox)

    connected, code = await widget_socket(token).connect(timeout=5)

    assert not connected and code == 4403


async def test_widget_socket_answers_ping(visitor):
    socket = widget_socket(await database_sync_to_async(sign_visitor_token)(visitor))
    assert (await socket.connect(timeout=5))[0]

    await socket.send_to(text_data=json.dumps({"type": "ping"}))

    assert await socket.receive_json_from(timeout=2) == {"type": "pong"}
    await socket.disconnect()
