"""Abuse detection finds what safetext's own checker finds, in the visitor's language and in the scripts the
message is written in, plus the business's words; a neighbour language's short words are no insult."""

import pytest
from safetext import SafeText

from bots.abuse import is_abusive

MESSAGES = [
    "you are an idiot",
    "fuck you",
    "What a nice shop, I want the mug",
    "иди нахуй",
    "ты дурак",
    "Где мой заказ?",
    "Scheiße",
    "eres un pendejo",
    "¿Tienen envío a Lisboa?",
    "hello there, how are you",
    "shit happens",
    "ばか",
    "注文はどこですか",
]


@pytest.mark.parametrize("text", MESSAGES)
def test_it_agrees_with_safetext(text):
    by_safetext = any(
        SafeText(language=code).check_profanity(text) for code in ("en", "es", "de", "fr", "pt", "tr", "ru", "ja", "zh")
    )
    assert is_abusive(text, language="en", extra_words=[]) == by_safetext


def test_an_ordinary_question_is_not_taken_for_a_neighbour_languages_insult():
    assert not is_abusive("How long does delivery take?", language="en", extra_words=[])  # "does": French list


def test_rude_words_in_another_script_than_the_visitors_language_count():
    assert is_abusive("иди нахуй", language="ja", extra_words=[])


def test_the_business_words_count_as_whole_words_in_any_case():
    assert is_abusive("You MUUNUUD!", language="mn", extra_words=["muunuud"])
    assert is_abusive("just go away now", language="en", extra_words=["go away"])
    assert not is_abusive("going away", language="en", extra_words=["go away"])
