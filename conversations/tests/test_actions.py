import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from conversations import actions
from conversations.models import Conversation, Message
from core.errors import Conflict, InvalidInput


def test_first_visitor_message_starts_an_open_conversation(visitor):
    # when
    sent = actions.send_visitor_message(visitor, text="  Hello  ", client_id="c-1")

    # then
    conversation = sent.message.conversation
    assert sent.created
    assert conversation.status == Conversation.Status.OPEN
    assert conversation.workspace_id == visitor.workspace_id
    assert (sent.message.seq, sent.message.text, sent.message.author_kind) == (1, "Hello", "visitor")
    assert conversation.last_seq == 1


def test_messages_are_numbered_in_order_within_the_conversation(visitor, member):
    first = actions.send_visitor_message(visitor, text="one", client_id="a").message
    reply = actions.reply_to_conversation(member, first.conversation, text="two", client_id="b").message
    third = actions.send_visitor_message(visitor, text="three", client_id="c").message

    assert [first.seq, reply.seq, third.seq] == [1, 2, 3]
    assert third.conversation_id == first.conversation_id
    assert reply.author_kind == "operator" and reply.author_member == member


def test_a_retried_client_id_is_stored_once(visitor):
    first = actions.send_visitor_message(visitor, text="Hi", client_id="retry-me")

    again = actions.send_visitor_message(visitor, text="Hi", client_id="retry-me")

    assert not again.created
    assert again.message.pk == first.message.pk
    assert Message.objects.count() == 1


def test_an_operator_retry_is_stored_once(visitor, member):
    conversation = actions.send_visitor_message(visitor, text="Hi", client_id=None).message.conversation

    actions.reply_to_conversation(member, conversation, text="Hello", client_id="op-1")
    again = actions.reply_to_conversation(member, conversation, text="Hello", client_id="op-1")

    assert not again.created
    assert conversation.messages.count() == 2


def test_a_client_id_used_by_someone_else_is_a_conflict_not_a_silent_drop(visitor, member):
    conversation = actions.send_visitor_message(visitor, text="Hi", client_id="1").message.conversation

    with pytest.raises(Conflict, match="already used"):
        actions.reply_to_conversation(member, conversation, text="Hello", client_id="1")

    assert conversation.messages.count() == 1


def test_a_message_whose_seq_is_taken_raises_and_is_not_dropped(visitor):
    conversation = actions.send_visitor_message(visitor, text="Hi", client_id="1").message.conversation
    conversation.last_seq = 0  # as a stale copy would have it

    with pytest.raises(IntegrityError, match="exists already"), transaction.atomic():
        actions._append(conversation, author_kind="visitor", member=None, text="Again", client_id="2")

    assert list(conversation.messages.values_list("text", flat=True)) == ["Hi"]


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_an_empty_message_is_refused_and_nothing_is_stored(visitor, text):
    with pytest.raises(InvalidInput, match="empty"):
        actions.send_visitor_message(visitor, text=text, client_id="x")

    assert not Conversation.objects.exists()
    assert not Message.objects.exists()


def test_a_message_over_10000_characters_is_refused(visitor):
    actions.send_visitor_message(visitor, text="x" * 10_000, client_id="ok")

    with pytest.raises(InvalidInput, match="10,000"):
        actions.send_visitor_message(visitor, text="x" * 10_001, client_id="too-long")

    assert Message.objects.count() == 1


def test_closing_and_a_new_visitor_message_reopens(visitor, member):
    conversation = actions.send_visitor_message(visitor, text="Hi", client_id="1").message.conversation

    actions.close_conversation(member, conversation)
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.CLOSED

    sent = actions.send_visitor_message(visitor, text="Me again", client_id="2")

    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.OPEN
    assert sent.message.conversation_id == conversation.pk
    assert Conversation.objects.count() == 1


def test_an_operator_can_reopen_a_closed_conversation(visitor, member):
    conversation = actions.send_visitor_message(visitor, text="Hi", client_id="1").message.conversation
    actions.close_conversation(member, conversation)

    reopened = actions.reopen_conversation(member, conversation)

    assert reopened.status == Conversation.Status.OPEN


def test_sending_a_message_costs_a_bounded_number_of_queries(visitor):
    actions.send_visitor_message(visitor, text="first", client_id="1")

    with CaptureQueriesContext(connection) as queries:
        actions.send_visitor_message(visitor, text="second", client_id="2")

    # lock the visitor (not on SQLite), find the conversation, insert the message in a
    # savepoint, update the conversation; plus this test's own transaction savepoint
    statements = [q["sql"].split()[0].upper() for q in queries]
    assert len([s for s in statements if s not in {"SAVEPOINT", "RELEASE"}]) <= 4
