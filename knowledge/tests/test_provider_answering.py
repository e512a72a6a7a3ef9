"""Answering with an embeddings provider: its vectors are encoded in the background, in batches, with the
progress on the providers page; questions rank with them once every phrasing has one; until then, and
whenever the provider fails, is unreachable or slow, the offline vectors answer and a warning is logged."""

import logging
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django_tasks_db.models import DBTaskResult

from knowledge import actions, provider_vectors, providers
from knowledge.answering import answer
from knowledge.models import ProviderVector
from knowledge.tasks import encode_provider_vectors
from knowledge.tests.openai_server import OpenAI, Server, bag_of_words, serve

pytestmark = pytest.mark.django_db

PROGRESS = "/settings/knowledge/providers/progress/"
NONSENSE = "Qwerty zxcvb plonk?"  # no word of any entry: the offline model cannot place it


@pytest.fixture
def openai_server() -> Iterator[Server]:
    yield from serve()


@pytest.fixture
def faq(member):
    shipping = actions.create_entry(
        member,
        language="en",
        question="How long does delivery take?",
        answer="Orders ship within 2 business days.",
        phrasings=["When will my order arrive?", "How many days is shipping?"],
    )
    actions.create_entry(
        member, language="en", question="Can I return an item?", answer="Returns are free within 30 days."
    )
    payment = actions.create_entry(
        member,
        language="en",
        question="Which payment methods do you accept?",
        answer="Cards, PayPal and bank transfer.",
        phrasings=["Can I pay by card?"],
    )
    return shipping, payment


def use_provider(member, server: Server) -> None:
    providers.save_providers(member, providers.Settings(embeddings_url=server.url, embeddings_model="bow"))


def asked_provider(server: Server, text: str) -> bool:
    return any(r["body"]["input"] == [text] for r in server.requests("/embeddings"))


def test_the_phrasings_are_encoded_in_batches_then_questions_rank_with_the_providers_vectors(
    faq, member, workspace, openai_server
):
    _, payment = faq
    use_provider(member, openai_server)
    OpenAI.vectors[NONSENSE] = bag_of_words("Can I pay by card?")  # the provider knows what it means
    offline = answer(NONSENSE, workspace)
    assert not asked_provider(openai_server, NONSENSE)  # nothing encoded yet: offline only
    assert provider_vectors.progress(workspace.pk).encoded == 0

    encode_provider_vectors.call(workspace.pk)

    assert provider_vectors.progress(workspace.pk) == provider_vectors.Progress(encoded=6, total=6, problem="")
    phrasing_batches, *out_of_scope_batches = [r["body"]["input"] for r in openai_server.requests("/embeddings")]
    assert len(phrasing_batches) == 6 and all(len(batch) <= provider_vectors.BATCH for batch in out_of_scope_batches)
    found = answer(NONSENSE, workspace)
    assert asked_provider(openai_server, NONSENSE)
    assert found.matches[0].entry == payment and found.confident
    assert not (offline.confident and offline.matches[0].entry == payment)
    assert found.vector is not None and found.vector.shape == (384,)  # kept with the question: the offline one


def test_questions_about_entries_are_still_answered_right_with_the_provider(faq, member, workspace, openai_server):
    shipping, _ = faq
    use_provider(member, openai_server)
    encode_provider_vectors.call(workspace.pk)

    found = answer("how many days does shipping take", workspace)

    assert found.matches[0].entry == shipping and found.confident
    assert not answer("Who won the football match last night?", workspace).confident


def test_a_phrasing_added_is_encoded_after_commit_and_until_then_answers_are_offline(
    faq, member, workspace, openai_server, django_capture_on_commit_callbacks
):
    shipping, _ = faq
    use_provider(member, openai_server)
    encode_provider_vectors.call(workspace.pk)
    DBTaskResult.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        actions.add_phrasing(member, shipping, language="en", text="is my parcel stuck at customs")

    assert DBTaskResult.objects.filter(task_path__endswith="encode_provider_vectors").count() == 1
    answer("parcel customs", workspace)
    assert not asked_provider(openai_server, "parcel customs")  # one phrasing lacks the provider's vector

    encode_provider_vectors.call(workspace.pk)

    answer("parcel customs", workspace)
    assert asked_provider(openai_server, "parcel customs")
    assert ProviderVector.objects.count() == 7


def test_many_entries_at_once_queue_one_encoding(member, workspace, openai_server, django_capture_on_commit_callbacks):
    use_provider(member, openai_server)
    DBTaskResult.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            actions.create_entry(member, language="en", question=f"Question number {n}?", answer="An answer.")

    assert DBTaskResult.objects.filter(task_path__endswith="encode_provider_vectors").count() == 1


def test_an_unreachable_provider_leaves_the_question_to_the_offline_vectors_and_says_so_in_the_log(
    faq, member, workspace, openai_server, caplog
):
    shipping, _ = faq
    use_provider(member, openai_server)
    encode_provider_vectors.call(workspace.pk)
    answer("warm up", workspace)
    openai_server.stop()

    with caplog.at_level(logging.WARNING, logger="knowledge.provider_vectors"):
        found = answer("When will my order arrive?", workspace)

    assert found.matches[0].entry == shipping and found.confident
    assert "answered offline" in caplog.text


@pytest.mark.parametrize("failure", ["error", "slow"])
def test_a_failing_or_slow_provider_is_skipped_for_a_while(
    faq, member, workspace, openai_server, caplog, monkeypatch, failure
):
    monkeypatch.setattr(provider_vectors, "QUESTION_TIMEOUT", 0.5)
    shipping, _ = faq
    use_provider(member, openai_server)
    encode_provider_vectors.call(workspace.pk)
    OpenAI.embeddings = failure

    with caplog.at_level(logging.WARNING, logger="knowledge.provider_vectors"):
        first = answer("When will my order arrive?", workspace)
        second = answer("How many days is shipping?", workspace)

    assert first.matches[0].entry == shipping and second.matches[0].entry == shipping
    assert asked_provider(openai_server, "When will my order arrive?")
    assert not asked_provider(openai_server, "How many days is shipping?")  # paused after the failure
    assert caplog.text.count("answered offline") == 1


def test_a_failed_encoding_is_shown_and_answers_stay_offline(
    faq, member, workspace, operator_client, openai_server, caplog
):
    use_provider(member, openai_server)
    OpenAI.embeddings = "error"
    version = cache.get(f"parley:knowledge:{workspace.pk}")

    with caplog.at_level(logging.WARNING, logger="knowledge.provider_vectors"):
        encode_provider_vectors.call(workspace.pk)

    assert "stopped encoding" in caplog.text
    assert cache.get(f"parley:knowledge:{workspace.pk}") == version
    progress = operator_client.get(PROGRESS).content.decode()
    assert "0 of 6 phrasings encoded" in progress and "The service answered with HTTP 500" in progress
    assert "hx-trigger" not in progress  # nothing to wait for until it is saved again

    OpenAI.embeddings = "ok"
    encode_provider_vectors.call(workspace.pk)

    assert provider_vectors.progress(workspace.pk) == provider_vectors.Progress(encoded=6, total=6, problem="")


def test_the_progress_is_polled_while_the_encoding_runs(faq, member, workspace, operator_client, openai_server):
    use_provider(member, openai_server)

    running = operator_client.get(PROGRESS).content.decode()
    encode_provider_vectors.call(workspace.pk)
    finished = operator_client.get("/settings/knowledge/providers/").content.decode()

    assert "0 of 6 phrasings encoded" in running and 'hx-trigger="every 2s"' in running
    assert "6 of 6 phrasings encoded" in finished and "answers are found with this service" in finished
    assert 'hx-trigger="every 2s"' not in finished


def test_vectors_of_different_sizes_are_never_ranked_together(faq, member, workspace, openai_server):
    use_provider(member, openai_server)
    encode_provider_vectors.call(workspace.pk)
    ProviderVector.objects.filter(pk=ProviderVector.objects.first().pk).update(vector=b"\0" * 16)

    actions.create_entry(member, language="en", question="Do you gift wrap?", answer="Yes.")
    encode_provider_vectors.call(workspace.pk)
    found = answer("When will my order arrive?", workspace)

    assert found.matches[0].entry == faq[0]
    assert not asked_provider(openai_server, "When will my order arrive?")
