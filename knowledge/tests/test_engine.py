"""Ranking entries for a question with the offline model: across languages, through typos, and with a
confidence that puts unrelated questions below related ones."""

import math

import numpy as np
import pytest

from knowledge import engine
from knowledge.embeddings import OfflineEncoder

ENTRIES = {
    1: ["How long does delivery take?", "When will my order arrive?"],
    2: ["Can I return an item?", "How do I send something back?"],
    3: ["Which payment methods do you accept?", "Can I pay by card?"],
    4: ["Do you gift wrap orders?", "Can you wrap it as a present?"],
    5: ["How do I reset my password?", "I forgot my password"],
}
OUT_OF_SCOPE = ["Who won the football match yesterday?", "Tell me a joke", "What is 17 times 23?", "hi"]


@pytest.fixture(scope="module")
def encode():
    encoder = OfflineEncoder()
    cache: dict[str, np.ndarray] = {}

    def vector(text: str) -> np.ndarray:
        if text not in cache:
            cache[text] = encoder.encode([text])[0]
        return cache[text]

    return vector


@pytest.fixture(scope="module")
def index(encode) -> engine.Index:
    return engine.Index([engine.Phrasing(e, t, encode(t)) for e, texts in ENTRIES.items() for t in texts])


def best(index: engine.Index, encode, question: str) -> int:
    return index.rank(question, encode(question)).candidates[0].entry_id


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("Сколько дней идёт доставка?", 1),  # Russian against English phrasings
        ("配送には何日かかりますか", 1),
        ("¿Puedo devolver un producto?", 2),
        ("Жеткізу қанша күн алады?", 1),
        ("can i pay with visa", 3),
    ],
)
def test_a_question_in_another_language_finds_the_entry(index, encode, question, entry):
    assert best(index, encode, question) == entry


def test_typos_still_find_the_entry(index, encode):
    assert best(index, encode, "how do i rest my pasword") == 5
    assert best(index, encode, "gift wraping") == 4


def test_unrelated_questions_are_less_sure_than_related_ones(index, encode):
    related = [index.rank(q, encode(q)).confidence for q in ("When does my parcel come?", "Is Mastercard ok?")]
    unrelated = [index.rank(q, encode(q)).confidence for q in OUT_OF_SCOPE]
    assert min(related) > max(unrelated)


def test_the_bar_rejects_the_share_of_out_of_scope_questions_asked():
    scores = [float(n) for n in range(100)]
    assert engine.threshold(scores, reject=0.85) == pytest.approx(84.15)
    assert engine.threshold([]) == -math.inf


def test_candidates_come_best_first_and_an_empty_index_has_none(index, encode):
    ranking = index.rank("How long does delivery take?", encode("How long does delivery take?"))
    scores = [c.score for c in ranking.candidates]
    assert len(scores) == 3 and scores == sorted(scores, reverse=True)
    assert engine.Index([]).rank("anything", encode("anything")) == engine.Ranking([], -math.inf)


def test_an_index_rebuilt_from_the_previous_one_ranks_as_one_built_afresh(index, encode):
    """Rebuilding after an edit reuses the previous index's n-gram counts: the result must not differ."""
    changed = {**ENTRIES, 2: ["How do I send something back?"], 6: ["Do you ship abroad?", "Livraison à l'étranger ?"]}
    phrasings = [engine.Phrasing(e, t, encode(t)) for e, texts in changed.items() for t in texts]
    rebuilt, fresh = engine.Index(phrasings, previous=index), engine.Index(phrasings)

    for question in ["can you ship to france", "how to retrun an item", "gift wraping", "Сколько дней доставка?"]:
        assert rebuilt.rank(question, encode(question)) == fresh.rank(question, encode(question))
    assert best(rebuilt, encode, "livraison a l etranger") == 6
