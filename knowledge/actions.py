"""Writing the knowledge base. Each phrasing is encoded once, when it is saved; answering reads the vectors."""

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from conversations.models import Conversation
from core.errors import InvalidInput, NotFound
from knowledge import answering
from knowledge.embeddings import offline_encoder
from knowledge.models import Entry, Phrasing, Question, Variant
from widget.languages import LANGUAGES
from workspaces.models import Member, Workspace
from workspaces.queries import require_admin

QUESTION_MAX = 500
ANSWER_MAX = 20_000
PHRASINGS_MAX = 30  # per entry and language
CATEGORY_MAX = 120


@dataclass(frozen=True)
class VariantText:
    """An entry's text in one language, checked and cleaned, not saved yet."""

    language: str
    question: str
    answer: str
    phrasings: list[str]  # the question first, each once


@dataclass(frozen=True)
class NewEntry:
    """An entry checked whole (an imported one waiting for its phrasings' vectors)."""

    kind: str
    category: str
    public: bool
    variants: list[VariantText]

    def phrasings(self) -> list[tuple[str, str]]:
        """(language, text) of every phrasing to store, each text once (the first language that has it)."""
        seen: dict[str, str] = {}
        for variant in self.variants:
            for text in variant.phrasings:
                seen.setdefault(text, variant.language)
        return [(language, text) for text, language in seen.items()]


def check_variant(language: str, question: str, answer: str, phrasings: Iterable[str] = ()) -> VariantText:
    """The text of a variant as it would be saved; InvalidInput for the first thing wrong with it."""
    language = _language(language)
    question = _clean(question, QUESTION_MAX, multiline=False)
    if not question:
        raise InvalidInput(gettext("Write the question the entry answers."), code="question_missing")
    answer = _clean(answer, ANSWER_MAX, multiline=True)
    if not answer:
        raise InvalidInput(gettext("Write the answer."), code="answer_missing")
    cleaned = [t for t in (_clean(text, QUESTION_MAX, multiline=False) for text in [question, *phrasings]) if t]
    unique = list(dict.fromkeys(cleaned))
    if len(unique) > PHRASINGS_MAX:
        raise _too_many_phrasings()
    return VariantText(language, question, answer, unique)


def check_entry(*, kind: str, category: str, public: bool, variants: list[VariantText]) -> NewEntry:
    if kind not in Entry.Kind.values:
        raise InvalidInput(gettext("Choose an FAQ entry or an article."), code="invalid_kind")
    return NewEntry(kind, _clean(category, CATEGORY_MAX, multiline=False), public, variants)


@transaction.atomic
def create_entry(
    member: Member,
    *,
    language: str,
    question: str,
    answer: str,
    phrasings: Iterable[str] = (),
    kind: str = Entry.Kind.FAQ,
    category: str = "",
    public: bool = True,
) -> Entry:
    """An entry in one language: its question and other phrasings of it, and its answer."""
    require_admin(member)
    checked = check_entry(kind=kind, category=category, public=public, variants=[])
    entry = Entry.objects.create(
        workspace=member.workspace, kind=checked.kind, category=checked.category, public=checked.public
    )
    _add_variant(entry, language, question, answer, phrasings)
    answering.forget(member.workspace_id)
    return entry


@transaction.atomic
def add_variant(
    member: Member, entry: Entry, *, language: str, question: str, answer: str, phrasings: Iterable[str] = ()
) -> Variant:
    """The entry in another language (or its text in a language it has, replaced)."""
    require_admin(member)
    _check_entry(member, entry)
    variant = _add_variant(entry, language, question, answer, phrasings)
    answering.forget(member.workspace_id)
    return variant


@transaction.atomic
def add_phrasing(member: Member, entry: Entry, *, language: str, text: str) -> Phrasing | None:
    """Another way visitors ask for the entry (from the learning page: a question it missed). Answering uses it
    from the next question on. None when the entry already has it."""
    require_admin(member)
    _check_entry(member, entry)
    added = _store_phrasings(entry, _language(language), [text])
    Entry.objects.filter(pk=entry.pk).update(updated_at=timezone.now())
    answering.forget(member.workspace_id)
    return added[0] if added else None


@transaction.atomic
def update_entry(member: Member, entry: Entry, *, kind: str, category: str, public: bool) -> Entry:
    """An entry's kind, category and who may see it; answering follows at once (internal: operators only)."""
    require_admin(member)
    _check_entry(member, entry)
    checked = check_entry(kind=kind, category=category, public=public, variants=[])
    entry.kind, entry.category, entry.public = checked.kind, checked.category, checked.public
    entry.updated_at = timezone.now()
    entry.save(update_fields=["kind", "category", "public", "updated_at"])
    answering.forget(member.workspace_id)
    return entry


@transaction.atomic
def delete_entry(member: Member, entry: Entry) -> None:
    """The entry, its languages and its phrasings; the questions it answered keep their text."""
    require_admin(member)
    _check_entry(member, entry)
    entry.delete()
    answering.forget(member.workspace_id)


@transaction.atomic
def update_variant(member: Member, entry: Entry, *, language: str, question: str, answer: str) -> Variant:
    """The entry's question (an article's title) and answer in one of its languages. A changed question
    replaces its phrasing, the only one encoded again."""
    require_admin(member)
    _check_entry(member, entry)
    variant = _variant(entry, language)
    text = check_variant(language, question, answer)
    old_question = variant.question
    variant.question, variant.answer = text.question, text.answer
    variant.save(update_fields=["question", "answer"])
    if text.question != old_question:
        if not entry.variants.exclude(pk=variant.pk).filter(question=old_question).exists():
            entry.phrasings.filter(text=old_question).delete()
        _store_phrasings(entry, variant.language, [text.question])
    _touch(entry)
    answering.forget(member.workspace_id)
    return variant


@transaction.atomic
def delete_variant(member: Member, entry: Entry, *, language: str) -> None:
    """The entry in one language, with the ways to ask in it; an entry keeps at least one language."""
    require_admin(member)
    _check_entry(member, entry)
    Entry.objects.select_for_update().filter(pk=entry.pk).first()  # two deletes at once cannot take the last two
    variant = _variant(entry, language)
    others = list(entry.variants.exclude(pk=variant.pk).values_list("question", flat=True))
    if not others:
        raise InvalidInput(
            gettext("An entry needs at least one language: delete the entry instead."), code="last_variant"
        )
    entry.phrasings.filter(language=variant.language).exclude(text__in=others).delete()
    variant.delete()
    _touch(entry)
    answering.forget(member.workspace_id)


@transaction.atomic
def remove_phrasing(member: Member, entry: Entry, *, text: str) -> None:
    """One way to ask for the entry, no longer; the others keep their vectors."""
    require_admin(member)
    _check_entry(member, entry)
    phrasing = entry.phrasings.filter(text=text).first()
    if phrasing is None:
        raise NotFound(gettext("The entry has no such way to ask."))
    if entry.variants.filter(question=text).exists():
        raise InvalidInput(
            gettext("This is the entry's question: change the question instead."), code="phrasing_is_question"
        )
    phrasing.delete()
    _touch(entry)
    answering.forget(member.workspace_id)


@transaction.atomic
def create_imported_entries(
    workspace_id: int, entries: Sequence[NewEntry], vectors: Sequence[np.ndarray], encoder: str
) -> int:
    """Entries checked whole by an import, saved at once with their phrasings' vectors (in the order of each
    entry's phrasings()): all of them or, when anything fails, none."""
    now = timezone.now()
    rows = Entry.objects.bulk_create(
        Entry(workspace_id=workspace_id, kind=e.kind, category=e.category, public=e.public, created_at=now,
              updated_at=now)
        for e in entries
    )  # fmt: skip
    Variant.objects.bulk_create(
        Variant(entry=row, language=v.language, question=v.question, answer=v.answer)
        for row, e in zip(rows, entries, strict=True)
        for v in e.variants
    )
    phrasings = [
        (row, language, text) for row, e in zip(rows, entries, strict=True) for language, text in e.phrasings()
    ]
    if len(phrasings) != len(vectors):
        raise ValueError(f"{len(vectors)} vectors for {len(phrasings)} phrasings")
    Phrasing.objects.bulk_create(
        (
            Phrasing(
                entry=row, language=language, text=text, vector=np.asarray(v, np.float32).tobytes(), encoder=encoder
            )
            for (row, language, text), v in zip(phrasings, vectors, strict=True)
        ),
        batch_size=500,
    )
    answering.forget(workspace_id)
    return len(rows)


def ask(
    workspace: Workspace, text: str, *, conversation: Conversation | None = None
) -> tuple[answering.Answer, Question]:
    """A visitor's question answered and kept, for the learning page and the reports."""
    asker = answering.Context(language=conversation.visitor.language if conversation else None)
    found = answering.answer(text, workspace, asker)
    return found, _keep(workspace, text, found, conversation)


def record_search(workspace: Workspace, text: str, found: answering.Answer) -> Question:
    """A search a visitor submitted in the widget's help, kept like a question asked in a conversation: one
    that found nothing good goes to the learning page."""
    return _keep(workspace, text, found, None)


def _keep(workspace: Workspace, text: str, found: answering.Answer, conversation: Conversation | None) -> Question:
    if found.confident:
        outcome = Question.Outcome.ANSWERED
    else:
        outcome = Question.Outcome.SUGGESTED if found.matches else Question.Outcome.MISSED
    return Question.objects.create(
        workspace=workspace,
        conversation=conversation,
        text=answering.read_question(text),
        language=found.language or "",
        vector=found.vector.astype(np.float32).tobytes() if found.vector is not None else b"",
        best=found.matches[0].entry if found.matches else None,
        confidence=found.confidence,
        outcome=outcome,
    )


def record_pick(question_id: int, entry: Entry) -> None:
    """The visitor picked one of the entries offered for a question the engine was unsure of."""
    Question.objects.filter(pk=question_id, workspace_id=entry.workspace_id).update(picked=entry)


def record_abstained(question: Question) -> Question:
    """The language model found that the entries do not answer the question after all: it was offered
    suggestions, and it goes to the learning page."""
    question.outcome = Question.Outcome.SUGGESTED
    question.save(update_fields=["outcome"])
    return question


def record_feedback(question: Question, *, helpful: bool) -> Question:
    """The visitor's answer to “was this helpful?”; an unhelpful answer goes to the learning page."""
    question.helpful = helpful
    question.save(update_fields=["helpful"])
    return question


@transaction.atomic
def learn(member: Member, question: Question, entry: Entry) -> Phrasing | None:
    """“Add as a phrasing of this entry”: the question, and the same words asked again, leave the learning
    page, and from now on it is answered by `entry`."""
    require_admin(member)
    if question.workspace_id != member.workspace_id:
        raise NotFound(gettext("No such question."))
    language = question.language or entry.variants.values_list("language", flat=True).first() or "en"
    added = add_phrasing(member, entry, language=language, text=question.text)
    _learned(question)
    return added


@transaction.atomic
def create_entry_from(member: Member, question: Question, *, answer: str, language: str | None = None) -> Entry:
    """“Create an entry” from a question nothing answered: the question is its first phrasing."""
    if question.workspace_id != member.workspace_id:
        raise NotFound(gettext("No such question."))
    entry = create_entry(member, language=language or question.language or "en", question=question.text, answer=answer)
    _learned(question)
    return entry


def _learned(question: Question) -> None:
    """The question, and the same words asked again, leave the learning page."""
    Question.objects.filter(workspace_id=question.workspace_id, text=question.text, learned_at=None).update(
        learned_at=timezone.now()
    )


def _add_variant(entry: Entry, language: str, question: str, answer: str, phrasings: Iterable[str]) -> Variant:
    text = check_variant(language, question, answer, phrasings)
    variant, _ = Variant.objects.update_or_create(
        entry=entry, language=text.language, defaults={"question": text.question, "answer": text.answer}
    )
    _store_phrasings(entry, text.language, text.phrasings)
    return variant


def _store_phrasings(entry: Entry, language: str, texts: list[str]) -> list[Phrasing]:
    cleaned = list(dict.fromkeys(t for t in (_clean(text, QUESTION_MAX, multiline=False) for text in texts) if t))
    known = set(entry.phrasings.filter(text__in=cleaned).values_list("text", flat=True))
    new = [t for t in cleaned if t not in known]
    if entry.phrasings.filter(language=language).count() + len(new) > PHRASINGS_MAX:
        raise _too_many_phrasings()
    if not new:
        return []
    encoder = offline_encoder()
    vectors = encoder.encode(new)
    return Phrasing.objects.bulk_create(
        Phrasing(
            entry=entry, language=language, text=t, vector=np.asarray(v, np.float32).tobytes(), encoder=encoder.name
        )
        for t, v in zip(new, vectors, strict=True)
    )


def _clean(text: str, limit: int, *, multiline: bool) -> str:
    """NFC, without control or format characters (binary junk, direction overrides); too long is an error."""
    allowed = {"\n", "\t"} if multiline else set()
    text = "".join(
        ch if ch in allowed or unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Co"} else " "
        for ch in unicodedata.normalize("NFC", text or "")
    )
    text = text.strip() if multiline else " ".join(text.split())
    if len(text) > limit:
        raise InvalidInput(gettext("At most %(max)d characters, please.") % {"max": limit}, code="too_long")
    return text


def _language(code: str) -> str:
    if code not in LANGUAGES:
        raise InvalidInput(gettext("Choose one of the widget's languages."), code="invalid_language")
    return code


def _check_entry(member: Member, entry: Entry) -> None:
    if entry.workspace_id != member.workspace_id:
        raise NotFound(gettext("No such entry."))


def _variant(entry: Entry, language: str) -> Variant:
    variant = entry.variants.filter(language=language).first()
    if variant is None:
        raise NotFound(gettext("The entry is not written in that language."))
    return variant


def _touch(entry: Entry) -> None:
    Entry.objects.filter(pk=entry.pk).update(updated_at=timezone.now())


def _too_many_phrasings() -> InvalidInput:
    return InvalidInput(
        gettext("An entry can have at most %(max)d phrasings per language.") % {"max": PHRASINGS_MAX},
        code="too_many_phrasings",
    )
