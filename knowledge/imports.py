"""Filling the knowledge base from files: a CSV of FAQ entries in any languages, or Markdown.

CSV columns (header row, any order): `language`, `question`, `answer`, and optionally `phrasings` (other ways
to ask, one per line or separated by `|`), `key` (rows sharing a key are one entry in several languages),
`category`, `kind` (`faq` or `article`), `public` (`yes`/`no`). Markdown: each `## ` heading is an FAQ
question and the text under it its answer (or, for articles, each `# ` heading a title and its text the body).

A file is checked whole before anything is saved: any bad row and nothing is imported, every problem is
reported with its row, so an import is never half done.
"""

import csv
import io
import re
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext

from core.errors import DomainError, InvalidInput
from knowledge import actions
from knowledge.models import Entry
from workspaces.models import Member

MAX_ROWS = 5000
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
class Report:
    entries: int = 0
    variants: int = 0
    problems: list[str] = field(default_factory=list)  # "row 7: …"; nothing was imported when there are any


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


def import_csv(member: Member, data: bytes) -> Report:
    rows, problems = _parse_csv(read_text(data))
    return _save(member, rows, problems)


def import_markdown(member: Member, data: bytes, *, language: str, kind: str = Entry.Kind.FAQ) -> Report:
    level = "#" if kind == Entry.Kind.ARTICLE else "##"
    sections = re.split(rf"^{level} +(.+)$", read_text(data), flags=re.MULTILINE)
    rows = [
        Row(n, language, title.strip(), body.strip(), [], "", "", kind, True)
        for n, (title, body) in enumerate(zip(sections[1::2], sections[2::2], strict=True), start=1)
    ]
    if not rows:
        return Report(problems=[gettext("No “%(level)s ” headings found: nothing to import.") % {"level": level}])
    return _save(member, rows, [])


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


def _save(member: Member, rows: list[Row], problems: list[str]) -> Report:
    report = Report(problems=problems)  # rows with these were left out; the others are tried, to report all
    try:
        with transaction.atomic():
            entries: dict[str, Entry] = {}
            languages: set[tuple[str, str]] = set()
            for row in rows:
                try:
                    if row.key and (row.key, row.language) in languages:
                        raise InvalidInput(
                            gettext("“%(key)s” is already in %(language)s above.")
                            % {"key": row.key, "language": row.language}
                        )
                    languages.add((row.key, row.language))
                    if row.key and row.key in entries:
                        actions.add_variant(
                            member,
                            entries[row.key],
                            language=row.language,
                            question=row.question,
                            answer=row.answer,
                            phrasings=row.phrasings,
                        )
                    else:
                        entry = actions.create_entry(
                            member,
                            language=row.language,
                            question=row.question,
                            answer=row.answer,
                            phrasings=row.phrasings,
                            kind=row.kind,
                            category=row.category,
                            public=row.public,
                        )
                        entries[row.key or f"row {row.line}"] = entry
                        report.entries += 1
                    report.variants += 1
                except DomainError as error:
                    report.problems.append(gettext("row %(row)d: %(problem)s") % {"row": row.line, "problem": error})
            if report.problems:
                raise _Rejected
    except _Rejected:
        report.entries = report.variants = 0
    return report


class _Rejected(Exception):
    """A row was refused: the whole import is rolled back."""
