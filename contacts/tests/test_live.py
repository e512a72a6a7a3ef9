"""Open inbox pages see the new name as soon as a visitor is identified, edited or merged."""

import pytest
from channels.db import database_sync_to_async

from contacts.actions import identify_visitor, merge_contacts, update_contact
from contacts.events import VisitorIdentified
from conversations import actions as conversation_actions
from realtime import fanout, pages
from realtime.tests.test_consumers import connected_operator
from visitors import actions as visitor_actions


async def first_message(visitor, text: str = "Hi"):
    return (
        await database_sync_to_async(conversation_actions.send_visitor_message)(visitor, text=text, client_id="1")
    ).message


@pytest.mark.django_db(transaction=True)
async def test_an_inbox_page_gets_the_row_with_the_new_name_after_identify(member, visitor):
    conversation = (await first_message(visitor)).conversation
    socket = await connected_operator(member.user)

    await database_sync_to_async(identify_visitor)(
        visitor, traits={"email": "mia@example.com", "name": "Mia <Wong>"}, signature=None
    )

    row = await socket.receive_from(timeout=2)
    assert f'id="conv-row-{conversation.public_id.hex}"' in row
    assert "Mia &lt;Wong&gt;" in row
    assert await socket.receive_nothing(timeout=0.2)
    await socket.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_an_edit_and_a_merge_push_the_rows(member, visitor, inbox):
    conversation = (await first_message(visitor)).conversation
    contact = await database_sync_to_async(identify_visitor)(visitor, traits={"name": "Mia"}, signature=None)
    other = await database_sync_to_async(visitor_actions.create_visitor)(inbox, user_agent="", language="")
    other_conversation = (await first_message(other, "Me again")).conversation
    keep = await database_sync_to_async(identify_visitor)(other, traits={"email": "mia@example.com"}, signature=None)
    socket = await connected_operator(member.user)

    await database_sync_to_async(update_contact)(member, contact, name="Mia Wong", email="", phone="", company="")
    assert "Mia Wong" in await socket.receive_from(timeout=2)
    await database_sync_to_async(merge_contacts)(member, keep, contact)

    rows = [await socket.receive_from(timeout=2), await socket.receive_from(timeout=2)]
    assert f"conv-row-{conversation.public_id.hex}" in rows[0], "the older row first: the newest ends on top"
    assert f"conv-row-{other_conversation.public_id.hex}" in rows[1]
    assert all("Mia Wong" in row for row in rows), "the kept contact took the merged one's name"
    await socket.disconnect()


def test_identify_that_changes_nothing_emits_nothing(visitor, monkeypatch, django_capture_on_commit_callbacks):
    seen: list[object] = []
    monkeypatch.setattr(fanout, "deliver", lambda event, subject=None: seen.append(event))
    with django_capture_on_commit_callbacks(execute=True):
        contact = identify_visitor(visitor, traits={"email": "mia@example.com", "name": "Mia"}, signature=None)

    with django_capture_on_commit_callbacks(execute=True):
        identify_visitor(visitor, traits={"email": "mia@example.com", "name": "Mia"}, signature=None)

    assert seen == [VisitorIdentified(visitor.workspace_id, visitor.pk, contact.pk)]


def test_fan_out_renders_a_bounded_number_of_rows(visitor, inbox, monkeypatch, django_assert_max_num_queries):
    contact = identify_visitor(visitor, traits={"name": "Mia"}, signature=None)
    for _ in range(25):
        browser = visitor_actions.create_visitor(inbox, user_agent="", language="")
        conversation_actions.send_visitor_message(browser, text="Hi", client_id="1")
        browser.contact = contact
        browser.save(update_fields=["contact"])
    pushed: list[tuple] = []
    monkeypatch.setattr(pages, "may_have_members", lambda layer, group: group.endswith(".en"))  # an inbox page is open
    monkeypatch.setattr(fanout, "_publish", lambda *audiences: pushed.extend(p for a in audiences for p in a))

    with django_assert_max_num_queries(3):  # conversations, their tags, their last messages
        fanout.deliver(VisitorIdentified(visitor.workspace_id, visitor.pk, contact.pk))

    assert len(pushed) == 20
