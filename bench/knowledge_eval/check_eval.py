#!/usr/bin/env python3
"""Sanity check for bench/knowledge_eval/faq_eval.json.

Run from the repository root:  python3 bench/knowledge_eval/check_eval.py
Standard library only. Exits with status 1 if any problem is found.
"""

import json
import re
import sys
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "faq_eval.json"
LANGS = ["en", "ru", "mn", "kk", "ja", "lt", "km", "es"]
MIN_INTENTS = 18
MIN_OOS = 12
COUNTS = {"phrasings": 3, "held_out": 3, "misspelled": 2}
ID_RE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")

KHMER = re.compile(r"[\u1780-\u17FF]")
JAPANESE = re.compile(r"[\u3040-\u309F\u30A0-\u30FF\u4E00-\u9FFF]")  # hiragana, katakana, CJK
CYRILLIC = re.compile(r"[\u0400-\u04FF]")
SCRIPT_RULES = {
    "km": ("Khmer", KHMER),
    "ja": ("kana/kanji", JAPANESE),
    "ru": ("Cyrillic", CYRILLIC),
    "mn": ("Cyrillic", CYRILLIC),
    "kk": ("Cyrillic", CYRILLIC),
}
# Letters that must not appear in "typed without diacritics" misspellings.
LT_DIACRITICS = set("ąčęėįšųūžĄČĘĖĮŠŲŪŽ")
ES_DIACRITICS = set("áéíóúüñÁÉÍÓÚÜÑ¿¡")
# Kazakh-specific letters; a Kazakh text typed on a Russian layout has none of them.
KK_SPECIFIC = set("әіңғүұқөһӘІҢҒҮҰҚӨҺ")
SPACE_LANGS = {"en", "ru", "mn", "kk", "lt", "es"}
MAX_SHARED_WORDS = 2  # held-out may share at most this many consecutive words with a phrasing

problems = []


def problem(msg):
    problems.append(msg)


def words(text):
    return re.findall(r"\w+", text.lower())


def ngrams(seq, n):
    return {tuple(seq[i : i + n]) for i in range(len(seq) - n + 1)}


def check_text(where, lang, text):
    if not isinstance(text, str) or not text.strip():
        problem(f"{where}: empty or non-string value")
        return False
    if lang in SCRIPT_RULES:
        name, rx = SCRIPT_RULES[lang]
        if not rx.search(text):
            problem(f"{where}: no {name} characters in {text!r}")
    return True


def check_lang_dict(where, value):
    if not isinstance(value, dict):
        problem(f"{where}: not an object")
        return {}
    missing = [lang for lang in LANGS if lang not in value]
    extra = [k for k in value if k not in LANGS]
    if missing:
        problem(f"{where}: missing languages {missing}")
    if extra:
        problem(f"{where}: unexpected languages {extra}")
    return value


def main():
    try:
        data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"cannot load {DATA_FILE}: {exc}")
        return 1

    for key in ("about", "languages", "intents", "out_of_scope"):
        if key not in data:
            problem(f"top level: missing key {key!r}")
    if not isinstance(data.get("about"), str) or not data.get("about", "").strip():
        problem("about: must be a non-empty string")
    if data.get("languages") != LANGS:
        problem(f"languages: expected {LANGS}, got {data.get('languages')}")

    seen_questions = {}  # normalised text -> first location

    def register(where, text):
        key = text.strip().lower()
        if key in seen_questions:
            problem(f"duplicate question {text!r}: {where} and {seen_questions[key]}")
        else:
            seen_questions[key] = where

    intents = data.get("intents") or []
    if len(intents) < MIN_INTENTS:
        problem(f"intents: {len(intents)} < {MIN_INTENTS}")
    ids = set()
    totals = {"answers": 0, "phrasings": 0, "held_out": 0, "misspelled": 0}
    per_lang = {lang: {"phrasings": 0, "held_out": 0, "misspelled": 0, "out_of_scope": 0} for lang in LANGS}

    for idx, intent in enumerate(intents):
        iid = intent.get("id")
        label = f"intent[{idx}] {iid}"
        if not isinstance(iid, str) or not ID_RE.match(iid):
            problem(f"{label}: id must be snake_case")
        if iid in ids:
            problem(f"{label}: duplicate id")
        ids.add(iid)

        answers = check_lang_dict(f"{label}.answers", intent.get("answers"))
        for lang in LANGS:
            if lang in answers and check_text(f"{label}.answers.{lang}", lang, answers[lang]):
                totals["answers"] += 1

        for field, expected in COUNTS.items():
            block = check_lang_dict(f"{label}.{field}", intent.get(field))
            for lang in LANGS:
                items = block.get(lang)
                if not isinstance(items, list):
                    if lang in block:
                        problem(f"{label}.{field}.{lang}: not a list")
                    continue
                if len(items) != expected:
                    problem(f"{label}.{field}.{lang}: {len(items)} items, expected {expected}")
                for j, text in enumerate(items):
                    where = f"{label}.{field}.{lang}[{j}]"
                    if check_text(where, lang, text):
                        register(where, text)
                        totals[field] += 1
                        per_lang[lang][field] += 1
                        if field == "misspelled":
                            if lang == "lt" and LT_DIACRITICS & set(text):
                                problem(f"{where}: lt misspelling should be typed without diacritics: {text!r}")
                            if lang == "es" and ES_DIACRITICS & set(text):
                                problem(f"{where}: es misspelling should be typed without accents/¿¡: {text!r}")

        # kk: at least one misspelling must look like Kazakh typed on a Russian layout
        kk_miss = (intent.get("misspelled") or {}).get("kk") or []
        if kk_miss and not any(isinstance(t, str) and not (KK_SPECIFIC & set(t)) for t in kk_miss):
            problem(f"{label}.misspelled.kk: none is typed on a Russian layout (no Kazakh-specific letters)")

        # held-out questions must be worded differently from the stored phrasings
        phr = intent.get("phrasings") or {}
        held = intent.get("held_out") or {}
        for lang in SPACE_LANGS:
            p_grams = set()
            for p in phr.get(lang) or []:
                if isinstance(p, str):
                    p_grams |= ngrams(words(p), MAX_SHARED_WORDS + 1)
            for j, h in enumerate(held.get(lang) or []):
                if not isinstance(h, str):
                    continue
                shared = ngrams(words(h), MAX_SHARED_WORDS + 1) & p_grams
                if shared:
                    problem(f"{label}.held_out.{lang}[{j}] copies a phrasing word sequence {sorted(shared)[0]}: {h!r}")

    oos = check_lang_dict("out_of_scope", data.get("out_of_scope"))
    for lang in LANGS:
        items = oos.get(lang)
        if not isinstance(items, list):
            if lang in oos:
                problem(f"out_of_scope.{lang}: not a list")
            continue
        if len(items) < MIN_OOS:
            problem(f"out_of_scope.{lang}: {len(items)} items, need >= {MIN_OOS}")
        for j, text in enumerate(items):
            where = f"out_of_scope.{lang}[{j}]"
            if check_text(where, lang, text):
                register(where, text)
                per_lang[lang]["out_of_scope"] += 1

    print(f"file: {DATA_FILE}")
    print(f"languages: {len(LANGS)} ({', '.join(LANGS)})")
    print(f"intents: {len(intents)} (unique ids: {len(ids)})")
    print(f"answers: {totals['answers']}")
    print(f"phrasings: {totals['phrasings']}  held_out: {totals['held_out']}  misspelled: {totals['misspelled']}")
    print(f"out_of_scope: {sum(per_lang[lang]['out_of_scope'] for lang in LANGS)}")
    print(f"distinct question strings: {len(seen_questions)}")
    print("per language (phrasings / held_out / misspelled / out_of_scope):")
    for lang in LANGS:
        c = per_lang[lang]
        print(f"  {lang}: {c['phrasings']} / {c['held_out']} / {c['misspelled']} / {c['out_of_scope']}")

    if problems:
        print(f"\nFAILED: {len(problems)} problem(s)")
        for msg in problems:
            print("  - " + msg)
        return 1
    print("\nOK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
