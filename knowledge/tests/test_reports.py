"""What the knowledge base brings: every number of the report from real bot conversations and help searches,
the deflection rate's edges (an operator who wrote later, a hand-off, a chat still under way), the period, one
workspace only."""

from datetime import timedelta

import pytest
from django.utils import timezone

from bots import actions as bot_actions
from bots import runtime
from conversations import actions as conversation_actions
from conversations.models import Conversation
from knowledge import actions
from knowledge.answering import answer
from knowledge.models import Question
from knowledge.reports import IDLE, LanguageRow, knowledge_report
from visitors import actions as visitor_actions

pytestmark = pytest.mark.django_db

FLOW = {"start": "kb", "blocks": [{"id": "kb", "type": "knowledge", "text": "What would you like to know?"}]}
YES, NO = "Yes, thanks", "No"
LOYALTY = "Сіздерде жеңілдік карталары бар ма?"  # loyalty cards, in Kazakh: nothing about them
SOMETHING_ELSE = "Маған басқа нәрсе керек еді, рақмет"
RESULTS = "/settings/knowledge/results/"


@pytest.fixture
def delivery(member):
    return knowledge_bot(member)


def knowledge_bot(member):
    """Three entries and a bot that answers from them, in the member's workspace."""
    entry = actions.create_entry(
        member,
        language="en",
        question="How long does delivery take?",
        answer="Orders ship within 2 business days.",
        phrasings=["When will my order arrive?"],
    )
    actions.create_entry(member, language="en", question="Can I pay by card?", answer="Yes, all cards.")
    actions.create_entry(member, language="en", question="Do you gift wrap orders?", answer="Yes, for $3.")
    bot = bot_actions.create_bot(member, name="FAQ", persona_name="Mia", flow=FLOW)
    bot_actions.publish(member, bot)
    bot_actions.set_enabled(member, bot, enabled=True)
    return entry


def chat(inbox, *said: str):
    """A visitor who opens a chat and says each of `said` to the knowledge bot."""
    visitor = visitor_actions.create_visitor(inbox, user_agent="Mozilla/5.0 Test", language="en")
    sent = conversation_actions.send_visitor_message(visitor, text="Hi", client_id="c0")
    runtime.start_bot(sent.message.conversation_id)
    for n, text in enumerate(said, start=1):
        conversation_actions.send_visitor_message(visitor, text=text, client_id=f"c{n}")
        runtime.hear_visitor(sent.message.conversation_id)
    return sent.message.conversation


def quiet(*conversations: Conversation) -> None:
    """Nothing said in them for longer than IDLE: the visitors have left."""
    Conversation.objects.filter(pk__in=[c.pk for c in conversations]).update(
        last_activity_at=timezone.now() - IDLE - timedelta(minutes=1)
    )


def offered(conversation) -> list[str]:
    return conversation.messages.filter(author_kind="bot").order_by("-seq").first().rich["quick_replies"]


def test_nothing_asked_yet_reads_as_zeros_and_no_rate(workspace):
    report = knowledge_report(workspace)

    assert (report.asked, report.answered, report.handed_off, report.deflection_rate) == (0, 0, {}, None)
    assert report.languages == [] and report.top_entries == [] and report.top_unanswered == []


def test_every_number_of_a_period(member, workspace, inbox, delivery, other_member):
    helped = chat(inbox, "How long does delivery take?", YES)  # answered, helped: resolved with no person
    later = chat(inbox, "When will my order arrive?")  # answered, then an operator wrote: not deflected
    conversation_actions.reply_to_conversation(member, later, text="Anything else?", client_id="op1")
    unsure = chat(inbox, LOYALTY)  # the closest entries offered; one is picked; it did not help
    conversation_actions.send_visitor_message(unsure.visitor, text=offered(unsure)[0], client_id="pick")
    runtime.hear_visitor(unsure.pk)
    conversation_actions.send_visitor_message(unsure.visitor, text=NO, client_id="no")
    runtime.hear_visitor(unsure.pk)
    missed = chat(inbox, LOYALTY, SOMETHING_ELSE)  # two misses: to people, no_match
    actions.record_search(workspace, "delivery time", answer("delivery time", workspace))  # in the widget's help
    old = chat(inbox, "How long does delivery take?")
    Question.objects.filter(conversation=old).update(created_at=timezone.now() - timedelta(days=40))
    actions.record_search(other_member.workspace, "delivery?", answer("delivery?", other_member.workspace))
    quiet(helped, later, unsure, missed, old)  # all over: each left out of the resolved for its own reason

    report = knowledge_report(workspace, since=timezone.now() - timedelta(days=30))

    assert (report.asked, report.searched) == (6, 1)  # the old one and the other workspace's left out
    assert (report.answered, report.suggested, report.missed) == (3, 3, 0)
    assert (report.helped, report.not_helped, report.suggestions_taken) == (1, 1, 1)
    assert report.handed_off == {"no_match": 1}
    assert report.answered_conversations == 3  # helped, the operator's, the picked suggestion's
    assert report.deflected == 1  # only the helped one: an operator wrote in one, the other's answer did not help
    assert report.deflection_rate == pytest.approx(1 / 3)
    assert report.languages == [LanguageRow("en", 6, 3, 1)]  # told among the knowledge base's languages
    assert report.top_entries == [(delivery, 3)]
    assert report.top_unanswered == [(LOYALTY, 2), (SOMETHING_ELSE, 1)]


def test_the_period_leaves_older_and_newer_questions_out(workspace, inbox, delivery):
    conversation = chat(inbox, "How long does delivery take?")
    Question.objects.filter(conversation=conversation).update(created_at=timezone.now() - timedelta(days=10))

    assert knowledge_report(workspace, since=timezone.now() - timedelta(days=7)).asked == 0
    assert knowledge_report(workspace, until=timezone.now() - timedelta(days=11)).asked == 0
    assert knowledge_report(workspace, since=timezone.now() - timedelta(days=30)).asked == 1


def test_a_bot_hand_off_after_an_answer_is_not_deflected(workspace, inbox, delivery):
    quiet(chat(inbox, "How long does delivery take?", "Talk to a person"))

    report = knowledge_report(workspace)

    assert report.answered_conversations == 1 and report.deflected == 0
    assert report.handed_off == {"visitor_asked": 1}


def test_the_report_reads_in_a_few_queries_however_many_questions(
    workspace, inbox, delivery, django_assert_max_num_queries
):
    for _ in range(3):
        quiet(chat(inbox, "How long does delivery take?", YES))

    with django_assert_max_num_queries(8):
        report = knowledge_report(workspace)

    assert report.deflected == 3


def test_the_results_page_shows_the_period_chosen_to_admins_and_agents(
    operator_client, agent, workspace, inbox, delivery, client
):
    recent = chat(inbox, "How long does delivery take?", YES)
    old = chat(inbox, "When will my order arrive?")
    Question.objects.filter(conversation=old).update(created_at=timezone.now() - timedelta(days=20))
    quiet(recent, old)

    week = operator_client.get(f"{RESULTS}?days=7").content.decode()
    month = operator_client.get(RESULTS).content.decode()  # 30 days unless told

    assert 'data-stat="asked">1<' in week and 'data-stat="asked">2<' in month
    assert 'aria-current="page">Last 30 days' in month and "100%" in month  # resolved with no person: both
    assert "How long does delivery take?" in month  # the answer given most
    for unknown in ("365", "abc", "-7", "7.5", ""):  # any other period reads as 30 days
        assert 'data-stat="asked">2<' in operator_client.get(f"{RESULTS}?days={unknown}").content.decode()
    client.force_login(agent.user)
    assert client.get(RESULTS).status_code == 200


def test_the_results_page_says_when_nothing_was_asked_and_shows_only_its_workspace(
    client, other_member, workspace, inbox, delivery
):
    chat(inbox, "How long does delivery take?", YES)
    client.force_login(other_member.user)

    page = client.get(RESULTS).content.decode()

    assert 'id="knowledge-results-empty"' in page and "data-stat" not in page
    client.logout()
    assert client.get(RESULTS).status_code == 302  # to the login page


def test_a_chat_is_resolved_once_closed_or_left_quiet_and_never_after_an_operator_wrote(
    member, workspace, inbox, delivery
):
    under_way = chat(inbox, "How long does delivery take?", YES)
    closed = chat(inbox, "How long does delivery take?", YES)
    conversation_actions.close_conversation(member, closed)  # closed by a person who wrote nothing: resolved
    left = chat(inbox, "Can I pay by card?", YES)
    quiet(left)
    answered_later = chat(inbox, "Do you gift wrap orders?", YES)
    conversation_actions.reply_to_conversation(member, answered_later, text="Happy to help", client_id="op")
    conversation_actions.close_conversation(member, answered_later)
    quiet(answered_later)

    report = knowledge_report(workspace)

    assert (report.answered_conversations, report.deflected) == (4, 2)  # the closed one and the one left quiet
    quiet(under_way)
    assert knowledge_report(workspace).deflected == 3  # the chat under way, once its visitor has left


def test_another_workspaces_chats_are_never_counted(workspace, other_member, other_inbox, inbox, delivery):
    knowledge_bot(other_member)
    quiet(chat(inbox, "How long does delivery take?", YES))
    quiet(chat(other_inbox, "How long does delivery take?", YES), chat(other_inbox, LOYALTY, SOMETHING_ELSE))

    mine, theirs = knowledge_report(workspace), knowledge_report(other_member.workspace)

    assert (mine.asked, mine.answered_conversations, mine.deflected, mine.handed_off) == (1, 1, 1, {})
    assert mine.top_entries == [(delivery, 1)] and mine.top_unanswered == []
    assert (theirs.asked, theirs.answered_conversations, theirs.deflected, theirs.handed_off) == (
        3,
        1,
        1,
        {"no_match": 1},
    )
