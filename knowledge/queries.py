"""Reading the knowledge base: entries for the settings page, and the learning page's groups of questions it
could not answer well."""

import re
from dataclasses import dataclass

import numpy as np
from django.core.paginator import Page, Paginator
from django.db.models import Count, Prefetch, Q, QuerySet

from core.ids import get_by_public_id
from knowledge import answering
from knowledge.models import Entry, ImportJob, Phrasing, Question, Variant
from widget.languages import LANGUAGES
from workspaces.models import Member, Workspace

SAME_QUESTION = 0.93  # cosine of two questions asking the same thing (this model's scale is compressed)
LEARNING_LIMIT = 500  # newest questions looked at
PAGE_SIZE = 50
IMPORTS_SHOWN = 5
CHOICES_SHOWN = 200  # entries offered to add a question to, on the learning page


@dataclass(frozen=True)
class EntryFilters:
    query: str = ""  # words of a question, an answer or a way to ask, in any case; or a question to answer
    kind: str = ""
    category: str = ""
    visibility: str = ""  # "public", "internal" or "" for both
    language: str = ""  # entries written in it

    @property
    def any(self) -> bool:
        return any((self.query, self.kind, self.category, self.visibility, self.language))


@dataclass(frozen=True)
class EntryList:
    page: Page  # of entry ids
    entries: list[Entry]  # the page's, each with its variants and how many phrasings it has
    best: int | None  # the entry the knowledge base answers the query with, listed first


def list_entries(member: Member, filters: EntryFilters = EntryFilters(), page: int | str = 1) -> EntryList:
    """The entries that pass the filters, newest first, a page at a time. With a query: the entry answering
    it (as the inbox would be answered, internal entries too) first, then those whose text has its words."""
    entries = _filtered(member, filters)
    best = None
    if filters.query:
        found = answering.answer(filters.query, member.workspace, answering.Context(public_only=False))
        if found.confident and entries.filter(pk=found.matches[0].entry.pk).exists():
            best = found.matches[0].entry.pk
        entries = entries.filter(_has_text(member.workspace_id, filters.query))
    ids = list(entries.order_by("-updated_at", "-pk").values_list("pk", flat=True))
    if best is not None:
        ids = [best, *(pk for pk in ids if pk != best)]
    shown = Paginator(ids, PAGE_SIZE).get_page(page)
    rows = (
        Entry.objects.filter(pk__in=list(shown))
        .prefetch_related(_variants())
        .annotate(phrasing_count=Count("phrasings"))
    )
    by_pk = {row.pk: row for row in rows}
    return EntryList(shown, [by_pk[pk] for pk in shown if pk in by_pk], best)


def entry_choices(member: Member) -> list[tuple[str, str]]:
    """(public id, question) of the newest entries, in the language each was written in first."""
    entries = (
        Entry.objects.filter(workspace_id=member.workspace_id)
        .prefetch_related(_variants())
        .order_by("-updated_at", "-pk")[:CHOICES_SHOWN]
    )
    return [(e.public_id.hex, e.variants.all()[0].question) for e in entries if e.variants.all()]


def entry_categories(member: Member) -> list[str]:
    rows = (
        Entry.objects.filter(workspace_id=member.workspace_id).exclude(category="").values_list("category", flat=True)
    )
    return sorted(set(rows), key=str.casefold)


def entry_languages(member: Member) -> list[str]:
    """The languages the workspace's entries are written in, in the widget's order."""
    used = set(Variant.objects.filter(entry__workspace_id=member.workspace_id).values_list("language", flat=True))
    return [code for code in LANGUAGES if code in used]


def entry_count(member: Member) -> int:
    return Entry.objects.filter(workspace_id=member.workspace_id).count()


def get_entry(member: Member, entry_id: str) -> Entry:
    return get_by_public_id(Entry.objects.filter(workspace_id=member.workspace_id), entry_id, "Entry")


@dataclass(frozen=True)
class LanguageSection:
    """An entry in one language on its page: its text (None when only ways to ask are in it) and phrasings."""

    language: str
    variant: Variant | None
    phrasings: list[Phrasing]

    @property
    def name(self) -> str:
        return LANGUAGES.get(self.language, self.language)


def entry_sections(entry: Entry) -> list[LanguageSection]:
    """The entry's languages, the one it was written in first first, then languages it has only phrasings in."""
    variants = list(entry.variants.order_by("pk"))
    phrasings = list(entry.phrasings.order_by("pk").only("pk", "language", "text"))
    languages = [v.language for v in variants]
    languages += sorted({p.language for p in phrasings} - set(languages))
    by_language = {v.language: v for v in variants}
    return [
        LanguageSection(language, by_language.get(language), [p for p in phrasings if p.language == language])
        for language in languages
    ]


def get_import_job(member: Member, job_id: str) -> ImportJob:
    return get_by_public_id(ImportJob.objects.filter(workspace_id=member.workspace_id), job_id, "Import")


def recent_import_jobs(member: Member) -> list[ImportJob]:
    return list(
        ImportJob.objects.filter(workspace_id=member.workspace_id).order_by("-created_at", "-pk")[:IMPORTS_SHOWN]
    )


def _filtered(member: Member, filters: EntryFilters) -> QuerySet[Entry]:
    entries = Entry.objects.filter(workspace_id=member.workspace_id)
    if filters.kind:
        entries = entries.filter(kind=filters.kind)
    if filters.category:
        entries = entries.filter(category=filters.category)
    if filters.visibility:
        entries = entries.filter(public=filters.visibility == "public")
    if filters.language:
        entries = entries.filter(pk__in=Variant.objects.filter(language=filters.language).values("entry_id"))
    return entries


def _has_text(workspace_id: int, query: str) -> Q:
    """Entries whose question, answer or a way to ask contains the query, in any case in any script (a regular
    expression of the literal text: SQLite's LIKE folds the case of ASCII letters only)."""
    pattern = re.escape(query)
    variants = Variant.objects.filter(entry__workspace_id=workspace_id).filter(
        Q(question__iregex=pattern) | Q(answer__iregex=pattern)
    )
    phrasings = Phrasing.objects.filter(entry__workspace_id=workspace_id, text__iregex=pattern)
    return Q(pk__in=variants.values("entry_id")) | Q(pk__in=phrasings.values("entry_id"))


def _variants() -> Prefetch:
    return Prefetch("variants", queryset=Variant.objects.order_by("pk"))


def get_question(member: Member, question_id: str) -> Question:
    return get_by_public_id(Question.objects.filter(workspace_id=member.workspace_id), question_id, "Question")


@dataclass(frozen=True)
class QuestionGroup:
    questions: list[Question]  # newest first; the first stands for the group

    @property
    def lead(self) -> Question:
        return self.questions[0]


def questions_to_learn(workspace: Workspace) -> list[QuestionGroup]:
    """Questions answered badly (suggestions only, nothing, or an answer the visitor found unhelpful) and not
    learned yet, similar ones together, the largest groups first."""
    rows = list(
        Question.objects.filter(workspace=workspace, learned_at=None)
        .filter(~Q(outcome=Question.Outcome.ANSWERED) | Q(helpful=False))
        .select_related("best")
        .order_by("-created_at")[:LEARNING_LIMIT]
    )
    groups: list[tuple[np.ndarray | None, list[Question]]] = []
    for question in rows:
        vector = np.frombuffer(bytes(question.vector), dtype=np.float32) if question.vector else None
        for lead, members in groups:
            if vector is not None and lead is not None and float(lead @ vector) >= SAME_QUESTION:
                members.append(question)
                break
        else:
            groups.append((vector, [question]))
    return sorted((QuestionGroup(members) for _, members in groups), key=lambda g: -len(g.questions))
