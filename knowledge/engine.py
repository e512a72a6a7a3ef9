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
from collections import Counter, defaultdict
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

    def __init__(self, phrasings: Sequence[Phrasing]) -> None:
        self.entry_ids = sorted({p.entry_id for p in phrasings})
        position = {entry_id: i for i, entry_id in enumerate(self.entry_ids)}
        self._entry_of = np.array([position[p.entry_id] for p in phrasings], dtype=np.intp)
        dim = phrasings[0].vector.shape[0] if phrasings else 1
        self._vectors = np.stack([p.vector for p in phrasings]) if phrasings else np.zeros((0, dim), np.float32)
        centroids = np.zeros((len(self.entry_ids), dim), dtype=np.float32)
        np.add.at(centroids, self._entry_of, self._vectors)
        norms = np.linalg.norm(centroids, axis=1, keepdims=True)
        self._centroids = centroids / np.where(norms == 0, 1, norms)
        self._lexical = _Lexical([p.text for p in phrasings])

    def __len__(self) -> int:
        return len(self.entry_ids)

    def rank(self, text: str, vector: np.ndarray, limit: int = 3, among: np.ndarray | None = None) -> Ranking:
        """The best `limit` entries for the question; `among` (a mask over entry_ids) leaves the others out."""
        kept = np.arange(len(self.entry_ids)) if among is None else np.flatnonzero(among)
        if not len(kept):
            return Ranking([], -math.inf)
        lexical = self._lexical.similarity(text)
        closest = self._best_per_entry(self._vectors @ vector + LEXICAL_WEIGHT * lexical)
        centroid = self._centroids @ vector + LEXICAL_WEIGHT * self._best_per_entry(lexical)
        scores = ((closest + centroid) / 2)[kept]
        order = np.argsort(-scores)[:limit]
        candidates = [Candidate(self.entry_ids[kept[i]], float(scores[i])) for i in order]
        return Ranking(candidates, confidence(scores))

    def _best_per_entry(self, per_phrasing: np.ndarray) -> np.ndarray:
        best = np.full(len(self.entry_ids), -np.inf)
        np.maximum.at(best, self._entry_of, per_phrasing)
        return best


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
    """TF-IDF over character n-grams (knowledge.text.grams), searched through postings."""

    def __init__(self, texts: Sequence[str]) -> None:
        counted = [grams(t) for t in texts]
        frequency = Counter(g for c in counted for g in c)
        self._size = len(texts)
        self._idf = {g: math.log((self._size + 1) / (n + 1)) + 1 for g, n in frequency.items()}
        self._unseen_idf = math.log(self._size + 1) + 1
        rows: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for i, c in enumerate(counted):
            for g, weight in self._weigh(c).items():
                rows[g].append((i, weight))
        self._postings = {
            g: (np.array([i for i, _ in row], dtype=np.intp), np.array([w for _, w in row])) for g, row in rows.items()
        }

    def _weigh(self, counted: Counter[str]) -> dict[str, float]:
        weights = {g: (1 + math.log(n)) * self._idf.get(g, self._unseen_idf) for g, n in counted.items()}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        return {g: w / norm for g, w in weights.items()}

    def similarity(self, text: str) -> np.ndarray:
        scores = np.zeros(self._size)
        for g, weight in self._weigh(grams(text)).items():
            if (posting := self._postings.get(g)) is not None:
                rows, weights = posting
                scores[rows] += weight * weights
        return scores
