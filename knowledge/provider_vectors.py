"""The embeddings provider's vectors of a workspace's phrasings, kept beside the offline ones, which stay the
fallback.

They are encoded in the background, in batches, after the provider is saved and whenever phrasings are added.
Answering ranks with them only once every phrasing has one and the shipped out-of-scope questions (which
calibrate the confidence bar) are encoded too; until then, and whenever the provider cannot be reached in
time, it answers offline.
"""

import hashlib
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.core.cache import cache as shared_cache
from django.db import transaction
from django.db.models import QuerySet

from knowledge import engine
from knowledge.embeddings import EncoderUnavailable, HttpEncoder, describe
from knowledge.models import Phrasing, Providers, ProviderVector

log = logging.getLogger(__name__)

BATCH = 32  # texts per call while encoding in the background
QUESTION_TIMEOUT = 3.0  # seconds a visitor's question waits for the provider before the offline answer
BATCH_TIMEOUT = 30.0
PAUSE_AFTER_FAILURE = 30.0  # seconds answering stays offline after the provider failed a question
OUT_OF_SCOPE = Path(__file__).resolve().parent / "data" / "out_of_scope.json"


def encoder_for(providers: Providers | None, timeout: float | None = None) -> HttpEncoder | None:
    """The workspace's embeddings provider, when it has one; by default as a visitor's question calls it."""
    if providers is None or not providers.embeddings_url or not providers.embeddings_model:
        return None
    return HttpEncoder(
        providers.embeddings_url,
        providers.embeddings_model,
        providers.embeddings_key,
        timeout=QUESTION_TIMEOUT if timeout is None else timeout,
    )


@dataclass(frozen=True)
class Progress:
    encoded: int
    total: int
    problem: str  # why the last encoding stopped, when it did

    @property
    def complete(self) -> bool:
        return self.encoded >= self.total


def progress(workspace_id: int) -> Progress | None:
    """How many of the workspace's phrasings have the provider's vector; None without a provider."""
    encoder = encoder_for(Providers.objects.filter(workspace_id=workspace_id).first())
    if encoder is None:
        return None
    return Progress(
        encoded=_vectors(workspace_id, encoder.name).count(),
        total=Phrasing.objects.filter(entry__workspace_id=workspace_id).count(),
        problem=shared_cache.get(_problem_key(workspace_id), ""),
    )


def catch_up(workspace_id: int) -> None:
    """Once the current transaction commits: encode in the background whatever the provider lacks. Many calls
    in a row (an import) queue one task."""

    def enqueue() -> None:
        encoder = encoder_for(Providers.objects.filter(workspace_id=workspace_id).first())
        if encoder is None:
            return
        lacking = _missing(workspace_id, encoder.name).exists() or _out_of_scope_vectors(encoder.name) is None
        if lacking and shared_cache.add(_queued_key(workspace_id), True, 600):
            from knowledge.tasks import encode_provider_vectors  # it calls encode_missing

            encode_provider_vectors.enqueue(workspace_id)

    transaction.on_commit(enqueue)


def encode_missing(workspace_id: int) -> None:
    """Encode the phrasings (then the out-of-scope questions) that lack the provider's vector, batch by batch;
    answering switches to them when all are there. A failure is kept for the providers page and ends the run:
    the next save or added phrasing tries again."""
    shared_cache.delete(_queued_key(workspace_id))
    encoder = encoder_for(Providers.objects.filter(workspace_id=workspace_id).first(), BATCH_TIMEOUT)
    if encoder is None:
        return
    shared_cache.delete(_problem_key(workspace_id))
    missing = _missing(workspace_id, encoder.name).order_by("pk").values_list("pk", "text")
    done: set[int] = set()
    try:
        while (batch := list(missing[:BATCH])) and batch[0][0] not in done:
            vectors = _checked(encoder.encode([text for _, text in batch]))
            ProviderVector.objects.bulk_create(
                [
                    ProviderVector(phrasing_id=pk, encoder=encoder.name, vector=vector.astype(np.float32).tobytes())
                    for (pk, _), vector in zip(batch, vectors, strict=True)
                ],
                ignore_conflicts=True,  # another run stored it meanwhile
            )
            done.update(pk for pk, _ in batch)
        encoded_out_of_scope = _encode_out_of_scope(encoder)
    except EncoderUnavailable as error:
        log.warning("Knowledge: the embeddings provider of workspace %s stopped encoding: %s", workspace_id, error)
        shared_cache.set(_problem_key(workspace_id), describe(error), None)
        return
    if done or encoded_out_of_scope:
        from knowledge import answering  # it ranks with what this stores

        answering.forget(workspace_id)


class Ranker:
    """The workspace's index over the provider's vectors, with its own calibrated bar."""

    def __init__(self, encoder: HttpEncoder, index: engine.Index, bar: float, dimension: int) -> None:
        self.encoder, self.index, self.bar = encoder, index, bar
        self._dimension = dimension
        self._paused_until = 0.0

    def vector(self, text: str) -> np.ndarray | None:
        """The question's vector from the provider; None (logged) when it cannot be had in time, and for a
        while after that, so a provider that is down does not slow every answer."""
        if time.monotonic() < self._paused_until:
            return None
        try:
            vector = _checked(self.encoder.encode([text]))[0]
            if vector.shape != (self._dimension,):
                raise EncoderUnavailable(f"{vector.shape[0]} numbers where the phrasings have {self._dimension}")
        except EncoderUnavailable as error:
            log.warning("Knowledge answered offline, the embeddings provider failed: %s", error)
            self._paused_until = time.monotonic() + PAUSE_AFTER_FAILURE
            return None
        return vector


def ranker(workspace_id: int, offline: engine.Index, out_of_scope: list[str]) -> Ranker | None:
    """The provider's ranker when every phrasing the offline index has is encoded by it, else None (asking
    for what is missing to be encoded). Reads stored vectors only: no call to the provider."""
    encoder = encoder_for(Providers.objects.filter(workspace_id=workspace_id).first())
    if encoder is None:
        return None
    rows = _vectors(workspace_id, encoder.name).values_list("phrasing__entry_id", "phrasing__text", "vector")
    phrasings = [engine.Phrasing(entry_id, text, np.frombuffer(bytes(v), np.float32)) for entry_id, text, v in rows]
    negatives = _out_of_scope_vectors(encoder.name)
    total = Phrasing.objects.filter(entry__workspace_id=workspace_id).count()
    if len(phrasings) < total or negatives is None:
        catch_up(workspace_id)
        return None
    shapes = {p.vector.shape for p in phrasings} | {v.shape for v in negatives.values()}
    if len(shapes) != 1:
        log.warning("Knowledge: the embeddings provider of workspace %s gave vectors of different sizes", workspace_id)
        return None
    index = engine.Index(phrasings, previous=offline)
    if index.entry_ids != offline.entry_ids:  # answering's masks are over the offline index's entries
        return None
    texts = [t for t in out_of_scope if t in negatives]
    bar = engine.threshold([index.rank(t, negatives[t]).confidence for t in texts]) if len(index) else 0.0
    return Ranker(encoder, index, bar, dimension=shapes.pop()[0])


def _encode_out_of_scope(encoder: HttpEncoder) -> bool:
    """The shipped out-of-scope questions, all languages, encoded once per provider and kept in the cache.
    Whether it had to."""
    if _out_of_scope_vectors(encoder.name) is not None:
        return False
    texts = [t for questions in json.loads(OUT_OF_SCOPE.read_text())["questions"].values() for t in questions]
    vectors = np.concatenate([_checked(encoder.encode(texts[i : i + BATCH])) for i in range(0, len(texts), BATCH)])
    stored = {t: v.astype(np.float32).tobytes() for t, v in zip(texts, vectors, strict=True)}
    shared_cache.set(_out_of_scope_key(encoder.name), stored, None)
    return True


def _out_of_scope_vectors(encoder_name: str) -> dict[str, np.ndarray] | None:
    stored = shared_cache.get(_out_of_scope_key(encoder_name))
    return None if stored is None else {t: np.frombuffer(v, np.float32) for t, v in stored.items()}


def _checked(vectors: np.ndarray) -> np.ndarray:
    """Vectors worth ranking with: finite numbers, not empty."""
    if vectors.ndim != 2 or not vectors.shape[1] or not np.isfinite(vectors).all():
        raise EncoderUnavailable(f"unusable vectors of shape {vectors.shape}")
    return vectors


def _missing(workspace_id: int, encoder_name: str) -> QuerySet[Phrasing]:
    return Phrasing.objects.filter(entry__workspace_id=workspace_id).exclude(provider_vectors__encoder=encoder_name)


def _vectors(workspace_id: int, encoder_name: str) -> QuerySet[ProviderVector]:
    return ProviderVector.objects.filter(phrasing__entry__workspace_id=workspace_id, encoder=encoder_name)


def _problem_key(workspace_id: int) -> str:
    return f"parley:knowledge:provider-problem:{workspace_id}"


def _queued_key(workspace_id: int) -> str:
    return f"parley:knowledge:provider-queued:{workspace_id}"


def _out_of_scope_key(encoder_name: str) -> str:
    return f"parley:knowledge:provider-out-of-scope:{hashlib.sha256(encoder_name.encode()).hexdigest()}"
