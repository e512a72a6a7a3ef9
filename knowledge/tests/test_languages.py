"""The question's language among the workspace's: lingua for most, a script rule for Khmer."""

import pytest

from knowledge.languages import detect

WORKSPACE = ("en", "ru", "mn", "kk", "ja", "lt", "km", "es")


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("How long does delivery take to Almaty?", "en"),
        ("Сколько дней идёт доставка?", "ru"),
        ("Хүргэлт хэдэн хоног үргэлжлэх вэ?", "mn"),
        ("Жеткізу қанша күн алады?", "kk"),
        ("配送には何日かかりますか", "ja"),
        ("Kiek dienų trunka pristatymas?", "lt"),
        ("ការដឹកជញ្ជូនចំណាយពេលប៉ុន្មានថ្ងៃ?", "km"),
        ("¿Cuántos días tarda el envío?", "es"),
    ],
)
def test_each_language_of_the_workspace_is_told(text, language):
    assert detect(text, WORKSPACE) == language


def test_khmer_with_a_latin_word_is_still_khmer():
    assert detect("ខ្ញុំចង់ return ទំនិញ", WORKSPACE) == "km"


def test_one_language_needs_no_guess_and_nothing_to_read_gives_none():
    assert detect("anything at all", ("de",)) == "de"
    assert detect("123 ?!", WORKSPACE) is None


def test_japanese_written_mostly_in_kanji_is_told_by_its_kana():
    assert detect("代金引換は利用できますか？", WORKSPACE) == "ja"


@pytest.mark.parametrize(
    ("text", "preferred", "language"),
    [
        ("Can I return an item?", "en", "en"),  # short: the asker's own language decides
        ("the mug came brokn", "en", "en"),
        ("Kiek dienų trunka pristatymas?", "en", "lt"),  # clearly another language: the text decides
        ("¿Cuántos días tarda el envío?", "ru", "es"),
    ],
)
def test_the_askers_own_language_wins_unless_the_text_is_clearly_in_another(text, preferred, language):
    assert detect(text, WORKSPACE, preferred=preferred) == language
