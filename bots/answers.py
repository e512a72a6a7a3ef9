"""Reading a visitor's answer to a bot's question: is it an email, a phone, a number, a date, one of the
choices (by its label or its number, for channels without buttons)? And does the visitor want a person?"""

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bots.flow import AskBlock, Choice
from contacts.actions import clean_email, clean_phone
from core.errors import InvalidInput

# "Talk to a human" in every language the widget speaks; matched as whole words of the normalised message.
HUMAN_PHRASES = {
    "en": ["human", "a person", "real person", "operator", "agent", "talk to someone", "live chat", "manager"],
    "ru": ["оператор", "человек", "живой", "менеджер", "консультант", "позовите", "сотрудник"],
    "es": ["humano", "una persona", "agente", "operador", "asesor"],
    "de": ["mensch", "mitarbeiter", "berater", "echte person", "support mitarbeiter"],
    "fr": ["humain", "une personne", "conseiller", "opérateur", "agent"],
    "pt": ["humano", "uma pessoa", "atendente", "operador", "agente"],
    "ja": ["オペレーター", "担当者", "人間", "スタッフ"],
    "zh": ["人工", "客服", "真人"],
    "mn": ["оператор", "хүнтэй", "ажилтан", "ажилтантай"],
    "kk": ["оператор", "адаммен", "қызметкер", "менеджер"],
    "lt": ["operatorius", "žmogus", "žmogumi", "konsultantas"],
    "km": ["មនុស្ស", "បុគ្គលិក"],
    "ar": ["موظف", "إنسان", "شخص حقيقي", "خدمة العملاء"],
    "tr": ["insan", "temsilci", "operatör", "yetkili"],
}
# The button every bot question offers (web chats), in the visitor's language; each says one of the phrases.
PERSON_BUTTON = {
    "en": "Talk to a person",
    "ru": "Позовите оператора",
    "es": "Hablar con una persona",
    "de": "Mit einem Mitarbeiter sprechen",
    "fr": "Parler à une personne",
    "pt": "Falar com uma pessoa",
    "ja": "担当者と話す",
    "zh": "转人工客服",
    "mn": "Ажилтантай ярих",
    "kk": "Адаммен сөйлесу",
    "lt": "Kalbėti su žmogumi",
    "km": "និយាយជាមួយបុគ្គលិក",
    "ar": "التحدث إلى موظف",
    "tr": "Temsilci ile görüş",
}
_CJK_OR_KHMER = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\u1780-\u17ff]")


class InvalidAnswer(Exception):
    """The answer does not fit the question; `detail` says why, for the log (the visitor sees the retry text)."""


@dataclass(frozen=True)
class Answer:
    value: object  # str, float, ISO date or list of labels
    choice: Choice | None = None  # the chosen one of a single choice: its branch


def _normal(text: str) -> str:
    """Lower case, punctuation to spaces; combining marks stay (Khmer and Indic vowels are not `\\w`)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    kept = (c if c.isalnum() or c.isspace() or c in "+@.-_" or unicodedata.category(c)[0] == "M" else " " for c in text)
    return " ".join("".join(kept).split())


def wants_a_person(text: str) -> bool:
    normal = _normal(text)
    padded = f" {normal} "
    for phrases in HUMAN_PHRASES.values():
        for phrase in phrases:
            phrase = phrase.casefold()
            # Scripts without spaces between words match inside the text; others as whole words.
            if (phrase in normal) if _CJK_OR_KHMER.search(phrase) else (f" {phrase} " in padded):
                return True
    return False


def read_answer(block: AskBlock, text: str, *, files: Sequence[str] = (), time_zone: str = "") -> Answer:
    """`files`: the names of the files sent with the answer (a file question wants one)."""
    if block.kind == "file":
        if not files:
            raise InvalidAnswer("no file")
        return Answer(", ".join(files)[:1000])
    text = text.strip()
    if not text:
        raise InvalidAnswer("empty")
    if block.kind == "email":
        return Answer(_checked(clean_email, text))
    if block.kind == "phone":
        return Answer(_checked(lambda value: clean_phone(value, time_zone=time_zone), text))
    if block.kind == "number":
        return Answer(_number(text))
    if block.kind == "date":
        return Answer(_date(text))
    if block.kind == "choice":
        choice = _choice(block.choices, text)
        return Answer(choice.label, choice)
    if block.kind == "multi_choice":
        parts = [p for p in re.split(r"[,;\n]+|\s+(?:and|и|y|und|et|e)\s+", text) if p.strip()]
        return Answer(sorted({_choice(block.choices, part).label for part in parts}, key=_order(block.choices)))
    return Answer(text[:1000])


def numbered(choices: list[Choice]) -> str:
    """The choices as numbered lines, for channels that show no buttons (email)."""
    return "\n".join(f"{i}. {choice.label}" for i, choice in enumerate(choices, 1))


def _checked(clean: Callable[[str], str], text: str) -> str:
    try:
        value = clean(text)
    except InvalidInput as error:
        raise InvalidAnswer(error.detail) from None
    if not value:
        raise InvalidAnswer("empty")
    return str(value)


def _number(text: str) -> float:
    cleaned = re.sub(r"[\s\u00a0']", "", text).replace(",", ".")
    match = re.fullmatch(r"[-+]?\d+(\.\d+)?", cleaned)
    if not match:
        raise InvalidAnswer(f"not a number: {text[:40]}")
    return float(cleaned)


def _date(text: str) -> str:
    for pattern in ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%y"):
        try:
            return datetime.strptime(text, pattern).date().isoformat()
        except ValueError:
            continue
    raise InvalidAnswer(f"not a date: {text[:40]}")


def _choice(choices: list[Choice], text: str) -> Choice:
    normal = _normal(text)
    if normal.isdigit() and 1 <= int(normal) <= len(choices):
        return choices[int(normal) - 1]
    for choice in choices:
        if _normal(choice.label) == normal:
            return choice
    matches = [c for c in choices if normal and (normal in _normal(c.label) or _normal(c.label) in normal)]
    if len(matches) == 1:
        return matches[0]
    raise InvalidAnswer(f"not one of the choices: {text[:40]}")


def _order(choices: list[Choice]) -> Callable[[str], int]:
    return [c.label for c in choices].index
