"""CSV of contacts: reading an upload (encoding, header), running an import, writing an export.

Decisions (see also the README):

- An upload is decoded as UTF-8 (a byte-order mark is dropped). cp1251 or latin-1 are used only when the
  person picks them: guessing an 8-bit encoding silently turns names into mojibake. The text is stored as
  UTF-8, so the import always reads one encoding.
- Rows are validated one by one with the contacts' own validators; a row with a bad cell is skipped and
  reported (row number as a spreadsheet shows it, column, message); the valid rows are committed in batches
  of 200, which is also how often the progress moves. Nothing is half-imported without a report: the report
  lists every skipped row (the first 1,000 in detail, all counted), and a crash marks the job failed with
  the reason and the number of rows done before it.
"""

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from contacts.actions import RowError, import_contact_row
from contacts.models import AttributeDefinition, Contact, ImportJob
from core.errors import InvalidInput

MAX_BYTES = 10 * 1024 * 1024
ENCODINGS = {"utf-8": "UTF-8", "cp1251": "Windows-1251 (Cyrillic)", "latin-1": "Latin-1 (Western European)"}
BATCH = 200
MAX_ERRORS = 1000
MAX_COLUMNS = 200

csv.field_size_limit(1024 * 1024)


# ---------------------------------------------------------------- reading an upload


def decode_upload(data: bytes, encoding: str) -> str:
    """The file's text; InvalidInput (csv_encoding) when it is not in the chosen encoding."""
    if encoding not in ENCODINGS:
        raise InvalidInput(gettext("Choose one of the offered encodings."), code="csv_encoding")
    if not data.strip():
        raise InvalidInput(gettext("The file is empty."), code="csv_empty")
    if len(data) > MAX_BYTES:
        raise InvalidInput(gettext("The file is too large: the limit is 10 MB."), code="file_too_large")
    if b"\x00" in data:
        raise InvalidInput(
            gettext("This is not a CSV file (it holds binary data). Save the spreadsheet as CSV first."),
            code="csv_binary",
        )
    try:
        return data.decode("utf-8-sig" if encoding == "utf-8" else encoding)
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InvalidInput(
            gettext(
                "The file is not valid %(encoding)s (line %(line)d). Save it as CSV UTF-8, "
                "or choose the encoding it was saved in."
            )
            % {"encoding": ENCODINGS[encoding], "line": line},
            code="csv_encoding",
        ) from None


def column_labels(header: list[str]) -> list[str]:
    """Unique, non-empty names for the header's columns: empty ones become "Column 3", repeats "email (4)"."""
    labels: list[str] = []
    for index, raw in enumerate(header, start=1):
        name = " ".join(raw.split())[:100] or gettext("Column %(n)d") % {"n": index}
        labels.append(name if name not in labels else f"{name} ({index})")
    return labels


def read_header(text: str) -> list[str]:
    """The column labels of the CSV's first row; InvalidInput when there is no usable header."""
    try:
        header = next(csv.reader(io.StringIO(text, newline="")), [])
    except csv.Error as error:
        raise InvalidInput(gettext("The file is not a valid CSV: %(e)s") % {"e": error}, code="csv_invalid") from None
    if not any(cell.strip() for cell in header):
        raise InvalidInput(gettext("The first row must name the columns."), code="csv_no_header")
    if len(header) > MAX_COLUMNS:
        raise InvalidInput(
            gettext("The file has more than %(max)d columns.") % {"max": MAX_COLUMNS}, code="csv_too_many_columns"
        )
    return column_labels(header)


def suggest_target(label: str, attribute_keys: Iterable[str]) -> str:
    """The likely field for a column: "E-mail" -> email, "Phone number" -> phone, "plan" -> plan."""
    word = re.sub(r"[^a-z0-9]", "", label.lower())
    aliases = {
        "name": "name", "fullname": "name", "contact": "name",
        "email": "email", "emailaddress": "email", "mail": "email",
        "phone": "phone", "phonenumber": "phone", "mobile": "phone", "tel": "phone", "telephone": "phone",
        "company": "company", "organisation": "company", "organization": "company",
    }  # fmt: skip
    if word in aliases:
        return aliases[word]
    keys = {re.sub(r"[^a-z0-9]", "", k.lower()): k for k in attribute_keys}
    return keys.get(word, "")


# ---------------------------------------------------------------- running an import


@dataclass
class Progress:
    processed: int = 0
    created: int = 0
    updated: int = 0
    error_count: int = 0


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """(line number of the row's start, cells) for every data row; blank lines are skipped."""
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader, None)
    line = reader.line_num + 1
    for cells in reader:
        if any(cell.strip() for cell in cells):
            yield line, cells
        line = reader.line_num + 1


def sample_rows(text: str, n: int) -> list[list[str]]:
    """The first n data rows, for the mapping step."""
    rows = []
    try:
        for _line, cells in _rows(text):
            rows.append(cells)
            if len(rows) >= n:
                break
    except csv.Error:
        pass  # the import reports it
    return rows


def count_rows(text: str) -> int:
    return sum(1 for _ in _rows(text))


def run_import(job: ImportJob) -> None:
    """Import the job's rows (job.mapping set), saving progress every BATCH rows; raises what it cannot handle."""
    with job.file.open("rb") as stored:
        text = stored.read().decode("utf-8")
    labels = read_header(text)
    index = {label: i for i, label in enumerate(labels)}
    mapping = {column: target for column, target in job.mapping.items() if column in index}
    definitions = {
        d.key: d
        for d in AttributeDefinition.objects.filter(workspace_id=job.workspace_id, key__in=list(mapping.values()))
    }
    total = count_rows(text)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING, total_rows=total)
    progress = Progress()
    errors: list[dict[str, Any]] = list(job.errors)
    batch: list[tuple[int, list[str]]] = []

    def flush() -> None:
        with transaction.atomic():
            for line, cells in batch:
                if len(cells) > len(labels):
                    _record(errors, progress, line, "", gettext("The row has more cells than the header."))
                    continue
                values = {
                    target: cells[index[column]] if index[column] < len(cells) else ""
                    for column, target in mapping.items()
                }
                try:
                    with transaction.atomic():
                        created = import_contact_row(job.workspace_id, values, definitions)
                except RowError as error:
                    column = next((c for c, t in mapping.items() if t == error.column), "")
                    _record(errors, progress, line, column, error.message)
                    continue
                if created:
                    progress.created += 1
                else:
                    progress.updated += 1
            progress.processed += len(batch)
            ImportJob.objects.filter(pk=job.pk).update(
                processed_rows=progress.processed,
                created_count=progress.created,
                updated_count=progress.updated,
                error_count=progress.error_count,
                errors=errors[:MAX_ERRORS],
            )
        batch.clear()

    for row in _rows(text):
        batch.append(row)
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.DONE, finished_at=timezone.now())


def _record(errors: list[dict[str, Any]], progress: Progress, row: int, column: str, message: str) -> None:
    progress.error_count += 1
    if len(errors) < MAX_ERRORS:
        errors.append({"row": row, "column": column, "message": message})


# ---------------------------------------------------------------- writing an export

STANDARD_COLUMNS = ("id", "name", "email", "phone", "company", "verified", "created_at", "last_seen_at")
_FORMULA = re.compile(r"^[=@\t\r]|^[+-](?![\d\s().-]*$)")


class _Echo:
    def write(self, value: str) -> str:
        return value


def safe_cell(value: object) -> str:
    """A cell a spreadsheet will not run as a formula: a leading =, @, + or - (unless a number) gets a quote."""
    text = "" if value is None else str(value)
    return "'" + text if _FORMULA.match(text) else text


def export_lines(contacts: Iterable[Contact], attribute_keys: list[str]) -> Iterator[str]:
    """The CSV, one line at a time: the standard columns, then one per custom attribute."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([*STANDARD_COLUMNS, *attribute_keys])  # the BOM: Excel then reads UTF-8
    for c in contacts:
        attributes = c.attributes if isinstance(c.attributes, dict) else {}
        last_seen = getattr(c, "last_seen_at", None)
        yield writer.writerow(
            [
                c.public_id.hex,
                *(safe_cell(v) for v in (c.name, c.email, c.phone, c.company)),
                "true" if c.verified else "false",
                c.created_at.isoformat(),
                last_seen.isoformat() if last_seen else "",
                *(safe_cell(_attribute_cell(attributes.get(k))) for k in attribute_keys),
            ]
        )


def _attribute_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
