"""Rude and abusive messages: safetext's maintained word lists for the languages it has (chosen by the
visitor's language and by the scripts the message is written in, since people swear in other languages than
they chat in), plus the business's own words for any language.

The lists are matched like safetext does (whole lowercase words; phrases anywhere in the lowercase text), but
through a set per language: safetext's own checker walks its whole list for every message, a few milliseconds
a language, in the path of every bot answer.
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

SAFETEXT_LANGUAGES = frozenset({"ar", "de", "en", "es", "fr", "ja", "pt", "ru", "tr", "zh"})
SCRIPTS = (
    (re.compile(r"[a-zA-Z]"), ("en", "es", "de", "fr", "pt", "tr")),
    (re.compile(r"[\u0400-\u04ff]"), ("ru",)),
    (re.compile(r"[\u0600-\u06ff]"), ("ar",)),
    (re.compile(r"[\u3040-\u30ff]"), ("ja",)),
    (re.compile(r"[\u4e00-\u9fff]"), ("zh", "ja")),
)
WORD = re.compile(r"\b\w+\b")


@dataclass(frozen=True)
class WordList:
    words: frozenset[str]
    phrases: tuple[str, ...]

    def matches(self, lowered: str, words: set[str]) -> bool:
        return not self.words.isdisjoint(words) or any(phrase in lowered for phrase in self.phrases)


@cache
def _word_list(language: str) -> WordList:
    lines = files("safetext").joinpath(f"languages/{language}/words.txt").read_text(encoding="utf-8").splitlines()
    entries = [line for line in lines if line]
    return WordList(words=frozenset(e for e in entries if " " not in e), phrases=tuple(e for e in entries if " " in e))


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", unicodedata.normalize("NFKC", text).casefold()))


def is_abusive(text: str, *, language: str, extra_words: list[str]) -> bool:
    languages = {language} & SAFETEXT_LANGUAGES
    for script, codes in SCRIPTS:
        if script.search(text):
            languages.update(codes)
    lowered = text.lower()
    tokens = set(WORD.findall(lowered))
    if any(_word_list(code).matches(lowered, tokens) for code in languages):
        return True
    words = _words(text)
    return any(_words(extra) <= words for extra in extra_words if extra.strip())
