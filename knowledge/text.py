"""Text as the lexical matcher compares it: forgiving of case, accents, punctuation, typos and of Kazakh typed
on a Russian keyboard.

Character 2- and 3-grams rather than words: they survive a typo (most of a misspelled word's grams are still
right) and need no word splitting, which Japanese and Khmer do not mark with spaces.
"""

import re
import unicodedata
from collections import Counter

# Kazakh letters a Russian layout lacks, folded to the letters people type for them on one. Mongolian's two
# extra letters fold the same way, which is also how they are often typed.
_RUSSIAN_LAYOUT = str.maketrans("әіңғүұқөһ", "аингуукох")
_NOT_WORD = re.compile(r"[^\w\u1780-\u17ff]+")  # Khmer vowel signs are not \w, and are part of the word
GRAM_SIZES = (2, 3)


def normalise(text: str) -> str:
    """Case-folded, Latin accents dropped (other scripts keep their marks), Kazakh folded to the Russian
    layout, punctuation as single spaces."""
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_RUSSIAN_LAYOUT)
    kept: list[str] = []
    for ch in unicodedata.normalize("NFD", folded):
        if unicodedata.category(ch) == "Mn" and kept and unicodedata.name(kept[-1], "").startswith("LATIN"):
            continue
        kept.append(ch)
    return " ".join(_NOT_WORD.sub(" ", unicodedata.normalize("NFC", "".join(kept))).split())


def grams(text: str) -> Counter[str]:
    padded = f" {normalise(text)} "
    found: Counter[str] = Counter()
    for size in GRAM_SIZES:
        for i in range(len(padded) - size + 1):
            gram = padded[i : i + size]
            if gram.strip():
                found[gram] += 1
    return found
