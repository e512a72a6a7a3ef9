"""Assignment, transfer, notes, mentions, snooze, tags, unread counts: the team's work on a conversation."""

from datetime import timedelta

import pytest
from django.utils import timezone

from conversations import actions
from conversations.models import Conversation, Message, Notification
from conversations.queries import ConversationFilters, access_conversation, fill_placeholders, list_conversations
from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from core.tests.fixtures import make_agent
from workspaces import actions as workspace_actions


@pytest.fixture
def conversation(visitor) -> Conversation:
    return actions.send_visitor_message(
        visitor, text="Hello, is the blue kettle in stock?", client_id="1"
    ).message.conversation


def feed(conversation: Conversation) -> list[tuple[str, bool, str]]:
    return [(m.author_kind, m.private, m.text) for m in conversation.messages.order_by("seq")]


def test_assigning_leaves_an_activity_line_and_notifies_the_assignee(member, agent, conversation):
    actions.assign_conversation(member, conversation, assignee=agent, team=None)

    conversation.refresh_from_db()
    assert conversation.assignee == agent
    assert feed(conversation)[-1] == ("system", True, "Anna assigned the conversation to Carl.")
    notification = Notification.objects.get()
    assert (notification.recipient, notification.kind, notification.actor) == (agent, "assigned", member)


def test_transferring_names_both_operators_and_the_team(member, agent, conversation):
    team = workspace_actions.create_team(member, name="Sales")
    actions.assign_conversation(member, conversation, assignee=member, team=None)

    actions.assign_conversation(member, conversation, assignee=agent, team=team)

    assert feed(conversation)[-1][2] == "Anna transferred the conversation from Anna to Carl and the team Sales."
    assert Notification.objects.filter(recipient=agent).count() == 1
    assert not Notification.objects.filter(recipient=member).exists(), "nobody is notified of their own doing"


def test_assigning_the_same_again_changes_nothing(member, agent, conversation):
    actions.assign_conversation(member, conversation, assignee=agent, team=None)
    seq = Conversation.objects.get(pk=conversation.pk).last_seq

    actions.assign_conversation(member, conversation, assignee=agent, team=None)

    assert Conversation.objects.get(pk=conversation.pk).last_seq == seq
    assert Notification.objects.count() == 1


def test_an_agent_who_does_not_work_the_inbox_cannot_be_assigned(member, agent, inbox, conversation):
    inbox.members.remove(agent)

    with pytest.raises(InvalidInput, match="does not work"):
        actions.assign_conversation(member, conversation, assignee=agent, team=None)

    assert Conversation.objects.get(pk=conversation.pk).assignee is None


def test_operators_and_teams_of_another_workspace_are_refused(member, other_member, conversation):
    with pytest.raises(InvalidInput):
        actions.assign_conversation(member, conversation, assignee=other_member, team=None)
    foreign_team = workspace_actions.create_team(other_member, name="Rivals")
    with pytest.raises(InvalidInput):
        actions.assign_conversation(member, conversation, assignee=None, team=foreign_team)
    assert feed(conversation) == [("visitor", False, "Hello, is the blue kettle in stock?")]


def test_a_note_is_private_and_does_not_stop_the_waiting_clock(member, conversation):
    actions.add_note(member, conversation, text="VIP customer, be nice", client_id="n1")

    conversation.refresh_from_db()
    assert feed(conversation)[-1] == ("operator", True, "VIP customer, be nice")
    assert conversation.waiting_since is not None


def test_a_note_notifies_the_teammates_it_mentions_once(member, agent, conversation):
    make_agent(member.workspace, "carla.maria@shop.example.com")  # "Carla.Maria": @Carl must not match her
    actions.add_note(member, conversation, text="@carl can you check stock? @Carl", client_id="n1")

    assert [(n.recipient, n.kind) for n in Notification.objects.all()] == [(agent, "mention")]


def test_mentioning_yourself_notifies_nobody(member, conversation):
    actions.add_note(member, conversation, text="@Anna remember this", client_id="n1")

    assert not Notification.objects.exists()


def test_unread_counts_visitor_messages_until_an_operator_reads_them(member, visitor, conversation):
    actions.send_visitor_message(visitor, text="Hello?", client_id="2")
    assert Conversation.objects.get(pk=conversation.pk).unread_count == 2

    actions.mark_conversation_read(member, conversation)

    assert Conversation.objects.get(pk=conversation.pk).unread_count == 0


def test_a_reply_ends_the_wait(member, conversation):
    assert conversation.waiting_since is not None

    actions.reply_to_conversation(member, conversation, text="Yes, it is!", client_id="r1")

    assert Conversation.objects.get(pk=conversation.pk).waiting_since is None


def test_snoozing_puts_the_conversation_aside_until_its_time(member, conversation):
    actions.snooze_conversation(member, conversation, until=timezone.now() + timedelta(hours=1))
    assert Conversation.objects.get(pk=conversation.pk).status == "snoozed"

    assert actions.wake_snoozed_conversations() == 0
    Conversation.objects.filter(pk=conversation.pk).update(snoozed_until=timezone.now() - timedelta(seconds=1))
    assert actions.wake_snoozed_conversations() == 1

    woken = Conversation.objects.get(pk=conversation.pk)
    assert (woken.status, woken.snoozed_until) == ("open", None)


def test_a_visitor_message_wakes_a_snoozed_conversation(member, visitor, conversation):
    actions.snooze_conversation(member, conversation, until=timezone.now() + timedelta(days=1))

    actions.send_visitor_message(visitor, text="Any news?", client_id="2")

    assert Conversation.objects.get(pk=conversation.pk).status == "open"


@pytest.mark.parametrize("delta", [timedelta(minutes=-1), timedelta(days=400)])
def test_snoozing_into_the_past_or_too_far_is_refused(member, conversation, delta):
    with pytest.raises(InvalidInput):
        actions.snooze_conversation(member, conversation, until=timezone.now() + delta)
    assert Conversation.objects.get(pk=conversation.pk).status == "open"


def test_a_closed_conversation_cannot_be_snoozed(member, conversation):
    actions.close_conversation(member, conversation)

    with pytest.raises(Conflict):
        actions.snooze_conversation(member, conversation, until=timezone.now() + timedelta(hours=1))


def test_tags_are_unique_per_workspace_whatever_the_case(member, other_member, conversation):
    vip = actions.create_tag(member, name="  VIP ", colour="#FF0000")
    assert (vip.name, vip.colour) == ("VIP", "#ff0000")
    with pytest.raises(Conflict):
        actions.create_tag(member, name="vip")
    actions.create_tag(other_member, name="VIP")  # another workspace may have its own

    actions.set_conversation_tags(member, conversation, [vip])
    assert list(conversation.tags.all()) == [vip]


@pytest.mark.parametrize(("name", "colour"), [("", "#ffffff"), ("x" * 51, "#ffffff"), ("ok", "red")])
def test_bad_tags_are_refused(member, name, colour):
    with pytest.raises(InvalidInput):
        actions.create_tag(member, name=name, colour=colour)


def test_a_tag_of_another_workspace_cannot_be_put_on_a_conversation(member, other_member, conversation):
    foreign = actions.create_tag(other_member, name="Spam")

    with pytest.raises(InvalidInput):
        actions.set_conversation_tags(member, conversation, [foreign])
    assert not conversation.tags.exists()


def test_only_admins_rename_or_delete_tags(member, agent):
    tag = actions.create_tag(agent, name="Refund")
    with pytest.raises(Forbidden):
        actions.update_tag(agent, tag, name="Refunds", colour="#000000")
    with pytest.raises(Forbidden):
        actions.delete_tag(agent, tag)

    actions.update_tag(member, tag, name="Refunds", colour="#000000")
    tag.refresh_from_db()
    assert tag.name == "Refunds"


def test_reply_templates_have_unique_valid_shortcuts(member, agent):
    actions.save_canned_response(agent, shortcut="/Hello", text="Hi {{contact.name}}!")
    with pytest.raises(Conflict):
        actions.save_canned_response(member, shortcut="hello", text="Other")
    with pytest.raises(InvalidInput):
        actions.save_canned_response(member, shortcut="two words", text="x")
    with pytest.raises(InvalidInput):
        actions.save_canned_response(member, shortcut="empty", text="   ")


def test_only_its_author_or_an_admin_changes_a_template(member, agent, workspace):
    template = actions.save_canned_response(member, shortcut="bye", text="Bye!")
    with pytest.raises(Forbidden):
        actions.save_canned_response(agent, shortcut="bye", text="Ciao", response=template)
    with pytest.raises(Forbidden):
        actions.delete_canned_response(agent, template)
    own = actions.save_canned_response(agent, shortcut="mine", text="Mine")
    actions.delete_canned_response(agent, own)


def test_placeholders_are_filled_from_the_conversation(member, visitor, conversation):
    from contacts.models import Contact

    visitor.contact = Contact.objects.create(workspace=member.workspace, name="Mia", email="mia@example.com")
    visitor.save()
    conversation = access_conversation(member, conversation.public_id)

    text = fill_placeholders(
        "Hi {{contact.name}} ({{ contact.email }}), {{operator.name}} of {{workspace.name}} here. {{unknown.x}}",
        conversation=conversation,
        member=member,
    )

    assert text == "Hi Mia (mia@example.com), Anna of Shop here. {{unknown.x}}"


def test_agents_see_only_the_inboxes_they_work(member, agent, inbox, conversation):
    assert access_conversation(agent, conversation.public_id) == conversation

    inbox.members.remove(agent)

    with pytest.raises(NotFound):
        access_conversation(agent, conversation.public_id)
    assert list_conversations(agent, ConversationFilters(status="all")).conversations == []
    assert list_conversations(member, ConversationFilters(status="all")).conversations == [conversation]


def test_list_filters(member, agent, visitor, inbox, conversation):
    from visitors.actions import create_visitor

    other = actions.send_visitor_message(
        create_visitor(inbox, user_agent="", language=""), text="Refund please", client_id="1"
    ).message.conversation
    actions.assign_conversation(member, other, assignee=agent, team=None)
    tag = actions.create_tag(member, name="Refund")
    actions.set_conversation_tags(member, other, [tag])

    def shown(who, **filters) -> list[Conversation]:
        return list_conversations(who, ConversationFilters(**filters)).conversations

    assert shown(agent, assignee="me") == [other]
    assert shown(agent, assignee="unassigned") == [conversation]
    assert shown(member, tag=tag.public_id.hex) == [other]
    assert shown(member, inbox=inbox.public_id.hex, status="all") == [other, conversation]
    assert shown(member, assignee=agent.public_id.hex) == [other]
    with pytest.raises(NotFound):
        shown(member, team="not-an-id")
    assert Message.objects.filter(conversation=other, private=True).count() == 1


def test_assigning_a_conversation_someone_just_closed_is_refused_and_changes_nothing(member, agent, conversation):
    stale_copy = Conversation.objects.get(pk=conversation.pk)  # what the other operator's page showed
    actions.close_conversation(member, conversation)

    with pytest.raises(Conflict, match="closed"):
        actions.assign_conversation(agent, stale_copy, assignee=agent, team=None)

    fresh = Conversation.objects.get(pk=conversation.pk)
    assert (fresh.status, fresh.assignee) == ("closed", None)
    assert feed(fresh) == [("visitor", False, "Hello, is the blue kettle in stock?")]


def test_a_tag_created_inline_gets_a_colour_of_its_own_the_same_for_the_same_name(member, other_member):
    tag = actions.create_tag(member, name="Wholesale")

    assert tag.colour in actions.TAG_PALETTE
    assert actions.create_tag(other_member, name=" wholesale ").colour == tag.colour


def test_removing_a_member_hands_their_open_conversations_back_to_the_team(member, agent, conversation):
    actions.assign_conversation(member, conversation, assignee=agent, team=None)

    workspace_actions.remove_member(member, agent)

    fresh = Conversation.objects.get(pk=conversation.pk)
    assert fresh.assignee is None
    assert feed(fresh)[-1] == ("system", True, "Anna unassigned the conversation.")
