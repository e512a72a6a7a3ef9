"""Which of the workspace's languages a question is in.

lingua, restricted to the languages the workspace uses (all of them cost 1.2 GB), plus a script rule for
Khmer, which lingua lacks.
"""

from functools import lru_cache

from lingua import IsoCode639_1, Language, LanguageDetector, LanguageDetectorBuilder

KHMER = range(0x1780, 0x1800)
KHMER_SHARE = 0.3  # of the letters: enough to tell Khmer with a few Latin words mixed in


def detect(text: str, languages: tuple[str, ...]) -> str | None:
    """The language (ISO 639-1) of `text` among `languages`; None when none fits or there is no text."""
    letters = [ch for ch in text if ch.isalpha() or ord(ch) in KHMER]
    if not letters:
        return None
    if "km" in languages and sum(ord(ch) in KHMER for ch in letters) / len(letters) >= KHMER_SHARE:
        return "km"
    known = tuple(sorted(code for code in languages if _lingua(code) is not None))
    if len(known) < 2:  # nothing to choose between
        return known[0] if known else None
    found = _detector(known).detect_language_of(text)
    return found.iso_code_639_1.name.lower() if found else None


def _lingua(code: str) -> Language | None:
    iso = getattr(IsoCode639_1, code.upper(), None)
    return Language.from_iso_code_639_1(iso) if iso is not None else None


@lru_cache(maxsize=32)
def _detector(codes: tuple[str, ...]) -> LanguageDetector:
    """Built once per set of languages; each language's model loads on first use."""
    return LanguageDetectorBuilder.from_languages(*(language for code in codes if (language := _lingua(code)))).build()
