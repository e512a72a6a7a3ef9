"""The editor's test chat runs the draft on the real runtime and keeps nothing of it."""

import pytest

from bots import actions as bot_actions
from bots.actions import FlowRejected
from bots.models import BotRun, BotVersion
from bots.preview import preview
from bots.tests.test_runtime import LEAD_FLOW
from contacts.models import AttributeDefinition, Contact, Task
from conversations.models import Conversation, Message
from core.errors import Conflict
from visitors.models import Event, Visitor
from workspaces.models import Team

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(member):
    AttributeDefinition.objects.create(workspace=member.workspace, key="employees", label="Employees", type="text")
    team = Team.objects.create(workspace=member.workspace, name="Sales")
    flow = {
        **LEAD_FLOW,
        "blocks": [
            *LEAD_FLOW["blocks"][:-1],
            {"id": "task", "type": "task", "title": "Call {{contact.name}} back", "next": "mark"},
            {"id": "mark", "type": "set", "record_events": ["lead_qualified"], "next": "sales"},
            {"id": "sales", "type": "handoff", "team": team.public_id.hex, "text": "Thanks {{contact.name}}!"},
        ],
    }
    flow["blocks"][5] = {**flow["blocks"][5], "next": "task"}  # the goal leads to the task
    return bot_actions.create_bot(member, name="Lead bot", persona_name="Mia", flow=flow)


def kept() -> tuple[int, ...]:
    return (
        Visitor.objects.count(),
        Conversation.objects.count(),
        Message.objects.count(),
        Contact.objects.count(),
        Task.objects.count(),
        BotRun.objects.count(),
        BotVersion.objects.count(),
        Event.objects.count(),
    )


def test_the_draft_greets_and_asks_its_first_question(member, draft, inbox):
    before = kept()
    shown = preview(member, draft, [], language="en")
    assert [(line.author, line.text) for line in shown.lines] == [
        ("bot", "Hi! I am Mia. Two quick questions and you are with sales."),
        ("bot", "Your name?"),
    ]
    assert shown.status == BotRun.Status.WAITING and not shown.over
    assert kept() == before


def test_a_whole_test_conversation_collects_hands_off_and_leaves_no_trace(member, draft, inbox):
    before = kept()
    shown = preview(member, draft, ["Ann", "not an email", "ann@example.com", "1-10"], language="en")
    texts = [line.text for line in shown.lines]
    assert "Hmm, that email does not look right. Try again?" in texts
    assert shown.collected["contact.name"] == "Ann"
    assert shown.collected["contact.email"] == "ann@example.com"
    assert shown.collected["contact.employees"] == "1-10"
    assert shown.collected["var.segment"] == "small"
    assert shown.goals == ["Lead collected"]
    assert shown.tasks == ["Call Ann back"]
    assert shown.handed_to == "Sales"
    assert shown.over and shown.reason
    assert any(line.author == "system" for line in shown.lines)  # the hand-off line operators would see
    assert kept() == before  # nothing in the inbox, contacts, tasks or reports


def test_quick_replies_are_offered_while_the_bot_waits_for_a_choice(member, draft, inbox):
    shown = preview(member, draft, ["Ann", "ann@example.com"], language="en")
    assert shown.quick_replies == ["1-10", "11-200", "200+", "Talk to a person"]


def test_the_draft_runs_not_the_published_version(member, draft, inbox):
    bot_actions.publish(member, draft)
    hello, *rest = draft.draft["blocks"]
    flow = {**draft.draft, "blocks": [{**hello, "text": "Changed hello"}, *rest]}
    bot_actions.save_draft(member, draft, flow)
    assert preview(member, draft, [], language="en").lines[0].text == "Changed hello"


def test_a_draft_that_could_not_run_is_refused_with_its_problems(member, draft, inbox):
    draft.draft = {"start": "x", "blocks": [{"id": "x", "type": "message", "text": "hi", "next": "nowhere"}]}
    with pytest.raises(FlowRejected) as rejected:
        preview(member, draft, [], language="en")
    assert rejected.value.errors[0].block == "x"


def test_a_workspace_without_a_website_inbox_is_told_why(member, draft):
    member.workspace.inboxes.all().delete()
    with pytest.raises(Conflict):
        preview(member, draft, [], language="en")


def test_asking_for_a_person_hands_over_in_the_test_too(member, draft, inbox):
    shown = preview(member, draft, ["I want to talk to a human"], language="en")
    assert shown.over and shown.status == BotRun.Status.HANDED_OFF


# The panel in the editor


def test_the_editor_offers_a_test_chat_and_the_panel_follows_the_answers(operator_client, draft, inbox):
    url = f"/settings/bots/{draft.public_id.hex}/test/"
    assert 'data-action="start-test"' in operator_client.get(f"/settings/bots/{draft.public_id.hex}/").content.decode()

    started = operator_client.post(url).content.decode()
    assert "Your name?" in started and 'name="answer"' in started

    answered = operator_client.post(url, {"answer": ["Ann", "ann@example.com"]}).content.decode()
    assert 'value="Ann"' in answered and 'value="ann@example.com"' in answered  # the answers so far ride along
    assert 'value="11-200"' in answered  # the choices as buttons
    assert 'data-collected="contact.email">ann@example.com' in answered


def test_the_panel_shows_why_a_draft_cannot_be_tested(operator_client, draft, inbox):
    draft.draft = {"start": "x", "blocks": [{"id": "x", "type": "message", "text": "hi", "next": "nowhere"}]}
    draft.save()
    panel = operator_client.post(f"/settings/bots/{draft.public_id.hex}/test/").content.decode()
    assert 'role="alert"' in panel and "nowhere" in panel


def test_a_too_long_answer_gets_a_clear_error(operator_client, draft, inbox):
    panel = operator_client.post(f"/settings/bots/{draft.public_id.hex}/test/", {"answer": "x" * 10_001})
    assert "at most 10,000 characters" in panel.content.decode()


def test_another_workspace_cannot_test_the_bot(draft, other_member, inbox):
    from django.test import Client

    client = Client()
    client.force_login(other_member.user)
    assert client.post(f"/settings/bots/{draft.public_id.hex}/test/").status_code == 404
