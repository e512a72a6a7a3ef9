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
