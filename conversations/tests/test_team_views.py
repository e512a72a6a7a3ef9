"""The inbox's team controls as the page calls them: forms in, header fragments out."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conversations import actions
from conversations.models import Conversation, Message, Notification, Tag
from visitors.actions import create_visitor
from workspaces import actions as workspace_actions


@pytest.fixture
def conversation(visitor) -> Conversation:
    return actions.send_visitor_message(visitor, text="Is the kettle in stock?", client_id="1").message.conversation


def url(conversation: Conversation, action: str = "") -> str:
    return f"/inbox/c/{conversation.public_id.hex}/" + (f"{action}/" if action else "")


def test_assigning_from_the_header_returns_the_new_header(operator_client, agent, conversation):
    team = workspace_actions.create_team(conversation.workspace.members.get(role="admin"), name="Sales")

    response = operator_client.post(
        url(conversation, "assign"), {"assignee": agent.public_id.hex, "team": team.public_id.hex}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert (
        f'<option value="{agent.public_id.hex}" selected>' in html and f'value="{team.public_id.hex}" selected' in html
    )
    conversation.refresh_from_db()
    assert (conversation.assignee, conversation.team) == (agent, team)


def test_assign_to_me_keeps_the_team(operator_client, member, conversation):
    team = workspace_actions.create_team(member, name="Sales")
    actions.assign_conversation(member, conversation, assignee=None, team=team)

    operator_client.post(url(conversation, "assign"), {"assignee": "me"})

    conversation.refresh_from_db()
    assert (conversation.assignee, conversation.team) == (member, team)


def test_assigning_an_unknown_operator_is_a_clear_404_that_changes_nothing(operator_client, other_member, conversation):
    response = operator_client.post(url(conversation, "assign"), {"assignee": other_member.public_id.hex})

    assert response.status_code == 404 and "Operator not found." in response.content.decode()
    assert Conversation.objects.get(pk=conversation.pk).assignee is None


def test_tagging_creates_a_tag_inline_and_reuses_it_by_name(operator_client, conversation):
    assert operator_client.post(url(conversation, "tags"), {"name": "Wholesale"}).status_code == 200
    html = operator_client.post(url(conversation, "tags"), {"name": "wholesale"}).content.decode()

    assert Tag.objects.count() == 1
    assert html.count('data-tag="Wholesale"') == 1


def test_removing_a_tag(operator_client, member, conversation):
    tag = actions.create_tag(member, name="VIP")
    actions.set_conversation_tags(member, conversation, [tag])

    operator_client.post(url(conversation, f"tags/{tag.public_id.hex}/remove"))

    assert not conversation.tags.exists()


def test_a_too_long_tag_name_is_refused(operator_client, conversation):
    response = operator_client.post(url(conversation, "tags"), {"name": "x" * 60})

    assert response.status_code == 422 and "1 to 50 characters" in response.content.decode()
    assert not Tag.objects.exists()


def test_snoozing_for_a_while_or_until_a_time(operator_client, conversation):
    operator_client.post(url(conversation, "snooze"), {"minutes": "60"})
    conversation.refresh_from_db()
    assert conversation.status == "snoozed"
    assert timedelta(minutes=59) < conversation.snoozed_until - timezone.now() <= timedelta(minutes=60)

    operator_client.post(url(conversation, "reopen"))
    day = (timezone.now() + timedelta(days=30)).date().isoformat()
    operator_client.post(url(conversation, "snooze"), {"until": f"{day}T09:00:00+03:00"})
    conversation.refresh_from_db()
    assert conversation.snoozed_until.isoformat() == f"{day}T06:00:00+00:00"


@pytest.mark.parametrize("form", [{}, {"until": "tomorrow-ish"}, {"until": "2001-01-01T00:00:00Z"}])
def test_a_bad_snooze_is_refused(operator_client, conversation, form):
    response = operator_client.post(url(conversation, "snooze"), form)

    assert response.status_code == 422
    assert Conversation.objects.get(pk=conversation.pk).status == "open"


def test_a_private_note_from_the_reply_box(operator_client, conversation):
    response = operator_client.post(url(conversation, "reply"), {"text": "Check stock first", "note": "1"})

    assert "msg--private" in response.content.decode()
    assert Message.objects.get(text="Check stock first").private


def test_reading_clears_the_unread_count(operator_client, conversation):
    assert conversation.unread_count == 1

    assert operator_client.post(url(conversation, "read")).status_code == 204

    assert Conversation.objects.get(pk=conversation.pk).unread_count == 0


def test_the_template_picker_fills_placeholders(operator_client, member, conversation):
    actions.save_canned_response(member, shortcut="hi", text="Hi, {{operator.name}} here")
    actions.save_canned_response(member, shortcut="thanks", text="Thank you!")

    html = operator_client.get(url(conversation, "templates"), {"q": "h"}).content.decode()

    assert 'data-template-text="Hi, Anna here"' in html
    assert "/thanks" in html, "a shortcut containing the letters is offered after those starting with them"
    assert html.index("/hi") < html.index("/thanks")


def test_saving_the_reply_as_a_template(operator_client, member):
    response = operator_client.post("/inbox/templates/", {"shortcut": "/ship", "text": "We ship in 2 days."})

    assert response.status_code == 201 and "/ship" in response.content.decode()
    duplicate = operator_client.post("/inbox/templates/", {"shortcut": "ship", "text": "Again"})
    assert duplicate.status_code == 409


def test_history_shows_every_conversation_with_the_person(operator_client, member, visitor, conversation):
    actions.close_conversation(member, conversation)
    later = Conversation.objects.create(workspace=visitor.workspace, inbox=visitor.inbox, visitor=visitor)
    actions.reply_to_conversation(member, later, text="A new matter", client_id="x")

    html = operator_client.get(url(later, "history")).content.decode()

    assert "Is the kettle in stock?" in html and "A new matter" in html
    assert html.count("Conversation started") == 2


def test_opening_notifications_marks_them_read(operator_client, member, agent, conversation):
    actions.add_note(agent, conversation, text="@Anna look", client_id="n")
    assert Notification.objects.filter(recipient=member, read_at=None).count() == 1

    html = operator_client.get("/inbox/notifications/").content.decode()

    assert "Carl mentioned you" in html
    assert not Notification.objects.filter(recipient=member, read_at=None).exists()


def test_setting_yourself_away(operator_client, member):
    response = operator_client.post("/inbox/me/availability/", {"availability": "away"})

    assert response.status_code == 200
    member.refresh_from_db()
    assert member.availability == "away"
    assert operator_client.post("/inbox/me/availability/", {"availability": "asleep"}).status_code == 422


def test_list_and_page_cost_a_fixed_number_of_queries(operator_client, member, agent, inbox):
    team = workspace_actions.create_team(member, name="Sales")
    tag = actions.create_tag(member, name="VIP")

    def add_conversation(i: int) -> None:
        conversation = actions.send_visitor_message(
            create_visitor(inbox, user_agent="", language=""), text=f"m{i}", client_id="1"
        ).message.conversation
        actions.assign_conversation(member, conversation, assignee=agent, team=team)
        actions.set_conversation_tags(member, conversation, [tag])
        actions.add_note(member, conversation, text="note", client_id="n")

    def queries(path: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert operator_client.get(path).status_code == 200
        return len(captured)

    add_conversation(0)
    few = {path: queries(path) for path in ("/inbox/", "/inbox/list/?status=all", "/inbox/list/?assignee=me")}
    for i in range(1, 8):
        add_conversation(i)

    assert {path: queries(path) for path in few} == few


def test_a_long_conversation_opens_on_its_latest_messages_and_loads_older_ones_on_demand(
    operator_client, member, conversation
):
    for i in range(2, 61):
        actions.reply_to_conversation(member, conversation, text=f"reply {i}", client_id=str(i))

    pane = operator_client.get(url(conversation), HTTP_HX_REQUEST="true").content.decode()
    assert pane.count('class="msg ') == 50 and "reply 60" in pane and "reply 10" not in pane
    assert 'older/?before=11"' in pane

    older = operator_client.get(url(conversation, "older"), {"before": "11"}).content.decode()
    assert older.count('class="msg ') == 10 and "Load older" not in older
    assert "Is the kettle in stock?" in older
