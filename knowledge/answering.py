"""answer(question, workspace): the knowledge entries that answer a visitor's question, best first, in their
language where the entry has it, and whether the engine is sure enough to answer on its own.

Each process keeps one index per workspace, built from the stored vectors and rebuilt when the workspace's
knowledge changes (a version in the shared cache, bumped by knowledge.actions). The confidence bar comes
with it: calibrated on that index with the shipped out-of-scope questions of the workspace's languages.
"""

import json
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from uuid import uuid4

import numpy as np
from django.core.cache import cache as shared_cache

from knowledge import engine, provider_vectors
from knowledge.embeddings import offline_encoder
from knowledge.languages import detect
from knowledge.models import Entry, Phrasing, Variant
from workspaces.models import Workspace

QUESTION_MAX = 500  # characters read of a question; the rest says little more
OUT_OF_SCOPE = Path(__file__).resolve().parent / "data" / "out_of_scope.json"
OUT_OF_SCOPE_VECTORS = OUT_OF_SCOPE.with_suffix(".npz")  # made by data/encode_out_of_scope.py


@dataclass(frozen=True)
class Match:
    entry: Entry
    variant: Variant  # in the question's language when the entry has it (else the reply says so)
    score: float


@dataclass(frozen=True)
class Context:
    """Who asks: a visitor sees public entries only; an operator sees internal ones too."""

    public_only: bool = True
    language: str | None = None  # the asker's language tag when known (e.g. a visitor's "ru-RU")

    @property
    def primary_language(self) -> str | None:
        return (self.language or "").split("-")[0].lower() or None


@dataclass(frozen=True)
class Answer:
    language: str | None  # the question's, among the workspace's languages
    matches: list[Match]  # best first, at most three
    confident: bool  # the best match may be given as the answer
    confidence: float | None = None
    vector: np.ndarray | None = None  # the question's, kept with it when it is recorded


@dataclass(frozen=True)
class _Built:
    version: str
    index: engine.Index
    public: np.ndarray  # over index.entry_ids
    languages: tuple[str, ...]
    bar: float
    provider: provider_vectors.Ranker | None = None  # ranks in place of the offline vectors when it answers


_built: dict[int, _Built] = {}
_lock = threading.Lock()


def read_question(question: str) -> str:
    """What of a question is read: spaces folded, at most QUESTION_MAX characters."""
    return " ".join(question.split())[:QUESTION_MAX]


def answer(question: str, workspace: Workspace, context: Context = Context()) -> Answer:
    text = read_question(question)
    built = _index(workspace.pk)
    if not text or not len(built.index):
        return Answer(None, [], False)
    language = detect(text, built.languages, preferred=context.primary_language)
    vector = offline_encoder().encode([text])[0]  # also the one kept with the question (its groups are offline)
    index, query, bar = built.index, vector, built.bar
    if built.provider is not None and (provided := built.provider.vector(text)) is not None:
        index, query, bar = built.provider.index, provided, built.provider.bar
    ranking = index.rank(text, query, among=built.public if context.public_only else None)
    ids = [c.entry_id for c in ranking.candidates]
    entries = {e.pk: e for e in Entry.objects.filter(pk__in=ids).prefetch_related("variants")}
    matches = [
        Match(entries[c.entry_id], variant_for(entries[c.entry_id], language), c.score) for c in ranking.candidates
    ]
    return Answer(language, matches, ranking.confidence > bar, ranking.confidence, vector)


def forget(workspace_id: int) -> None:
    """The workspace's knowledge changed: every process rebuilds its index at its next question, and an
    embeddings provider encodes the new phrasings."""
    shared_cache.set(_version_key(workspace_id), uuid4().hex, None)
    provider_vectors.catch_up(workspace_id)


def variant_for(entry: Entry, language: str | None) -> Variant:
    """The entry in `language`, else in the language it was written in first."""
    variants = sorted(entry.variants.all(), key=lambda v: v.pk)
    return next((v for v in variants if v.language == language), variants[0])


def _index(workspace_id: int) -> _Built:
    version = shared_cache.get(_version_key(workspace_id)) or "0"
    built = _built.get(workspace_id)
    if built is not None and built.version == version:
        return built
    with _lock:
        built = _built.get(workspace_id)
        if built is not None and built.version == version:  # another thread has just built it
            return built
        rows = Phrasing.objects.filter(entry__workspace_id=workspace_id, encoder=offline_encoder().name)
        phrasings = [
            engine.Phrasing(entry_id, text, np.frombuffer(bytes(vector), dtype=np.float32))
            for entry_id, text, vector in rows.values_list("entry_id", "text", "vector")
        ]
        index = engine.Index(phrasings, previous=built.index if built else None)
        public_ids = set(Entry.objects.filter(workspace_id=workspace_id, public=True).values_list("pk", flat=True))
        public = np.array([entry_id in public_ids for entry_id in index.entry_ids], dtype=bool)
        languages = tuple(
            sorted(set(Variant.objects.filter(entry__workspace_id=workspace_id).values_list("language", flat=True)))
        )
        negatives = _out_of_scope(languages)
        bar = engine.threshold([index.rank(t, v).confidence for t, v in negatives]) if len(index) else 0.0
        provider = provider_vectors.ranker(workspace_id, index, [t for t, _ in negatives])
        _built[workspace_id] = built = _Built(version, index, public, languages, bar, provider)
    return built


def _out_of_scope(languages: tuple[str, ...]) -> list[tuple[str, np.ndarray]]:
    shipped = json.loads(OUT_OF_SCOPE.read_text())["questions"]
    texts = [t for language in languages for t in shipped.get(language, [])] or [
        t for questions in shipped.values() for t in questions
    ]
    vectors = out_of_scope_vectors()
    return [(t, vectors[t]) for t in texts]


@cache
def out_of_scope_vectors() -> dict[str, np.ndarray]:
    """The shipped questions' vectors, encoded ahead (280 encodings would hold up a first answer for seconds)."""
    with np.load(OUT_OF_SCOPE_VECTORS) as shipped:
        return dict(zip(shipped["texts"].tolist(), shipped["vectors"], strict=True))


def _version_key(workspace_id: int) -> str:
    return f"parley:knowledge:{workspace_id}"
