"""Team features over the sockets: who hears rows, notes, typing, presence, notifications."""

import json

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from conversations import actions
from core.tests.fixtures import SITE
from realtime.tests.test_consumers import connected_operator, watching, widget_socket
from widget.identity import sign_visitor_token
from workspaces import actions as workspace_actions

pytestmark = pytest.mark.django_db(transaction=True)


async def first_message(visitor, text: str = "Hi"):
    return (await database_sync_to_async(actions.send_visitor_message)(visitor, text=text, client_id="1")).message


async def test_a_private_note_reaches_operators_but_never_the_visitor(member, visitor):
    conversation = (await first_message(visitor)).conversation
    widget = widget_socket(await database_sync_to_async(sign_visitor_token)(visitor))
    assert (await widget.connect(timeout=5))[0]
    operator = await connected_operator(member.user)
    await watching(operator, conversation, after=1)
    await operator.receive_from(timeout=2)  # the header

    await database_sync_to_async(actions.add_note)(member, conversation, text="Secret: VIP", client_id="n1")
    await database_sync_to_async(actions.reply_to_conversation)(member, conversation, text="Hello!", client_id="r1")

    _row, note_feed = await operator.receive_from(timeout=2), await operator.receive_from(timeout=2)
    assert "Secret: VIP" in note_feed and "msg--private" in note_feed
    pushed = await widget.receive_json_from(timeout=2)
    assert pushed["message"]["text"] == "Hello!", "the first push the visitor gets is the reply, not the note"
    assert await widget.receive_nothing(timeout=0.2)
    await widget.disconnect()
    await operator.disconnect()


def test_the_widget_api_never_lists_private_notes(member, visitor):
    conversation = actions.send_visitor_message(visitor, text="Hi", client_id="1").message.conversation
    actions.add_note(member, conversation, text="Secret: VIP", client_id="n1")
    actions.assign_conversation(member, conversation, assignee=member, team=None)
    actions.reply_to_conversation(member, conversation, text="Hello!", client_id="r1")

    body = (
        Client(HTTP_ORIGIN=SITE)
        .get("/widget/api/v1/messages", HTTP_AUTHORIZATION=f"Bearer {sign_visitor_token(visitor)}")
        .json()
    )

    assert [m["text"] for m in body["messages"]] == ["Hi", "Hello!"]


async def test_an_agent_hears_only_the_inboxes_they_work(member, agent, inbox, visitor):
    await database_sync_to_async(inbox.members.remove)(agent)
    socket = await connected_operator(agent.user)

    await first_message(visitor, "Not for Carl")

    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()


async def test_an_agent_given_an_inbox_hears_it_at_once(member, agent, inbox, visitor):
    await database_sync_to_async(inbox.members.remove)(agent)
    socket = await connected_operator(agent.user)

    await database_sync_to_async(workspace_actions.set_member_inboxes)(member, agent, inbox_ids=[inbox.public_id.hex])
    await socket.receive_nothing(timeout=0.2)  # the socket re-checks its groups
    await first_message(visitor, "Now for Carl")

    assert "Now for Carl" in await socket.receive_from(timeout=2)
    await socket.disconnect()


async def test_an_agent_taken_off_an_inbox_stops_hearing_it_and_its_open_conversation(member, agent, inbox, visitor):
    conversation = (await first_message(visitor)).conversation
    socket = await connected_operator(agent.user)
    await watching(socket, conversation, after=1)
    await socket.receive_from(timeout=2)

    await database_sync_to_async(workspace_actions.set_member_inboxes)(member, agent, inbox_ids=[])
    await socket.receive_nothing(timeout=0.2)
    await database_sync_to_async(actions.send_visitor_message)(visitor, text="Still there?", client_id="2")

    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()


async def test_operators_watching_see_the_visitors_draft_as_they_type(member, visitor):
    conversation = (await first_message(visitor)).conversation
    operator = await connected_operator(member.user)
    await watching(operator, conversation, after=1)
    await operator.receive_from(timeout=2)
    widget = widget_socket(await database_sync_to_async(sign_visitor_token)(visitor))
    assert (await widget.connect(timeout=5))[0]

    await widget.send_json_to({"type": "typing", "text": "Where is <b>my</b> ord"})

    preview = await operator.receive_from(timeout=2)
    assert f'id="typing-{conversation.public_id.hex}"' in preview
    assert "Where is &lt;b&gt;my&lt;/b&gt; ord" in preview, "the draft is text, never markup"
    await widget.send_json_to({"type": "typing", "text": "Where is my ord"})
    await widget.send_json_to({"type": "typing", "text": "Where is my order"})
    assert await operator.receive_nothing(timeout=0.1), "at most 4 frames a second are passed on"
    assert "Where is my order<" in await operator.receive_from(timeout=2), "the last draft is held, never dropped"
    assert await operator.receive_nothing(timeout=0.4), "the frame in between was replaced"
    await widget.disconnect()
    await operator.disconnect()


async def test_the_visitor_sees_that_an_operator_is_typing(member, visitor):
    conversation = (await first_message(visitor)).conversation
    operator = await connected_operator(member.user)
    await watching(operator, conversation, after=1)
    await operator.receive_from(timeout=2)
    widget = widget_socket(await database_sync_to_async(sign_visitor_token)(visitor))
    assert (await widget.connect(timeout=5))[0]

    await operator.send_to(text_data=json.dumps({"type": "typing"}))

    assert await widget.receive_json_from(timeout=2) == {"type": "typing", "name": "Anna"}
    await widget.disconnect()
    await operator.disconnect()


async def test_the_team_sees_a_teammate_come_online_and_go_away(member, agent):
    anna = await connected_operator(member.user)

    carl = await connected_operator(agent.user)
    arrived = await anna.receive_from(timeout=2)
    assert f'id="presence-{agent.public_id.hex}"' in arrived and 'data-presence="online"' in arrived

    await database_sync_to_async(workspace_actions.set_availability)(agent, "away")
    assert 'data-presence="away"' in await anna.receive_from(timeout=2)
    await anna.disconnect()
    await carl.disconnect()


async def test_an_assignment_notifies_only_the_assignee(member, agent, visitor):
    conversation = (await first_message(visitor)).conversation
    carl = await connected_operator(agent.user)
    anna = await connected_operator(member.user)
    await carl.receive_from(timeout=2)  # Anna came online

    await database_sync_to_async(actions.assign_conversation)(member, conversation, assignee=agent, team=None)

    pushes = [await carl.receive_from(timeout=2) for _ in range(3)]  # activity row, assignment row, toast
    assert any("data-toast" in p and 'data-notification="assigned"' in p for p in pushes)
    anna_pushes = [await anna.receive_from(timeout=2) for _ in range(2)]
    assert not any("data-toast" in p for p in anna_pushes)
    assert await anna.receive_nothing(timeout=0.2)
    await carl.disconnect()
    await anna.disconnect()
