"""What the lexical matcher sees: case, Latin accents, punctuation and keyboard-layout slips do not matter."""

from knowledge.text import grams, normalise


def test_case_accents_and_punctuation_fold_away():
    assert normalise("¿Cuánto TARDA el envío?!") == "cuanto tarda el envio"
    assert normalise("Kiek kainuoja pristatymas į Vilnių?") == "kiek kainuoja pristatymas i vilniu"


def test_kazakh_typed_on_a_russian_keyboard_reads_the_same():
    assert normalise("Жеткізу қанша уақыт алады?") == normalise("Жеткизу канша уакыт алады")


def test_other_scripts_keep_their_marks():
    assert normalise("ដឹកជញ្ជូនប៉ុន្មានថ្ងៃ?") == "ដឹកជញ្ជូនប៉ុន្មានថ្ងៃ"  # Khmer vowel signs are the word
    assert normalise("配送は何日？") == "配送は何日"
    assert normalise("Сколько ждать доставку?") == "сколько ждать доставку"


def test_a_typo_keeps_most_of_a_words_grams():
    right, typo = grams("delivery"), grams("delivry")
    shared = sum((right & typo).values())
    assert shared / sum(right.values()) > 0.6
