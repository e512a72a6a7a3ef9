"""The “answer from the knowledge base” block: answers in the visitor's language and asks whether it helped;
when unsure, offers the closest entries and a person; two misses in a row go to people, never a loop."""

import pytest

from bots import actions as bot_actions
from bots import runtime
from bots.flow import InvalidFlow, Known, check_flow
from bots.models import BotRun
from conversations import actions
from knowledge import actions as knowledge_actions
from knowledge.models import Question
from knowledge.queries import questions_to_learn

pytestmark = pytest.mark.django_db

FLOW = {"start": "kb", "blocks": [{"id": "kb", "type": "knowledge", "text": "What would you like to know?"}]}


@pytest.fixture
def knowledge(member):
    shipping = knowledge_actions.create_entry(
        member,
        language="en",
        question="How long does delivery take?",
        answer="Orders ship within 2 business days.",
        phrasings=["When will my order arrive?"],
    )
    knowledge_actions.add_variant(
        member, shipping, language="ja", question="配送にはどのくらいかかりますか？", answer="2営業日以内に発送します。"
    )
    knowledge_actions.create_entry(member, language="en", question="Can I pay by card?", answer="Yes, all cards.")
    knowledge_actions.create_entry(member, language="en", question="Do you gift wrap orders?", answer="Yes, for $3.")
    return shipping


def start(member, visitor, flow=FLOW, language="en"):
    visitor.language = language
    visitor.save(update_fields=["language"])
    bot = bot_actions.create_bot(member, name="FAQ", persona_name="Mia", flow=flow)
    bot_actions.publish(member, bot)
    bot_actions.set_enabled(member, bot, enabled=True)
    sent = actions.send_visitor_message(visitor, text="Hi", client_id="v0")
    runtime.start_bot(sent.message.conversation_id)
    return sent.message.conversation


def say(conversation, text: str, n: list[int] = [0]):  # noqa: B006 - a counter for client ids
    n[0] += 1
    actions.send_visitor_message(conversation.visitor, text=text, client_id=f"k{n[0]}")
    return runtime.hear_visitor(conversation.pk)


def bot_messages(conversation) -> list:
    return list(conversation.messages.filter(author_kind="bot").order_by("seq"))


def test_a_japanese_question_gets_the_japanese_answer_and_is_asked_whether_it_helped(knowledge, member, visitor):
    conversation = start(member, visitor, language="ja")

    say(conversation, "荷物はいつ届きますか")

    *_, answer, helped = bot_messages(conversation)
    assert answer.text == "2営業日以内に発送します。"
    assert helped.text == "ご質問の答えになりましたか？"
    assert helped.rich["quick_replies"] == ["はい、解決しました", "いいえ", "担当者と話す"]
    asked = Question.objects.get()
    assert (asked.outcome, asked.best, asked.conversation) == ("answered", knowledge, conversation)

    say(conversation, "はい、解決しました")

    assert Question.objects.get().helpful is True
    assert bot_messages(conversation)[-1].text == "お役に立ててよかったです！ほかにご質問はありますか？"
    assert BotRun.objects.get().status == BotRun.Status.WAITING  # ready for the next question


def test_an_unknown_question_gets_suggestions_and_a_person_and_a_second_miss_goes_to_people(knowledge, member, visitor):
    conversation = start(member, visitor, language="kk")

    say(conversation, "Сіздерде жеңілдік карталары бар ма?")  # loyalty cards: nothing about them

    offer = bot_messages(conversation)[-1]
    assert offer.text == "Дұрыс түсіндім бе, білмеймін. Мыналардың бірі ме?"
    assert offer.rich["quick_replies"][-1] == "Адаммен сөйлесу" and len(offer.rich["quick_replies"]) == 4
    say(conversation, "Маған басқа нәрсе керек еді, рақмет")

    run = BotRun.objects.get()
    assert (run.status, run.reason) == (BotRun.Status.HANDED_OFF, BotRun.Reason.NO_MATCH)
    assert [g.lead.text for g in questions_to_learn(member.workspace)][:1]  # they wait on the learning page


def test_a_suggestion_picked_gives_its_answer_noting_its_language(knowledge, member, visitor):
    conversation = start(member, visitor, language="kk")
    say(conversation, "Сіздерде жеңілдік карталары бар ма?")
    offered = bot_messages(conversation)[-1].rich["quick_replies"]

    say(conversation, next(label for label in offered if label.startswith("How long")))

    *_, answer, helped = bot_messages(conversation)
    assert answer.text == "Orders ship within 2 business days.\n\n(Бұл жауап тек English тілінде бар.)"
    assert helped.text == "Бұл сұрағыңызға жауап бола ма?"
    assert BotRun.objects.get().misses == 0
    assert Question.objects.get().picked == knowledge  # counted as a suggestion taken


def test_an_answer_that_did_not_help_counts_as_a_miss_and_is_kept_for_learning(knowledge, member, visitor):
    conversation = start(member, visitor)
    say(conversation, "When will my order arrive?")

    say(conversation, "No")

    assert Question.objects.get().helpful is False
    assert bot_messages(conversation)[-1].text.startswith("Sorry, I couldn't find an answer")
    assert BotRun.objects.get().misses == 1
    assert questions_to_learn(member.workspace)[0].lead.text == "When will my order arrive?"


def test_a_helpful_answer_leads_on_when_the_block_says_where(knowledge, member, visitor):
    flow = {
        "start": "kb",
        "blocks": [
            {"id": "kb", "type": "knowledge", "next": "bye"},
            {"id": "bye", "type": "end", "text": "Have a nice day!"},
        ],
    }
    conversation = start(member, visitor, flow=flow)
    say(conversation, "How long does delivery take?")
    say(conversation, "Yes, thanks")

    assert bot_messages(conversation)[-1].text == "Have a nice day!"
    assert BotRun.objects.get().status == BotRun.Status.COMPLETED


def test_the_block_waits_so_a_loop_through_it_is_allowed_and_its_branches_must_exist():
    known = Known(frozenset(), frozenset(), frozenset())
    looping = {
        "start": "kb",
        "blocks": [{"id": "kb", "type": "knowledge", "next": "again"}, {"id": "again", "type": "jump", "to": "kb"}],
    }
    assert check_flow(looping, known)
    with pytest.raises(InvalidFlow, match="nowhere"):
        check_flow({"start": "kb", "blocks": [{"id": "kb", "type": "knowledge", "on_miss": "nowhere"}]}, known)


def test_a_block_that_just_listens_answers_the_message_that_opened_the_conversation(knowledge, member, visitor):
    bot = bot_actions.create_bot(
        member, name="FAQ", persona_name="Mia", flow={"start": "kb", "blocks": [{"id": "kb", "type": "knowledge"}]}
    )
    bot_actions.publish(member, bot)
    bot_actions.set_enabled(member, bot, enabled=True)
    sent = actions.send_visitor_message(visitor, text="When will my order arrive?", client_id="open")

    runtime.start_bot(sent.message.conversation_id)

    *_, answer, helped = bot_messages(sent.message.conversation)
    assert answer.text == "Orders ship within 2 business days." and helped.text == "Did this answer your question?"


def test_a_very_long_question_is_read_in_part_and_the_visitor_is_told(knowledge, member, visitor):
    conversation = start(member, visitor)

    say(conversation, "How long does delivery take? " + "I really need it before my sister's birthday. " * 30)

    notice, answer, _ = bot_messages(conversation)[-3:]
    assert notice.text == "That's a long message: I looked for an answer to its first 500 characters."
    assert answer.text == "Orders ship within 2 business days."
    assert len(Question.objects.get().text) == 500
