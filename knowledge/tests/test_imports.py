"""Importing FAQ entries from CSV and Markdown: grouped by key across languages, checked whole, reported by
row, never half imported; then imported in the background (test_import_jobs.py)."""

import pytest

from core.errors import InvalidInput
from knowledge import imports
from knowledge.answering import answer
from knowledge.models import Entry, ImportJob, Phrasing, Variant
from knowledge.tests.helpers import finish_import

pytestmark = pytest.mark.django_db

FAQ = """key,language,question,answer,phrasings,category,public
shipping,en,How long does delivery take?,Orders ship within 2 business days.,\
When will my order arrive?|How many days is shipping?,Delivery,yes
shipping,ja,配送にはどのくらいかかりますか？,2営業日以内に発送します。,いつ届きますか,Delivery,yes
shipping,ru,Сколько идёт доставка?,Отправляем в течение 2 рабочих дней.,,Delivery,yes
returns,en,Can I return an item?,"Yes, within 30 days.",How do I send something back?,Returns,no
"""


def run(member, plan: imports.Plan, django_capture_on_commit_callbacks) -> ImportJob:
    """Start the import (enqueued on commit), then run the task as the worker would."""
    assert plan.problems == []
    with django_capture_on_commit_callbacks(execute=True):
        job = imports.start(member, file_name="faq.csv", plan=plan)
    finish_import(job.pk)
    job.refresh_from_db()
    return job


def test_a_multilingual_csv_makes_one_entry_per_key(member, workspace, django_capture_on_commit_callbacks):
    plan = imports.check_csv(FAQ.encode())
    assert (len(plan.entries), plan.variants, plan.problems) == (2, 4, [])

    job = run(member, plan, django_capture_on_commit_callbacks)

    assert (job.status, job.created_count) == ("done", 2)
    shipping = Entry.objects.get(category="Delivery")
    assert sorted(shipping.variants.values_list("language", flat=True)) == ["en", "ja", "ru"]
    assert shipping.phrasings.count() == 6
    assert not Entry.objects.get(category="Returns").public
    found = answer("荷物はいつ届きますか", workspace)
    assert found.matches[0].entry == shipping and found.matches[0].variant.language == "ja"


def test_a_byte_order_mark_is_fine(member):
    assert len(imports.check_csv(b"\xef\xbb\xbf" + FAQ.encode()).entries) == 2


def test_a_file_in_another_encoding_is_refused_clearly(member):
    with pytest.raises(InvalidInput) as refused:
        imports.check_csv("language,question,answer\nru,Доставка?,Да\n".encode("cp1251"))

    assert refused.value.code == "not_utf8" and "UTF-8" in refused.value.detail
    assert not Entry.objects.exists()


def test_a_bad_row_imports_nothing_and_says_which(member):
    rows = FAQ + "x,en,,An answer without a question,,,\ny,xx,Question?,Answer.,,,\nz,en,Q?,A.,,,maybe\n"

    plan = imports.check_csv(rows.encode())

    assert plan.entries == []
    assert sorted(p.split(":")[0] for p in plan.problems) == ["row 6", "row 7", "row 8"]
    assert "public" in plan.problems[0] and "question" in plan.problems[1] and "language" in plan.problems[2]
    with pytest.raises(InvalidInput):
        imports.start(member, file_name="faq.csv", plan=plan)
    assert not Entry.objects.exists() and not Variant.objects.exists() and not Phrasing.objects.exists()
    assert not ImportJob.objects.exists()


def test_a_missing_column_or_a_repeated_language_is_reported(member):
    assert imports.check_csv(b"language,question\nen,Q?\n").problems == ["The header row lacks the column(s): answer."]
    twice = "key,language,question,answer\nk,en,Q one?,A.\nk,en,Q two?,B.\n"
    assert imports.check_csv(twice.encode()).problems == ["row 3: “k” is already in en above."]


def test_markdown_headings_become_entries(member, django_capture_on_commit_callbacks):
    text = "Intro text is ignored.\n\n## Do you ship abroad?\nYes, to 40 countries.\n\n## Can I pay by card?\nYes.\n"

    job = run(member, imports.check_markdown(text.encode(), language="en"), django_capture_on_commit_callbacks)

    assert job.created_count == 2
    assert sorted(Variant.objects.values_list("question", "answer")) == [
        ("Can I pay by card?", "Yes."),
        ("Do you ship abroad?", "Yes, to 40 countries."),
    ]
    assert imports.check_markdown(b"no headings here", language="en").problems


def test_markdown_articles_are_titles_and_bodies(member, django_capture_on_commit_callbacks):
    text = "# Returns policy\nYou can return **any** item.\n\n## Within 30 days\nFree.\n\n# Warranty\nTwo years.\n"

    run(
        member, imports.check_markdown(text.encode(), language="en", kind="article"), django_capture_on_commit_callbacks
    )

    article = Entry.objects.get(variants__question="Returns policy")
    assert article.kind == "article" and article.variants.get().answer.startswith("You can return **any** item.")
    assert "## Within 30 days" in article.variants.get().answer
    assert list(article.phrasings.values_list("text", flat=True)) == ["Returns policy"]
