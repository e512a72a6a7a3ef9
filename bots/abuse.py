"""Rude and abusive messages: safetext's maintained word lists for the languages it has, plus the business's
own words for any language.

The visitor's language's list counts whole, and so does the list of the most used language of each script
the message is written in (people swear in other languages than they chat in). The other lists of that
script count only by their longer words and phrases: their short words are often harmless in a neighbour
(the French list has "does"), and "How long does delivery take?" must not get a plea to stay friendly.

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
SCRIPTS = (  # the script, its most used language, and the others written in it
    (re.compile(r"[a-zA-Z]"), "en", ("es", "de", "fr", "pt", "tr")),
    (re.compile(r"[\u0400-\u04ff]"), "ru", ()),
    (re.compile(r"[\u0600-\u06ff]"), "ar", ()),
    (re.compile(r"[\u3040-\u30ff]"), "ja", ()),
    (re.compile(r"[\u4e00-\u9fff]"), "zh", ("ja",)),
)
NEIGHBOUR_WORD_MIN = 5  # letters: a neighbour language's shorter words are too often harmless words here
WORD = re.compile(r"\b\w+\b")


@dataclass(frozen=True)
class WordList:
    words: frozenset[str]
    phrases: tuple[str, ...]

    def matches(self, lowered: str, words: set[str]) -> bool:
        return not self.words.isdisjoint(words) or any(phrase in lowered for phrase in self.phrases)


@cache
def _word_list(language: str, *, neighbour: bool = False) -> WordList:
    lines = files("safetext").joinpath(f"languages/{language}/words.txt").read_text(encoding="utf-8").splitlines()
    entries = [line for line in lines if line]
    words = (e for e in entries if " " not in e and (not neighbour or len(e) >= NEIGHBOUR_WORD_MIN))
    return WordList(words=frozenset(words), phrases=tuple(e for e in entries if " " in e))


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", unicodedata.normalize("NFKC", text).casefold()))


def is_abusive(text: str, *, language: str, extra_words: list[str]) -> bool:
    whole = {language} & SAFETEXT_LANGUAGES
    neighbours: set[str] = set()
    for script, main, others in SCRIPTS:
        if script.search(text):
            whole.add(main)
            neighbours.update(others)
    lowered = text.lower()
    tokens = set(WORD.findall(lowered))
    lists = [_word_list(code) for code in whole] + [_word_list(code, neighbour=True) for code in neighbours - whole]
    if any(word_list.matches(lowered, tokens) for word_list in lists):
        return True
    words = _words(text)
    return any(_words(extra) <= words for extra in extra_words if extra.strip())
