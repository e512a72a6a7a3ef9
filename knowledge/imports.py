"""Filling the knowledge base from files: a CSV of FAQ entries in any languages, or Markdown.

CSV columns (header row, any order): `language`, `question`, `answer`, and optionally `phrasings` (other ways
to ask, one per line or separated by `|`), `key` (rows sharing a key are one entry in several languages),
`category`, `kind` (`faq` or `article`), `public` (`yes`/`no`). Markdown: each `## ` heading is an FAQ
question and the text under it its answer (or, for articles, each `# ` heading a title and its text the body).

A file is checked whole when it is uploaded: any bad row and nothing is imported, every problem is reported
with its row. The checked entries then wait in an ImportJob, imported in the background: their phrasings are
encoded a batch of entries at a time (the progress, one task per batch), then all are saved at once, so an
import is never half done, even when it fails. An import whose worker was stopped mid-way goes on from its
last step when that step's task runs again (jobs.recovery).
"""

import csv
import io
import json
import re
from dataclasses import asdict, dataclass, field

import numpy as np
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from core.errors import DomainError, InvalidInput
from knowledge import actions
from knowledge.embeddings import offline_encoder
from knowledge.models import Entry, ImportJob
from workspaces.models import Member
from workspaces.queries import require_admin

MAX_ROWS = 5000
BATCH = 20  # entries encoded between two progress updates (about a second)
UNDER_WAY = (ImportJob.Status.PENDING, ImportJob.Status.RUNNING)
REQUIRED = ("language", "question", "answer")
YES = {"yes", "y", "true", "1", "да", "public"}
NO = {"no", "n", "false", "0", "нет", "internal"}


@dataclass(frozen=True)
class Row:
    line: int
    language: str
    question: str
    answer: str
    phrasings: list[str]
    key: str
    category: str
    kind: str
    public: bool


@dataclass
class Plan:
    """What a file would import, checked whole."""

    entries: list[actions.NewEntry] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # "row 7: …"; nothing may be imported when there are any

    @property
    def variants(self) -> int:
        return sum(len(entry.variants) for entry in self.entries)


def read_text(data: bytes) -> str:
    """The file as text: UTF-8 (with or without a byte order mark), else a clear error."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidInput(
            gettext("The file is not UTF-8 text (byte %(at)d). Save it as UTF-8 and import it again.")
            % {"at": error.start},
            code="not_utf8",
        ) from error


def check_csv(data: bytes) -> Plan:
    rows, problems = _parse_csv(read_text(data))
    return _plan(rows, problems)


def check_markdown(data: bytes, *, language: str, kind: str = Entry.Kind.FAQ) -> Plan:
    level = "#" if kind == Entry.Kind.ARTICLE else "##"
    sections = re.split(rf"^{level} +(.+)$", read_text(data), flags=re.MULTILINE)
    rows = [
        Row(n, language, title.strip(), body.strip(), [], "", "", kind, True)
        for n, (title, body) in enumerate(zip(sections[1::2], sections[2::2], strict=True), start=1)
    ]
    if not rows:
        return Plan(problems=[gettext("No “%(level)s ” headings found: nothing to import.") % {"level": level}])
    return _plan(rows, [])


@transaction.atomic
def start(member: Member, *, file_name: str, plan: Plan) -> ImportJob:
    """An import of a file checked without problems, run in the background once this transaction commits."""
    from knowledge.tasks import import_entries

    require_admin(member)
    if plan.problems or not plan.entries:
        raise InvalidInput(gettext("Nothing to import."), code="nothing_to_import")
    job = ImportJob(
        workspace_id=member.workspace_id, created_by=member, file_name=file_name[:200], total=len(plan.entries)
    )
    checked = json.dumps([asdict(entry) for entry in plan.entries], ensure_ascii=False)
    job.file.save(f"{job.public_id.hex}.json", ContentFile(checked.encode()), save=False)
    job.save()
    transaction.on_commit(lambda: import_entries.enqueue(job.pk))
    return job


def run_step(job: ImportJob) -> bool:
    """One step of an import: the next BATCH of entries encoded, their vectors kept beside the job's file, or,
    once all are, every entry saved at once (and the job's files removed). Each step is a task of its own, so
    the worker answers bots and sends emails between the steps of a large import. Whether another step is
    needed; raises what it cannot handle (the task marks the job failed).

    A step may run twice (tasks run again when their worker stopped: jobs.recovery), even beside itself: it
    counts only if the job is still where it found it, and the entries are saved by one run only."""
    encoder = offline_encoder()
    if job.processed < job.total:
        batch = _read(job)[job.processed : job.processed + BATCH]
        encoded = encoder.encode([text for entry in batch for _, text in entry.phrasings()])
        name = _vectors_name(job, job.processed)
        default_storage.delete(name)  # a step cut short before may have left it
        default_storage.save(name, ContentFile(np.asarray(encoded, np.float32).tobytes()))
        moved = ImportJob.objects.filter(pk=job.pk, processed=job.processed).update(
            processed=job.processed + len(batch)
        )
        return bool(moved)  # else another run of the import took this step first and goes on alone
    with transaction.atomic():
        finishing = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.RUNNING)
        if not finishing.update(status=ImportJob.Status.DONE, finished_at=timezone.now()):
            return False  # another run of the import has saved them
        entries = _read(job)
        vectors = [
            vector
            for start in range(0, len(entries), BATCH)
            for vector in _stored_vectors(job, start, sum(len(e.phrasings()) for e in entries[start : start + BATCH]))
        ]
        created = actions.create_imported_entries(job.workspace_id, entries, vectors, encoder.name)
        ImportJob.objects.filter(pk=job.pk).update(created_count=created)
    clean_up(job)
    return False


def clean_up(job: ImportJob) -> None:
    """An ended job's file and vectors: the entries, if saved, hold what they said."""
    for start in range(0, max(job.total, job.processed), BATCH):
        default_storage.delete(_vectors_name(job, start))
    job.file.delete(save=False)
    ImportJob.objects.filter(pk=job.pk).update(file="")


def _vectors_name(job: ImportJob, start: int) -> str:
    return f"knowledge-imports/{job.workspace_id}/{job.public_id.hex}-{start}.f32"


def _stored_vectors(job: ImportJob, start: int, phrasings: int) -> np.ndarray:
    with default_storage.open(_vectors_name(job, start), "rb") as stored:
        return np.frombuffer(stored.read(), dtype=np.float32).reshape(phrasings, -1)


def _read(job: ImportJob) -> list[actions.NewEntry]:
    with job.file.open("rb") as stored:
        rows = json.loads(stored.read().decode("utf-8"))
    return [
        actions.NewEntry(
            kind=row["kind"],
            category=row["category"],
            public=row["public"],
            variants=[actions.VariantText(**variant) for variant in row["variants"]],
        )
        for row in rows
    ]


def _parse_csv(text: str) -> tuple[list[Row], list[str]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = {(name or "").strip().lower() for name in reader.fieldnames or []}
    if missing := [c for c in REQUIRED if c not in columns]:
        return [], [gettext("The header row lacks the column(s): %(columns)s.") % {"columns": ", ".join(missing)}]
    rows: list[Row] = []
    problems: list[str] = []
    for line, raw in enumerate(reader, start=2):
        if line - 1 > MAX_ROWS:
            problems.append(gettext("At most %(max)d rows per file.") % {"max": MAX_ROWS})
            break
        values = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if not isinstance(v, list)}
        if not any(values.values()):
            continue  # a blank line
        public = values.get("public", "").lower()
        if public and public not in YES | NO:
            problems.append(gettext("row %(row)d: public is “yes” or “no”.") % {"row": line})
            continue
        rows.append(
            Row(
                line=line,
                language=values.get("language", "").lower(),
                question=values.get("question", ""),
                answer=values.get("answer", ""),
                phrasings=[p.strip() for p in re.split(r"[|\n]", values.get("phrasings", "")) if p.strip()],
                key=values.get("key", ""),
                category=values.get("category", ""),
                kind=values.get("kind", "").lower() or Entry.Kind.FAQ,
                public=public not in NO,
            )
        )
    return rows, problems


def _plan(rows: list[Row], problems: list[str]) -> Plan:
    """Every row checked as the entry it makes would be (rows sharing a key are one entry): all problems found."""
    plan = Plan(problems=problems)
    by_key: dict[str, actions.NewEntry] = {}
    languages: set[tuple[str, str]] = set()
    for row in rows:
        try:
            if row.key and (row.key, row.language) in languages:
                raise InvalidInput(
                    gettext("“%(key)s” is already in %(language)s above.") % {"key": row.key, "language": row.language}
                )
            languages.add((row.key, row.language))
            variant = actions.check_variant(row.language, row.question, row.answer, row.phrasings)
            if row.key and row.key in by_key:
                by_key[row.key].variants.append(variant)
                continue
            entry = actions.check_entry(kind=row.kind, category=row.category, public=row.public, variants=[variant])
        except DomainError as error:
            plan.problems.append(gettext("row %(row)d: %(problem)s") % {"row": row.line, "problem": error})
            continue
        plan.entries.append(entry)
        if row.key:
            by_key[row.key] = entry
    if plan.problems:
        plan.entries = []
    return plan
