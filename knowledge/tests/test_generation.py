"""compose(): an answer worded by a chat-completions service from the retrieved entries only, in the visitor's
language, with the entries it used; NO_ANSWER is an abstention; a failure, timeout or malformed reply is None
and logged."""

import logging
from collections.abc import Iterator

import pytest

from knowledge import actions, generation
from knowledge.answering import Context, answer
from knowledge.generation import Composed, compose
from knowledge.models import Providers
from knowledge.tests.openai_server import OpenAI, Server, serve
from tests.servers import free_port

pytestmark = pytest.mark.django_db

QUESTION = "When will my order arrive?"


@pytest.fixture
def openai_server() -> Iterator[Server]:
    yield from serve()


@pytest.fixture
def found(member, workspace):
    actions.create_entry(
        member,
        language="en",
        question="How long does delivery take?",
        answer="Orders ship within 2 business days.",
        phrasings=["When will my order arrive?"],
    )
    actions.create_entry(member, language="en", question="Can I return an item?", answer="Returns are free.")
    actions.create_entry(member, language="en", question="Do you gift wrap?", answer="Yes, for $3.")
    actions.create_entry(member, language="en", question="Where is the shop?", answer="SECRET-ADDRESS 42.")
    result = answer(QUESTION, workspace, Context(language="de"))
    assert len(result.matches) == 3
    return result


def providers_at(workspace, url: str, *, enabled: bool = True) -> Providers:
    return Providers(
        workspace=workspace,
        generation_enabled=enabled,
        generation_url=url,
        generation_model="small",
        generation_key="sk-g",
    )


def test_the_answer_is_worded_from_the_retrieved_entries_only(found, workspace, openai_server):
    OpenAI.chat = "Ihre Bestellung wird innerhalb von 2 Werktagen versandt.\nSOURCES: 1"

    composed = compose(QUESTION, found.matches, "de", providers_at(workspace, openai_server.url))

    assert composed == Composed("Ihre Bestellung wird innerhalb von 2 Werktagen versandt.", [found.matches[0]])
    [call] = openai_server.requests("/chat/completions")
    body = call["body"]
    assert call["auth"] == "Bearer sk-g"
    assert (body["model"], body["temperature"]) == ("small", 0)
    system, user = body["messages"]
    assert system["role"] == "system" and "ONLY" in system["content"] and "Deutsch (de)" in system["content"]
    assert "NO_ANSWER" in system["content"]
    for match in found.matches:
        assert match.variant.question in user["content"] and match.variant.answer in user["content"]
    retrieved = {m.entry.pk for m in found.matches}
    left_out = [v for v in found.matches[0].entry.workspace.knowledge.all() if v.pk not in retrieved]
    assert left_out
    for entry in left_out:
        assert entry.variants.get().answer not in user["content"]
    assert QUESTION in user["content"]


def test_the_sources_are_the_entries_it_cites_or_the_best_one(found, workspace, openai_server):
    OpenAI.chat = "Both.\nSOURCES: 3, 1, 9"
    cited = compose(QUESTION, found.matches, "en", providers_at(workspace, openai_server.url))
    OpenAI.chat = "Orders ship within 2 business days."
    uncited = compose(QUESTION, found.matches, "en", providers_at(workspace, openai_server.url))

    assert cited is not None and cited.sources == [found.matches[0], found.matches[2]]
    assert uncited is not None and uncited.sources == [found.matches[0]]


def test_no_answer_is_an_abstention(found, workspace, openai_server):
    OpenAI.chat = "NO_ANSWER"

    composed = compose("Do you sell gift cards?", found.matches, "en", providers_at(workspace, openai_server.url))

    assert composed is not None and composed.abstained and composed.sources == []


@pytest.mark.parametrize("reply", ["error", "unauthorized", "garbage", "slow", "", "x" * 4000])
def test_a_failure_timeout_or_unusable_reply_is_none_and_logged(
    found, workspace, openai_server, caplog, monkeypatch, reply
):
    monkeypatch.setattr(generation, "TIMEOUT", 0.5)
    OpenAI.chat = reply

    with caplog.at_level(logging.WARNING, logger="knowledge.generation"):
        composed = compose(QUESTION, found.matches, "en", providers_at(workspace, openai_server.url))

    assert composed is None and "Knowledge:" in caplog.text


def test_an_unreachable_service_is_none(found, workspace, caplog):
    with caplog.at_level(logging.WARNING, logger="knowledge.generation"):
        composed = compose(QUESTION, found.matches, "en", providers_at(workspace, f"http://127.0.0.1:{free_port()}/v1"))

    assert composed is None and "ConnectError" in caplog.text


def test_nothing_is_asked_when_wording_is_off_or_nothing_was_found(found, workspace, openai_server):
    assert compose(QUESTION, found.matches, "en", providers_at(workspace, openai_server.url, enabled=False)) is None
    assert compose(QUESTION, [], "en", providers_at(workspace, openai_server.url)) is None
    assert not OpenAI.seen
