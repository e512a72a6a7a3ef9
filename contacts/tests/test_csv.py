"""CSV export and import of contacts: columns, permissions, encodings, mapping, the row report and progress."""

import csv
import io

import pytest
from django.test import Client

from contacts import actions, csv_io
from contacts.models import AttributeDefinition, Contact, ImportJob
from contacts.tasks import import_contacts
from core.errors import Forbidden, InvalidInput
from core.tests.fixtures import make_agent


def login(member) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


def read_csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def upload(client: Client, data: bytes, *, encoding: str = "utf-8", name: str = "people.csv"):
    file = io.BytesIO(data)
    file.name = name
    return client.post("/inbox/people/import/", {"file": file, "encoding": encoding})


def job_of(response) -> ImportJob:
    assert response.status_code == 302, response.content.decode()[:500]
    return ImportJob.objects.get(public_id=response["Location"].rstrip("/").rsplit("/", 1)[1])


def run(member, job: ImportJob, mapping: dict[str, str], django_capture_on_commit_callbacks) -> ImportJob:
    """Map the columns (by label), enqueue on commit, then run the task function as the worker would."""
    labels = csv_io.read_header(job.file.open("rb").read().decode("utf-8"))
    job.file.close()
    with django_capture_on_commit_callbacks(execute=True):
        actions.start_import(member, job, columns=labels, mapping=mapping)
    import_contacts.call(job.pk)
    job.refresh_from_db()
    return job


# Export


def test_the_export_has_the_standard_columns_then_one_per_attribute(member, workspace):
    AttributeDefinition.objects.create(workspace=workspace, key="plan", label="Plan")
    AttributeDefinition.objects.create(workspace=workspace, key="age", label="Age", type="number")
    Contact.objects.create(
        workspace=workspace, name="Aigerim", email="a@example.com", phone="+77011234567", attributes={"plan": "pro"}
    )
    Contact.objects.create(workspace=workspace, name='=HYPERLINK("http://evil")', company="@SUM(1)")
    response = login(member).get("/inbox/people/export.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response.streaming and "attachment" in response["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0] == [*csv_io.STANDARD_COLUMNS, "age", "plan"]
    by_name = {r[1]: r for r in rows[1:]}
    aigerim = by_name["Aigerim"]
    assert aigerim[2:6] == ["a@example.com", "+77011234567", "", "false"] and aigerim[-1] == "pro"
    evil = by_name['\'=HYPERLINK("http://evil")']  # a formula is never exported as one
    assert evil[4] == "'@SUM(1)"


def test_the_export_applies_the_lists_filters(member, workspace):
    Contact.objects.create(workspace=workspace, name="Has", email="has@example.com")
    Contact.objects.create(workspace=workspace, name="Hasnt", phone="+77011234567")
    rows = read_csv(login(member).get("/inbox/people/export.csv?has_email=1"))
    assert [r[1] for r in rows[1:]] == ["Has"]


def test_agents_may_not_export(member, workspace, agent):
    Contact.objects.create(workspace=workspace, email="a@example.com")
    response = login(agent).get("/inbox/people/export.csv")
    assert response.status_code == 403 and b"a@example.com" not in response.content


# Upload: size, encodings, header


def test_utf8_with_a_bom_is_read_and_stored_as_utf8(member):
    client = login(member)
    job = job_of(upload(client, "\ufeffEmail,Name\nalma@example.com,Алма\n".encode()))
    page = client.get(f"/inbox/people/import/{job.public_id.hex}/").content.decode()
    assert "Алма" in page and '<option value="email" selected>' in page
    assert csv_io.read_header(job.file.open("rb").read().decode("utf-8")) == ["Email", "Name"]


def test_cp1251_is_used_when_chosen(member, django_capture_on_commit_callbacks):
    data = "email;name\n".replace(";", ",").encode() + "boris@example.com,Борис\n".encode("cp1251")
    client = login(member)
    refused = upload(client, data)
    assert refused.status_code == 422 and 'data-error-code="csv_encoding"' in refused.content.decode()
    assert "line 2" in refused.content.decode()
    job = job_of(upload(client, data, encoding="cp1251"))
    job = run(member, job, {"email": "email", "name": "name"}, django_capture_on_commit_callbacks)
    assert Contact.objects.get().name == "Борис"


def test_a_file_that_is_not_text_or_too_large_or_headless_is_refused(member, monkeypatch):
    client = login(member)
    assert 'data-error-code="csv_binary"' in upload(client, b"PK\x03\x04\x00\x00binary").content.decode()
    assert 'data-error-code="csv_empty"' in upload(client, b"  \n").content.decode()
    assert 'data-error-code="csv_no_header"' in upload(client, b",,\na,b,c\n").content.decode()
    assert 'data-error-code="csv_encoding"' in upload(client, b"x", encoding="koi8-r").content.decode()
    monkeypatch.setattr(csv_io, "MAX_BYTES", 10)
    assert 'data-error-code="file_too_large"' in upload(client, b"email\na@example.com\n").content.decode()
    assert not ImportJob.objects.exists()


def test_only_admins_import(member, agent):
    assert upload(login(agent), b"email\na@example.com\n").status_code == 403
    assert login(agent).get("/inbox/people/import/").status_code == 403
    with pytest.raises(Forbidden):
        actions.create_import_job(agent, file_name="a.csv", text="email\n")


# Mapping


def test_the_mapping_needs_an_email_or_phone_column(member):
    job = actions.create_import_job(member, file_name="a.csv", text="Name,Company\nA,B\n")
    with pytest.raises(InvalidInput) as error:
        actions.start_import(member, job, columns=["Name", "Company"], mapping={"Name": "name"})
    assert error.value.code == "mapping_needs_key"
    response = login(member).post(f"/inbox/people/import/{job.public_id.hex}/map/", {"col0": "name", "col1": ""})
    assert response.status_code == 422 and "mapping_needs_key" in response.content.decode()
    job.refresh_from_db()
    assert job.mapping == {} and job.status == "pending"


def test_the_mapping_refuses_unknown_fields_and_two_columns_for_one_field(member):
    job = actions.create_import_job(member, file_name="a.csv", text="a,b\n1,2\n")
    with pytest.raises(InvalidInput) as error:
        actions.start_import(member, job, columns=["a", "b"], mapping={"a": "email", "b": "password"})
    assert error.value.code == "invalid_mapping"
    with pytest.raises(InvalidInput) as error:
        actions.start_import(member, job, columns=["a", "b"], mapping={"a": "email", "b": "email"})
    assert error.value.code == "duplicate_mapping"


def test_repeated_and_empty_header_names_get_their_own_labels():
    assert csv_io.read_header("email,,email\n") == ["email", "Column 2", "email (3)"]


def test_mapping_through_the_page_queues_the_import_on_commit(member, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    job = actions.create_import_job(member, file_name="a.csv", text="E-mail,Full name\na@example.com,Ann\n")
    with django_capture_on_commit_callbacks(execute=True):
        response = login(member).post(
            f"/inbox/people/import/{job.public_id.hex}/map/", {"col0": "email", "col1": "name"}
        )
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.mapping == {"E-mail": "email", "Full name": "name"}
    assert DBTaskResult.objects.filter(args_kwargs__args=[job.pk]).exists()


# Running the import


def test_rows_are_upserted_by_email_then_phone_and_bad_rows_reported(
    member, workspace, django_capture_on_commit_callbacks
):
    AttributeDefinition.objects.create(
        workspace=workspace, key="plan", label="Plan", type="list", options=["free", "pro"]
    )
    known = Contact.objects.create(workspace=workspace, email="known@example.com", name="Old name")
    by_phone = Contact.objects.create(workspace=workspace, phone="+77011234567")
    text = (
        "email,name,phone,plan,notes\n"
        "KNOWN@example.com,New name,,pro,x\n"  # row 2: updates by email
        "not-an-email,Bad,,free,x\n"  # row 3: invalid email
        ",By phone,+77011234567,,x\n"  # row 4: updates by phone
        "\n"  # blank: skipped silently
        "new@example.com,New,,gold,x\n"  # row 6: invalid plan
        ",Nobody,,,x\n"  # row 7: neither email nor phone
        "fresh@example.com,Fresh,87011234567,,x\n"  # row 8: a phone without +
        'new2@example.com,"Multi\nline",,free,x\n'  # row 9
    )
    job = actions.create_import_job(member, file_name="a.csv", text=text)
    job = run(
        member,
        job,
        {"email": "email", "name": "name", "phone": "phone", "plan": "plan", "notes": ""},
        django_capture_on_commit_callbacks,
    )
    assert (job.status, job.total_rows, job.processed_rows) == ("done", 7, 7)
    assert (job.created_count, job.updated_count, job.error_count) == (1, 2, 4)
    assert [(e["row"], e["column"]) for e in job.errors] == [(3, "email"), (6, "plan"), (7, ""), (8, "phone")]
    assert "not-an-email" in job.errors[0]["message"]
    known.refresh_from_db()
    by_phone.refresh_from_db()
    assert (known.name, known.attributes) == ("New name", {"plan": "pro"})
    assert by_phone.name == "By phone"
    assert Contact.objects.get(email="new2@example.com").name == "Multi line"
    assert not job.file  # the uploaded CSV is not kept once imported

    page = login(member).get(f"/inbox/people/import/{job.public_id.hex}/").content.decode()
    assert "not-an-email" in page and 'data-status="done"' in page and "hx-trigger" not in page


def test_extra_cells_and_missing_cells(member, django_capture_on_commit_callbacks):
    job = actions.create_import_job(
        member, file_name="a.csv", text="email,name\na@example.com\nb@example.com,B,extra\n"
    )
    job = run(member, job, {"email": "email", "name": "name"}, django_capture_on_commit_callbacks)
    assert (job.created_count, job.error_count) == (1, 1)
    assert job.errors[0]["row"] == 3 and "more cells" in job.errors[0]["message"]


def test_progress_is_saved_as_the_rows_go(member, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(csv_io, "BATCH", 3)
    seen: list[int] = []
    real = csv_io.import_contact_row

    def spy(workspace_id, values, definitions):
        seen.append(ImportJob.objects.get().processed_rows)
        return real(workspace_id, values, definitions)

    monkeypatch.setattr(csv_io, "import_contact_row", spy)
    rows = "".join(f"p{i}@example.com\n" for i in range(8))
    job = actions.create_import_job(member, file_name="a.csv", text="email\n" + rows)
    job = run(member, job, {"email": "email"}, django_capture_on_commit_callbacks)
    assert seen == [0, 0, 0, 3, 3, 3, 6, 6]
    assert (job.processed_rows, job.total_rows, job.created_count) == (8, 8, 8)


def test_the_running_job_page_polls_every_two_seconds(member):
    job = actions.create_import_job(member, file_name="a.csv", text="email\na@example.com\n")
    ImportJob.objects.filter(pk=job.pk).update(
        mapping={"email": "email"}, status="running", total_rows=400, processed_rows=200
    )
    client = login(member)
    fragment = client.get(f"/inbox/people/import/{job.public_id.hex}/", HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 2s"' in fragment and 'value="200"' in fragment and 'max="400"' in fragment


def test_a_crash_marks_the_job_failed_with_the_reason_and_keeps_the_rows_done(
    member, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(csv_io, "BATCH", 2)
    real = csv_io.import_contact_row
    calls = []

    def flaky(workspace_id, values, definitions):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return real(workspace_id, values, definitions)

    monkeypatch.setattr(csv_io, "import_contact_row", flaky)
    job = actions.create_import_job(
        member, file_name="a.csv", text="email\n" + "".join(f"p{i}@example.com\n" for i in range(5))
    )
    job = run(member, job, {"email": "email"}, django_capture_on_commit_callbacks)
    assert job.status == "failed" and job.finished_at is not None
    assert "disk full" in job.errors[-1]["message"] and "after 2 rows" in job.errors[-1]["message"]
    assert (job.processed_rows, Contact.objects.count()) == (2, 2)  # the first batch, committed and reported
    page = login(member).get(f"/inbox/people/import/{job.public_id.hex}/").content.decode()
    assert "disk full" in page and 'data-status="failed"' in page


def test_a_job_runs_once(member, django_capture_on_commit_callbacks):
    job = actions.create_import_job(member, file_name="a.csv", text="email\na@example.com\n")
    job = run(member, job, {"email": "email"}, django_capture_on_commit_callbacks)
    import_contacts.call(job.pk)
    assert Contact.objects.count() == 1
    with pytest.raises(Exception):  # noqa: B017
        actions.start_import(member, job, columns=["email"], mapping={"email": "email"})


def test_an_agent_cannot_see_an_import(member, workspace):
    job = actions.create_import_job(member, file_name="a.csv", text="email\na@example.com\n")
    agent = make_agent(workspace, "dora@shop.example.com")
    assert login(agent).get(f"/inbox/people/import/{job.public_id.hex}/").status_code == 403


@pytest.mark.django_db(transaction=True)
async def test_under_asgi_the_export_is_sent_in_batches(member, workspace, monkeypatch):
    from asgiref.sync import sync_to_async
    from django.test import AsyncClient

    from conversations import views

    monkeypatch.setattr(views, "STREAM_BATCH", 10)
    await Contact.objects.abulk_create(Contact(workspace=workspace, email=f"p{i}@example.com") for i in range(25))
    client = AsyncClient()
    await sync_to_async(client.force_login)(member.user)
    response = await client.get("/inbox/people/export.csv")
    assert response.status_code == 200
    chunks = [chunk async for chunk in response.streaming_content]
    assert len(chunks) == 3  # header + 25 rows, ten lines a trip
    rows = list(csv.reader(io.StringIO(b"".join(chunks).decode("utf-8").lstrip("\ufeff"))))
    assert len(rows) == 26 and rows[0][0] == "id"
