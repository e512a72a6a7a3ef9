#!/usr/bin/env python3
"""Sanity check for knowledge/data/out_of_scope.json, the shipped list of questions no business FAQ answers.

Run from the repository root:  python3 knowledge/data/check_out_of_scope.py
Standard library only. Exits with status 1 if any problem is found.

Checks: the 14 languages, exactly 20 non-empty unique strings each; each language's script (one entry per
language may be letter-free: the single emoji or "???"); no string equal to a question of the evaluation set
bench/knowledge_eval/faq_eval.json (its out-of-scope questions, phrasings, held-out and misspelled questions);
and none sharing a run of words (of characters in Japanese, Chinese and Khmer) with one of the set's
out-of-scope questions in the same language, a sign of a close paraphrase. The set's own out-of-scope
questions then measure rejection honestly.
"""

import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA_FILE = HERE / "out_of_scope.json"
EVAL_FILE = HERE.parent.parent / "bench" / "knowledge_eval" / "faq_eval.json"
LANGS = ["en", "ru", "de", "fr", "es", "pt", "tr", "ar", "zh", "ja", "kk", "mn", "km", "lt"]
PER_LANG = 20
EVAL_KINDS = ("phrasings", "held_out", "misspelled")

LATIN = re.compile(r"[A-Za-z\u00C0-\u024F]")
CYRILLIC = re.compile(r"[\u0400-\u04FF]")
KHMER = re.compile(r"[\u1780-\u17FF]")
ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFF]")
CJK = re.compile(r"[\u3400-\u4DBF\u4E00-\u9FFF]")
KANA = re.compile(r"[\u3040-\u309F\u30A0-\u30FF]")
JAPANESE = re.compile(r"[\u3040-\u309F\u30A0-\u30FF\u3400-\u4DBF\u4E00-\u9FFF]")
SCRIPTS = {
    "en": ("Latin", LATIN),
    "de": ("Latin", LATIN),
    "fr": ("Latin", LATIN),
    "es": ("Latin", LATIN),
    "pt": ("Latin", LATIN),
    "tr": ("Latin", LATIN),
    "lt": ("Latin", LATIN),
    "ru": ("Cyrillic", CYRILLIC),
    "kk": ("Cyrillic", CYRILLIC),
    "mn": ("Cyrillic", CYRILLIC),
    "km": ("Khmer", KHMER),
    "ar": ("Arabic", ARABIC),
    "zh": ("CJK", CJK),
    "ja": ("kana/kanji", JAPANESE),
}
SPACED = {"en", "ru", "de", "fr", "es", "pt", "tr", "ar", "kk", "mn", "lt"}
# A run this long shared with one of the eval set's out-of-scope questions counts as a close paraphrase.
SHARED_WORDS = 4  # spaced scripts, in words
SHARED_CHARS = {"ja": 6, "zh": 6, "km": 10}  # unspaced scripts, in characters (Khmer: code points, marks included)

problems = []


def problem(msg):
    problems.append(msg)


def norm(text):
    return text.strip().lower()


def has_letters(text):
    return any(ch.isalpha() or 0x1780 <= ord(ch) <= 0x17FF for ch in text)


def runs(lang, text):
    """Word runs (spaced scripts) or character runs (others) used to spot close paraphrases."""
    text = text.lower()
    if lang in SPACED:
        words = re.findall(r"\w+", text)
        n = SHARED_WORDS
    else:
        words = [ch for ch in text if ch.isalnum() or 0x1780 <= ord(ch) <= 0x17FF]
        n = SHARED_CHARS[lang]
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def eval_strings():
    """(lang, where, text, out_of_scope?) for every question of the evaluation set."""
    data = json.loads(EVAL_FILE.read_text(encoding="utf-8"))
    for lang, items in (data.get("out_of_scope") or {}).items():
        for j, text in enumerate(items):
            yield lang, f"out_of_scope.{lang}[{j}]", text, True
    for intent in data.get("intents") or []:
        for kind in EVAL_KINDS:
            for lang, items in (intent.get(kind) or {}).items():
                for j, text in enumerate(items):
                    yield lang, f"{intent.get('id')}.{kind}.{lang}[{j}]", text, False


def main():
    try:
        data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"cannot load {DATA_FILE}: {exc}")
        return 1
    try:
        evaluation = [e for e in eval_strings() if isinstance(e[2], str)]
    except (OSError, ValueError) as exc:
        print(f"cannot load {EVAL_FILE}: {exc}")
        return 1

    if not isinstance(data, dict) or set(data) != {"about", "questions"}:
        found = sorted(data) if isinstance(data, dict) else data
        problem(f"top level: expected keys 'about' and 'questions', got {found!r}")
        data = data if isinstance(data, dict) else {}
    about = data.get("about")
    if not isinstance(about, str) or not about.strip():
        problem("about: must be a non-empty string")
    questions = data.get("questions")
    if not isinstance(questions, dict):
        problem("questions: not an object")
        questions = {}
    if sorted(questions) != sorted(LANGS):
        missing = [lang for lang in LANGS if lang not in questions]
        extra = [lang for lang in questions if lang not in LANGS]
        problem(f"questions: languages missing {missing}, unexpected {extra}")

    eval_exact = {}
    eval_runs = {}
    for lang, where, text, out_of_scope in evaluation:
        eval_exact.setdefault(norm(text), where)
        if out_of_scope and lang in SCRIPTS:
            for run in runs(lang, text):
                eval_runs.setdefault((lang, run), (where, text))

    counts = {}
    for lang in LANGS:
        items = questions.get(lang)
        if not isinstance(items, list):
            if lang in questions:
                problem(f"{lang}: not a list")
            continue
        counts[lang] = len(items)
        if len(items) != PER_LANG:
            problem(f"{lang}: {len(items)} strings, expected exactly {PER_LANG}")
        seen = {}
        letter_free = []
        name, script = SCRIPTS[lang]
        for j, text in enumerate(items):
            where = f"{lang}[{j}]"
            if not isinstance(text, str) or not text.strip():
                problem(f"{where}: empty or non-string value {text!r}")
                continue
            if text != text.strip():
                problem(f"{where}: leading or trailing whitespace in {text!r}")
            key = norm(text)
            if key in seen:
                problem(f"{where}: duplicate of {lang}[{seen[key]}]: {text!r}")
            seen.setdefault(key, j)
            if key in eval_exact:
                problem(f"{where}: same as the eval set's {eval_exact[key]}: {text!r}")
            for run in runs(lang, text):
                hit = eval_runs.get((lang, run))
                if hit:
                    shared = " ".join(run) if lang in SPACED else "".join(run)
                    problem(f"{where}: shares {shared!r} with the eval set's {hit[0]} {hit[1]!r}: {text!r}")
                    break
            if not has_letters(text):
                letter_free.append(where)
            elif not script.search(text):
                problem(f"{where}: no {name} characters in {text!r}")
            if lang == "zh" and KANA.search(text):
                problem(f"{where}: kana in a Chinese string: {text!r}")
        if len(letter_free) > 1:
            problem(f"{lang}: {len(letter_free)} letter-free entries {letter_free}, at most 1 (the emoji/??? one)")

    print(f"file: {DATA_FILE}")
    print(f"checked against {len(evaluation)} questions of {EVAL_FILE.name}")
    print(f"languages: {len(counts)}  strings: {sum(counts.values())}")
    print("  " + "  ".join(f"{lang}: {counts.get(lang, 0)}" for lang in LANGS))
    if problems:
        print(f"\nFAILED: {len(problems)} problem(s)")
        for msg in problems:
            print("  - " + msg)
        return 1
    print("\nOK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
