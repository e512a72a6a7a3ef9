"""Importing in the background: a checked file becomes an ImportJob, encoded a batch of entries at a time (a
task each, so other work interleaves) with its progress saved, then saved whole; a failure leaves nothing
imported and says why; its page polls until it is done."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from knowledge import imports
from knowledge.answering import answer
from knowledge.embeddings import offline_encoder
from knowledge.models import Entry, ImportJob, Phrasing
from knowledge.tasks import import_entries
from knowledge.tests.helpers import finish_import

pytestmark = pytest.mark.django_db
URL = "/settings/knowledge/"


def faq(n: int) -> bytes:
    rows = "".join(f"q{i},en,Question number {i}?,Answer {i}.,Also asked {i}\n" for i in range(n))
    return ("key,language,question,answer,phrasings\n" + rows).encode()


def login(member) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


def upload(client: Client, content: bytes, name: str = "faq.csv"):
    return client.post(f"{URL}import/", {"file": SimpleUploadedFile(name, content), "language": "en", "kind": "faq"})


def test_an_upload_starts_a_job_and_its_page_shows_it_waiting(member, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    client = login(member)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, faq(3))

    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{URL}imports/{job.public_id.hex}/"
    assert (job.status, job.total, job.file_name, job.created_by) == ("pending", 3, "faq.csv", member)
    assert DBTaskResult.objects.filter(args_kwargs__args=[job.pk]).exists()
    assert not Entry.objects.exists()  # not before the job runs
    page = client.get(response["Location"]).content.decode()
    assert "importing 3 entries (3 texts in all)" in page and "0 of 3 entries" in page
    assert 'hx-trigger="every 1s"' in page


def test_the_progress_moves_a_batch_at_a_time_and_the_report_ends_it(
    member, workspace, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(imports, "BATCH", 2)
    seen: list[tuple[int, int]] = []
    real = offline_encoder()

    class Spy:
        name = real.name

        def encode(self, texts: list[str]):
            job = ImportJob.objects.get()
            seen.append((job.processed, len(texts)))
            assert job.status == "running" and not Entry.objects.exists()
            return real.encode(texts)

    monkeypatch.setattr(imports, "offline_encoder", lambda: Spy())
    with django_capture_on_commit_callbacks(execute=True):
        upload(login(member), faq(5))
    job = ImportJob.objects.get()

    steps = finish_import(job.pk)

    job.refresh_from_db()
    assert seen == [(0, 4), (2, 4), (4, 2)]  # two phrasings per entry, two entries per batch
    assert steps == 4  # a task per batch, and one saving them all
    assert (job.status, job.processed, job.total, job.created_count) == ("done", 5, 5, 5)
    assert job.finished_at is not None and not job.file  # the entries hold what the file said
    assert Phrasing.objects.filter(entry__workspace=workspace).count() == 10
    assert answer("Also asked 3", workspace).matches[0].variant.answer == "Answer 3."
    fragment = login(member).get(f"{URL}imports/{job.public_id.hex}/", HTTP_HX_REQUEST="true").content.decode()
    assert 'data-status="done"' in fragment and "hx-trigger" not in fragment
    assert "Imported 5 entries." in fragment and "5 of 5 entries" in fragment


def test_a_running_job_is_polled_every_second(member):
    plan = imports.check_csv(faq(400))
    job = imports.start(member, file_name="faq.csv", plan=plan)
    ImportJob.objects.filter(pk=job.pk).update(status="running", processed=120)

    fragment = login(member).get(f"{URL}imports/{job.public_id.hex}/", HTTP_HX_REQUEST="true").content.decode()

    assert fragment.startswith('<div class="import-progress"') and 'hx-trigger="every 1s"' in fragment
    assert "120 of 400 entries" in fragment and 'value="120"' in fragment and 'max="400"' in fragment


def test_a_failure_imports_nothing_and_says_why(member, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(imports, "BATCH", 2)
    real = offline_encoder()
    calls: list[int] = []

    class Failing:
        name = real.name

        def encode(self, texts: list[str]):
            calls.append(1)
            if len(calls) == 2:
                raise RuntimeError("the model file is unreadable")
            return real.encode(texts)

    monkeypatch.setattr(imports, "offline_encoder", lambda: Failing())
    with django_capture_on_commit_callbacks(execute=True):
        upload(login(member), faq(5))
    job = ImportJob.objects.get()

    finish_import(job.pk)

    job.refresh_from_db()
    assert job.status == "failed" and job.finished_at is not None and not job.file
    assert "after 2 of 5 entries" in job.errors[0] and "the model file is unreadable" in job.errors[0]
    assert not Entry.objects.exists() and not Phrasing.objects.exists()
    page = login(member).get(f"{URL}imports/{job.public_id.hex}/").content.decode()
    assert 'data-status="failed"' in page and "the model file is unreadable" in page and "hx-trigger" not in page


def test_a_failure_while_saving_leaves_nothing_half_saved(member, monkeypatch, django_capture_on_commit_callbacks):
    real = Phrasing.objects.bulk_create

    def broken(*args, **kwargs):
        real(*args, **kwargs)
        raise RuntimeError("disk full")

    monkeypatch.setattr(Phrasing.objects, "bulk_create", broken)
    with django_capture_on_commit_callbacks(execute=True):
        upload(login(member), faq(3))
    job = ImportJob.objects.get()

    finish_import(job.pk)

    job.refresh_from_db()
    assert job.status == "failed" and "disk full" in job.errors[0]
    assert not Entry.objects.exists() and not Phrasing.objects.exists()


def test_a_job_runs_once(member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        upload(login(member), faq(2))
    job = ImportJob.objects.get()

    finish_import(job.pk)
    import_entries.call(job.pk)  # a task run again after the job ended does nothing

    assert Entry.objects.count() == 2


def test_a_refused_file_starts_no_job(member):
    response = upload(login(member), b"language,question,answer\nen,,An answer\nxx,Q?,A.\n")

    assert response.status_code == 422 and not ImportJob.objects.exists()
    page = response.content.decode()
    assert "Nothing was imported" in page and "row 2" in page and "row 3" in page


def test_agents_and_other_workspaces_do_not_see_an_import(member, agent, other_member):
    job = imports.start(member, file_name="faq.csv", plan=imports.check_csv(faq(1)))

    assert login(agent).get(f"{URL}imports/{job.public_id.hex}/").status_code == 403
    assert login(other_member).get(f"{URL}imports/{job.public_id.hex}/").status_code == 404
    assert upload(login(agent), faq(1)).status_code == 403 and ImportJob.objects.count() == 1


def test_a_step_run_twice_counts_once_and_the_entries_are_saved_once(
    member, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(imports, "BATCH", 2)
    with django_capture_on_commit_callbacks(execute=True):
        upload(login(member), faq(3))
    import_entries.call(ImportJob.objects.get().pk)  # running, two of three encoded

    seen = ImportJob.objects.get()  # what both runs of the step read (jobs.recovery may run a task again)
    assert imports.run_step(seen) is True
    assert imports.run_step(seen) is False  # the other run took this step: this one stops
    assert ImportJob.objects.get().processed == 3

    seen = ImportJob.objects.get()
    assert imports.run_step(seen) is False and imports.run_step(seen) is False  # both reach the saving step
    job = ImportJob.objects.get()
    assert (job.status, job.created_count) == ("done", 3) and Entry.objects.count() == 3 and not job.file
