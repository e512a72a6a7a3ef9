"""Ranks a workspace's knowledge entries for a question and says how sure it is.

Each entry has phrasings (its question asked several ways, in any languages); an entry written in one
language still matches questions in others, through the multilingual vectors. An entry's score is half the
best phrasing's (meaning plus a little of its character n-grams, which forgive typos and keyboard-layout
slips) and half the entry's centroid (all its phrasings' meanings averaged) plus its best n-gram match.

The raw cosines of this model are compressed (unrelated pairs score 0.8 and more), so confidence is mostly
how far the best entry stands out from the rest for this question, in standard deviations, plus its level.
The bar a question's confidence must clear is calibrated per workspace (`threshold`), never fixed.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from knowledge.text import grams

LEXICAL_WEIGHT = 0.1
LEVEL_WEIGHT = 10.0


@dataclass(frozen=True)
class Phrasing:
    entry_id: int
    text: str
    vector: np.ndarray  # L2-normalised


@dataclass(frozen=True)
class Candidate:
    entry_id: int
    score: float


@dataclass(frozen=True)
class Ranking:
    candidates: list[Candidate]  # best first
    confidence: float


class Index:
    """The phrasings of one workspace's entries, ready to rank entries for a question."""

    def __init__(self, phrasings: Sequence[Phrasing], previous: "Index | None" = None) -> None:
        """`previous`, the index this one replaces, lends what it already worked out for the same texts."""
        phrasings = sorted(phrasings, key=lambda p: p.entry_id)  # an entry's phrasings side by side
        self.entry_ids = sorted({p.entry_id for p in phrasings})
        entry_of = np.array([p.entry_id for p in phrasings], dtype=np.int64)
        self._starts = np.flatnonzero(np.r_[True, entry_of[1:] != entry_of[:-1]]) if phrasings else entry_of
        dim = phrasings[0].vector.shape[0] if phrasings else 1
        self._vectors = np.stack([p.vector for p in phrasings]) if phrasings else np.zeros((0, dim), np.float32)
        centroids = np.add.reduceat(self._vectors, self._starts) if phrasings else self._vectors
        norms = np.linalg.norm(centroids, axis=1, keepdims=True)
        self._centroids = centroids / np.where(norms == 0, 1, norms)
        self._lexical: _Lexical = _Lexical([p.text for p in phrasings], previous._lexical if previous else None)

    def __len__(self) -> int:
        return len(self.entry_ids)

    def rank(self, text: str, vector: np.ndarray, limit: int = 3, among: np.ndarray | None = None) -> Ranking:
        """The best `limit` entries for the question; `among` (a mask over entry_ids) leaves the others out."""
        kept = np.arange(len(self.entry_ids)) if among is None else np.flatnonzero(among)
        if not len(kept):
            return Ranking([], -math.inf)
        return ranking([self.entry_ids[i] for i in kept], self.scores(text, vector)[kept], limit)

    def scores(self, text: str, vector: np.ndarray) -> np.ndarray:
        """Every entry's score for the question, in the order of entry_ids."""
        lexical = self._lexical.similarity(text)
        closest = self._best_per_entry(self._vectors @ vector + LEXICAL_WEIGHT * lexical)
        centroid = self._centroids @ vector + LEXICAL_WEIGHT * self._best_per_entry(lexical)
        return (closest + centroid) / 2

    def _best_per_entry(self, per_phrasing: np.ndarray) -> np.ndarray:
        return np.maximum.reduceat(per_phrasing, self._starts)


def ranking(entry_ids: Sequence[int], scores: np.ndarray, limit: int = 3) -> Ranking:
    order = np.argsort(-scores)[:limit]
    return Ranking([Candidate(entry_ids[i], float(scores[i])) for i in order], confidence(scores))


def confidence(scores: np.ndarray) -> float:
    best = float(scores.max())
    spread = float(scores.std())
    standing = (best - float(scores.mean())) / spread if spread > 0 else 0.0
    return standing + LEVEL_WEIGHT * best


def threshold(out_of_scope: Sequence[float], reject: float = 0.85) -> float:
    """The confidence a question must exceed to be answered: above `reject` of questions no entry answers."""
    if not out_of_scope:
        return -math.inf
    return float(np.quantile(np.asarray(out_of_scope), reject))


class _Lexical:
    """TF-IDF over character n-grams (knowledge.text.grams), in arrays: a posting list per gram.

    Counting a text's grams is the costly part, so a rebuilt index takes the counts of the texts it shares
    with the index it replaces (`previous`) and counts only new texts.
    """

    def __init__(self, texts: Sequence[str], previous: "_Lexical | None" = None) -> None:
        self._vocabulary: dict[str, int] = dict(previous._vocabulary) if previous else {}
        known = previous._counted if previous else {}
        self._counted: dict[str, tuple[np.ndarray, np.ndarray]] = {
            text: known.get(text) or self._count(text) for text in texts
        }
        rows = [self._counted[text] for text in texts]
        self._size = len(texts)
        doc = np.repeat(np.arange(self._size), [len(ids) for ids, _ in rows])
        gram = np.concatenate([ids for ids, _ in rows]) if rows else np.zeros(0, np.intp)
        count = np.concatenate([counts for _, counts in rows]) if rows else np.zeros(0)
        frequency = np.bincount(gram, minlength=len(self._vocabulary))
        self._idf = np.log((self._size + 1) / (frequency + 1)) + 1
        self._unseen_idf = math.log(self._size + 1) + 1
        weight = (1 + np.log(count)) * self._idf[gram]
        weight /= np.sqrt(np.bincount(doc, weight * weight, minlength=self._size))[doc]
        order = np.argsort(gram, kind="stable")
        self._docs, self._weights = doc[order], weight[order]
        self._starts = np.searchsorted(gram[order], np.arange(len(self._vocabulary) + 1))

    def _count(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        counted = grams(text)
        ids = [self._vocabulary.setdefault(g, len(self._vocabulary)) for g in counted]
        return np.array(ids, dtype=np.intp), np.array(list(counted.values()), dtype=np.float64)

    def similarity(self, text: str) -> np.ndarray:
        scores = np.zeros(self._size)
        counted = grams(text)
        if not counted:
            return scores
        ids = [self._vocabulary.get(g, -1) for g in counted]
        idf = np.array([self._idf[i] if i >= 0 else self._unseen_idf for i in ids])
        weights = (1 + np.log(np.fromiter(counted.values(), float))) * idf
        weights /= np.linalg.norm(weights)
        for i, weight in zip(ids, weights, strict=True):
            if i >= 0:
                start, end = self._starts[i], self._starts[i + 1]
                scores[self._docs[start:end]] += weight * self._weights[start:end]
        return scores
