"""Writing the knowledge base. Each phrasing is encoded once, when it is saved; answering reads the vectors."""

import unicodedata
from collections.abc import Iterable

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
    if kind not in Entry.Kind.values:
        raise InvalidInput(gettext("Choose an FAQ entry or an article."), code="invalid_kind")
    entry = Entry.objects.create(
        workspace=member.workspace, kind=kind, category=_clean(category, 120, multiline=False), public=public
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
    language = _language(language)
    question = _clean(question, QUESTION_MAX, multiline=False)
    if not question:
        raise InvalidInput(gettext("Write the question the entry answers."), code="question_missing")
    answer = _clean(answer, ANSWER_MAX, multiline=True)
    if not answer:
        raise InvalidInput(gettext("Write the answer."), code="answer_missing")
    variant, _ = Variant.objects.update_or_create(
        entry=entry, language=language, defaults={"question": question, "answer": answer}
    )
    _store_phrasings(entry, language, [question, *phrasings])
    return variant


def _store_phrasings(entry: Entry, language: str, texts: list[str]) -> list[Phrasing]:
    cleaned = list(dict.fromkeys(t for t in (_clean(text, QUESTION_MAX, multiline=False) for text in texts) if t))
    known = set(entry.phrasings.filter(text__in=cleaned).values_list("text", flat=True))
    new = [t for t in cleaned if t not in known]
    if entry.phrasings.filter(language=language).count() + len(new) > PHRASINGS_MAX:
        raise InvalidInput(
            gettext("An entry can have at most %(max)d phrasings per language.") % {"max": PHRASINGS_MAX},
            code="too_many_phrasings",
        )
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
