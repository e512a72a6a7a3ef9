"""Importing FAQ entries from CSV and Markdown: grouped by key across languages, checked whole, reported by
row, never half imported."""

import pytest

from core.errors import InvalidInput
from knowledge import imports
from knowledge.answering import answer
from knowledge.models import Entry, Phrasing, Variant

pytestmark = pytest.mark.django_db

FAQ = """key,language,question,answer,phrasings,category,public
shipping,en,How long does delivery take?,Orders ship within 2 business days.,\
When will my order arrive?|How many days is shipping?,Delivery,yes
shipping,ja,配送にはどのくらいかかりますか？,2営業日以内に発送します。,いつ届きますか,Delivery,yes
shipping,ru,Сколько идёт доставка?,Отправляем в течение 2 рабочих дней.,,Delivery,yes
returns,en,Can I return an item?,"Yes, within 30 days.",How do I send something back?,Returns,no
"""


def test_a_multilingual_csv_makes_one_entry_per_key(member, workspace):
    report = imports.import_csv(member, FAQ.encode())

    assert (report.entries, report.variants, report.problems) == (2, 4, [])
    shipping = Entry.objects.get(category="Delivery")
    assert sorted(shipping.variants.values_list("language", flat=True)) == ["en", "ja", "ru"]
    assert shipping.phrasings.count() == 6
    assert not Entry.objects.get(category="Returns").public
    found = answer("荷物はいつ届きますか", workspace)
    assert found.matches[0].entry == shipping and found.matches[0].variant.language == "ja"


def test_a_byte_order_mark_is_fine(member):
    assert imports.import_csv(member, b"\xef\xbb\xbf" + FAQ.encode()).entries == 2


def test_a_file_in_another_encoding_is_refused_clearly(member):
    with pytest.raises(InvalidInput) as refused:
        imports.import_csv(member, "language,question,answer\nru,Доставка?,Да\n".encode("cp1251"))

    assert refused.value.code == "not_utf8" and "UTF-8" in refused.value.detail
    assert not Entry.objects.exists()


def test_a_bad_row_imports_nothing_and_says_which(member):
    rows = FAQ + "x,en,,An answer without a question,,,\ny,xx,Question?,Answer.,,,\nz,en,Q?,A.,,,maybe\n"

    report = imports.import_csv(member, rows.encode())

    assert report.entries == 0
    assert sorted(p.split(":")[0] for p in report.problems) == ["row 6", "row 7", "row 8"]
    assert "public" in report.problems[0] and "question" in report.problems[1]
    assert not Entry.objects.exists() and not Variant.objects.exists() and not Phrasing.objects.exists()


def test_a_missing_column_or_a_repeated_language_is_reported(member):
    assert imports.import_csv(member, b"language,question\nen,Q?\n").problems == [
        "The header row lacks the column(s): answer."
    ]
    twice = "key,language,question,answer\nk,en,Q one?,A.\nk,en,Q two?,B.\n"
    assert imports.import_csv(member, twice.encode()).problems == ["row 3: “k” is already in en above."]


def test_markdown_headings_become_entries(member):
    text = "Intro text is ignored.\n\n## Do you ship abroad?\nYes, to 40 countries.\n\n## Can I pay by card?\nYes.\n"

    report = imports.import_markdown(member, text.encode(), language="en")

    assert report.entries == 2
    assert sorted(Variant.objects.values_list("question", "answer")) == [
        ("Can I pay by card?", "Yes."),
        ("Do you ship abroad?", "Yes, to 40 countries."),
    ]
    assert imports.import_markdown(member, b"no headings here", language="en").problems
