"""Settings → Knowledge: adding and importing entries, the report of a refused file, and learning from the
questions visitors asked."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from knowledge import actions
from knowledge.models import Entry, ImportJob, Question
from knowledge.tests.helpers import finish_import
from knowledge.tests.test_imports import FAQ

pytestmark = pytest.mark.django_db
URL = "/settings/knowledge/"


def upload(content: bytes, name: str = "faq.csv", **fields):
    return {"file": SimpleUploadedFile(name, content), "language": "en", "kind": "faq", **fields}


def test_the_empty_page_says_what_to_do(operator_client):
    page = operator_client.get(URL).content.decode()

    assert (
        "No entries yet" in page
        and "Nothing to learn from yet" in page
        and 'action="/settings/knowledge/import/"' in page
    )


def test_an_entry_is_added_with_its_ways_to_ask(operator_client):
    fields = {
        "kind": "faq",
        "language": "en",
        "question": "Do you ship abroad?",
        "answer": "Yes, to **40** countries.",
        "phrasings": "International shipping?\nCan you send it to Spain?",
        "category": "Delivery",
        "public": "on",
    }
    page = operator_client.post(f"{URL}new/", fields, follow=True).content.decode()

    entry = Entry.objects.get()
    assert entry.phrasings.count() == 3 and entry.category == "Delivery"
    assert "Entry added." in page and "Do you ship abroad?" in page
    assert 'id="language-en"' in page  # the new entry's own page


def test_a_csv_import_says_what_it_will_add_and_adds_it_in_the_background(
    operator_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        page = operator_client.post(f"{URL}import/", upload(FAQ.encode()), follow=True).content.decode()

    assert "importing 2 entries (4 texts in all)." in page and 'id="import-progress"' in page
    finish_import(ImportJob.objects.get().pk)
    assert Entry.objects.count() == 2


def test_a_refused_file_lists_its_problems_and_adds_nothing(operator_client):
    response = operator_client.post(f"{URL}import/", upload(b"language,question,answer\nen,,An answer\n"))

    assert response.status_code == 422
    assert "Nothing was imported" in response.content.decode() and "row 2" in response.content.decode()
    response = operator_client.post(f"{URL}import/", upload("язык".encode("cp1251")))
    assert response.status_code == 422 and "UTF-8" in response.content.decode()
    assert not Entry.objects.exists()


def test_a_markdown_file_is_imported_in_the_chosen_language(operator_client, django_capture_on_commit_callbacks):
    markdown = "## ¿Hacéis envíos a Canarias?\nSí, en 5 días.\n".encode()
    with django_capture_on_commit_callbacks(execute=True):
        operator_client.post(f"{URL}import/", upload(markdown, name="faq.md", language="es"))
    finish_import(ImportJob.objects.get().pk)

    assert Entry.objects.get().variants.get().language == "es"


def test_a_missed_question_is_learned_from_the_page(operator_client, member, workspace):
    shipping = actions.create_entry(member, language="en", question="How long does delivery take?", answer="2 days.")
    actions.create_entry(member, language="en", question="Can I pay by card?", answer="Yes.")
    actions.create_entry(member, language="en", question="Do you gift wrap orders?", answer="Yes.")
    _, missed = actions.ask(workspace, "the courier lost my box")
    assert f'data-question="{missed.public_id.hex}"' in operator_client.get(URL).content.decode()

    page = operator_client.post(
        f"{URL}questions/{missed.public_id.hex}/learn/", {"entry": shipping.public_id.hex}, follow=True
    ).content.decode()

    assert "answered from now on" in page and f'data-question="{missed.public_id.hex}"' not in page
    assert actions.ask(workspace, "the courier lost my box")[0].confident


def test_a_new_entry_answers_a_missed_question(operator_client, member, workspace):
    actions.create_entry(member, language="en", question="How long does delivery take?", answer="2 days.")
    _, missed = actions.ask(workspace, "Do you sell garden chairs?")

    operator_client.post(f"{URL}questions/{missed.public_id.hex}/new-entry/", {"answer": "Not yet."})

    assert Entry.objects.filter(variants__question="Do you sell garden chairs?").exists()
    assert Question.objects.get(pk=missed.pk).learned_at is not None


def test_agents_look_but_do_not_change(agent, client):
    client.force_login(agent.user)
    page = client.get(URL).content.decode()
    assert 'action="/settings/knowledge/import/"' not in page

    response = client.post(
        f"{URL}new/", {"kind": "faq", "language": "en", "question": "Q?", "answer": "A.", "public": "on"}
    )
    assert response.status_code == 403 and not Entry.objects.exists()


def test_another_workspaces_question_or_entry_is_not_found(operator_client, other_member):
    other = actions.create_entry(other_member, language="en", question="Q?", answer="A.")
    _, theirs = actions.ask(other_member.workspace, "something else entirely")

    response = operator_client.post(f"{URL}questions/{theirs.public_id.hex}/learn/", {"entry": other.public_id.hex})

    assert response.status_code == 404
