"""Rude and abusive messages: safetext's word lists for the languages it has (chosen by the visitor's
language and by the scripts the message is written in, since people swear in other languages than they
chat in), plus the business's own words for any language."""

import re
import unicodedata
from functools import cache

from safetext import SafeText

SAFETEXT_LANGUAGES = frozenset({"ar", "de", "en", "es", "fr", "ja", "pt", "ru", "tr", "zh"})
SCRIPTS = (
    (re.compile(r"[a-zA-Z]"), ("en", "es", "de", "fr", "pt", "tr")),
    (re.compile(r"[\u0400-\u04ff]"), ("ru",)),
    (re.compile(r"[\u0600-\u06ff]"), ("ar",)),
    (re.compile(r"[\u3040-\u30ff]"), ("ja",)),
    (re.compile(r"[\u4e00-\u9fff]"), ("zh", "ja")),
)


@cache
def _checker(language: str) -> SafeText:
    return SafeText(language=language)


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", unicodedata.normalize("NFKC", text).casefold()))


def is_abusive(text: str, *, language: str, extra_words: list[str]) -> bool:
    languages = {language} & SAFETEXT_LANGUAGES
    for script, codes in SCRIPTS:
        if script.search(text):
            languages.update(codes)
    if any(_checker(code).check_profanity(text) for code in sorted(languages)):
        return True
    words = _words(text)
    return any(_words(extra) <= words for extra in extra_words if extra.strip())
