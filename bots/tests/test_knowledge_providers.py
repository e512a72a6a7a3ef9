"""The knowledge block with the workspace's answering providers: with wording on, a sure answer is worded by the
language model from the entries found, with them listed under it; when it finds they do not answer the
question, the visitor gets the closest entries and a person (a miss); when it fails, the entry's own answer.
An embeddings provider that cannot be reached never stops the bot from answering."""

import logging
from collections.abc import Iterator

import pytest

from bots.models import BotRun
from bots.tests.test_knowledge_block import bot_messages, say, start
from knowledge import actions as knowledge_actions
from knowledge import providers
from knowledge.models import Question
from knowledge.queries import questions_to_learn
from knowledge.tasks import encode_provider_vectors
from knowledge.tests.openai_server import OpenAI, Server, serve

pytestmark = pytest.mark.django_db


@pytest.fixture
def openai_server() -> Iterator[Server]:
    yield from serve()


@pytest.fixture
def shipping(member):
    entry = knowledge_actions.create_entry(
        member,
        language="en",
        question="How long does delivery take?",
        answer="Orders ship within 2 business days.",
        phrasings=["When will my order arrive?"],
    )
    knowledge_actions.create_entry(member, language="en", question="Can I pay by card?", answer="Yes, all cards.")
    knowledge_actions.create_entry(member, language="en", question="Do you gift wrap orders?", answer="Yes, for $3.")
    return entry


def word_answers(member, server: Server) -> None:
    settings = providers.Settings(generation_enabled=True, generation_url=server.url, generation_model="small")
    providers.save_providers(member, settings)


def test_a_sure_answer_is_worded_by_the_model_with_its_sources_under_it(shipping, member, visitor, openai_server):
    word_answers(member, openai_server)
    OpenAI.chat = "Ваш заказ отправят в течение 2 рабочих дней.\nSOURCES: 1"
    conversation = start(member, visitor, language="ru")

    say(conversation, "Когда придёт мой заказ?")

    *_, worded, helped = bot_messages(conversation)
    assert worded.text == "Ваш заказ отправят в течение 2 рабочих дней.\n\nИсточники:\n• How long does delivery take?"
    assert helped.text == "Это ответ на ваш вопрос?"
    [call] = openai_server.requests("/chat/completions")
    assert "Orders ship within 2 business days." in call["body"]["messages"][1]["content"]
    assert Question.objects.get().outcome == Question.Outcome.ANSWERED


def test_when_the_model_finds_no_answer_in_the_entries_the_visitor_gets_suggestions_and_a_person(
    shipping, member, visitor, openai_server
):
    word_answers(member, openai_server)
    OpenAI.chat = "NO_ANSWER"
    conversation = start(member, visitor)

    say(conversation, "When will my order arrive?")

    offer = bot_messages(conversation)[-1]
    assert offer.text == "I'm not sure I understood. Is it one of these?"
    assert offer.rich["quick_replies"][0] == "How long does delivery take?"
    assert offer.rich["quick_replies"][-1] == "Talk to a person"
    assert BotRun.objects.get().misses == 1
    assert Question.objects.get().outcome == Question.Outcome.SUGGESTED
    assert questions_to_learn(member.workspace)[0].lead.text == "When will my order arrive?"


def test_when_the_model_fails_the_entrys_own_answer_is_given(shipping, member, visitor, openai_server):
    word_answers(member, openai_server)
    OpenAI.chat = "error"
    conversation = start(member, visitor)

    say(conversation, "When will my order arrive?")

    *_, answer, helped = bot_messages(conversation)
    assert answer.text == "Orders ship within 2 business days."
    assert helped.text == "Did this answer your question?"
    assert openai_server.requests("/chat/completions")


def test_wording_is_off_by_default(shipping, member, visitor, openai_server):
    providers.save_providers(member, providers.Settings(generation_url=openai_server.url, generation_model="small"))
    conversation = start(member, visitor)

    say(conversation, "When will my order arrive?")

    assert bot_messages(conversation)[-2].text == "Orders ship within 2 business days."
    assert not openai_server.requests("/chat/completions")


def test_an_unreachable_embeddings_provider_never_stops_the_bot(shipping, member, visitor, openai_server, caplog):
    providers.save_providers(member, providers.Settings(embeddings_url=openai_server.url, embeddings_model="bow"))
    encode_provider_vectors.call(member.workspace_id)
    conversation = start(member, visitor)
    openai_server.stop()

    with caplog.at_level(logging.WARNING, logger="knowledge.provider_vectors"):
        say(conversation, "When will my order arrive?")

    assert bot_messages(conversation)[-2].text == "Orders ship within 2 business days."
    assert "answered offline" in caplog.text
