"""Which of the workspace's languages a question is in.

lingua, restricted to the languages the workspace uses, in its low-accuracy mode: trigram models only, about
2 MB a language instead of 25 (eight languages cost 180 MB otherwise; all of them 1.2 GB). Its misses are short
texts, so the asker's own language (the widget's) wins whenever lingua finds it plausible, and scripts that
tell the language outright decide first: Khmer, which lingua lacks, and Japanese kana.
"""

from functools import lru_cache

from lingua import IsoCode639_1, Language, LanguageDetector, LanguageDetectorBuilder

SCRIPTS = {  # a language, the letters only it writes among the workspaces' languages, and the share that tells
    "km": (range(0x1780, 0x1800), 0.3),  # enough to tell Khmer with a few Latin words mixed in
    "ja": (range(0x3040, 0x3100), 0.05),  # hiragana and katakana; kanji alone could be Chinese
}
PLAUSIBLE = 0.05  # the confidence at which the asker's own language is plausible enough to win


def detect(text: str, languages: tuple[str, ...], preferred: str | None = None) -> str | None:
    """The language (ISO 639-1) of `text` among `languages`; None when none fits or there is no text.
    `preferred`, the asker's language, wins unless the text is clearly in another."""
    letters = [ch for ch in text if ch.isalpha() or any(ord(ch) in r for r, _ in SCRIPTS.values())]
    if not letters:
        return None
    for code, (letters_of, share) in SCRIPTS.items():
        if code in languages and sum(ord(ch) in letters_of for ch in letters) / len(letters) >= share:
            return code
    known = tuple(sorted(code for code in languages if _lingua(code) is not None))
    if len(known) < 2:  # nothing to choose between
        return known[0] if known else None
    confidences = {
        found.language.iso_code_639_1.name.lower(): found.value
        for found in _detector(known).compute_language_confidence_values(text)
    }
    likeliest = max(confidences, key=confidences.__getitem__, default=None)
    if likeliest is None or confidences[likeliest] == 0:
        return preferred if preferred in known else None
    if preferred in confidences and confidences[preferred] >= PLAUSIBLE:
        return preferred
    return likeliest


def _lingua(code: str) -> Language | None:
    iso = getattr(IsoCode639_1, code.upper(), None)
    return Language.from_iso_code_639_1(iso) if iso is not None else None


@lru_cache(maxsize=32)
def _detector(codes: tuple[str, ...]) -> LanguageDetector:
    """Built once per set of languages; each language's model loads on first use."""
    languages = (language for code in codes if (language := _lingua(code)))
    return LanguageDetectorBuilder.from_languages(*languages).with_low_accuracy_mode().build()
