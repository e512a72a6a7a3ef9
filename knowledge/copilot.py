"""Suggested answers for an operator in a conversation: the knowledge entries closest to the visitor's last
message, or to what the operator searches, internal entries included, each in the visitor's language where the
entry has it. These lookups are not visitors' questions, so none is kept for the learning page."""

from dataclasses import dataclass

from conversations.models import Conversation, Message
from core.errors import NotFound
from knowledge.answering import Answer, Context, answer, read_question, variant_for
from knowledge.languages import detect
from knowledge.models import Entry, Variant
from widget.languages import LANGUAGES
from workspaces.models import Member


@dataclass(frozen=True)
class Suggestion:
    entry_id: str  # the entry's public id
    title: str  # the variant's question (an article's title)
    answer: str  # what goes into the reply box: the variant's answer as stored (Markdown)
    language: str  # the variant's
    language_name: str  # named in itself ("Русский")
    in_other_language: bool  # the entry has nothing in the visitor's language: this is the one it has
    internal: bool  # for operators only: not to be sent as is without a thought
    score: float
    confident: bool  # the engine would give it as the answer on its own (only ever the first)


@dataclass(frozen=True)
class Suggestions:
    asked: str  # what was looked up: the visitor's last message or the operator's search ("" when nothing)
    language: str | None  # the visitor's, which the suggestions are in where the entries have it
    found: list[Suggestion]  # best first, at most three
    has_knowledge: bool  # the workspace has entries at all

    @property
    def language_name(self) -> str:
        return LANGUAGES.get(self.language, self.language) if self.language else ""


def suggestions(member: Member, conversation: Conversation) -> Suggestions:
    """The entries answering the visitor's last message."""
    _check_scope(member, conversation)
    text, asker = last_visitor_text(conversation), _asker(conversation)
    has_knowledge = _has_knowledge(member)
    if not text or not has_knowledge:
        return Suggestions(text, asker.primary_language, [], has_knowledge)
    found = answer(text, conversation.workspace, asker)
    language = found.language or asker.primary_language  # the same reading visitor_language makes
    return Suggestions(text, language, _suggested(found, language), has_knowledge)


def search(member: Member, conversation: Conversation, query: str) -> Suggestions:
    """The entries for the operator's search, in the visitor's language (not the search's) where they have it."""
    _check_scope(member, conversation)
    query, asker = read_question(query), _asker(conversation)
    has_knowledge = _has_knowledge(member)
    if not query or not has_knowledge:
        return Suggestions(query, asker.primary_language, [], has_knowledge)
    language = visitor_language(conversation)
    found = answer(query, conversation.workspace, asker)
    return Suggestions(query, language, _suggested(found, language), has_knowledge)


def last_visitor_text(conversation: Conversation) -> str:
    last = (
        Message.objects.filter(conversation=conversation, author_kind=Message.AuthorKind.VISITOR)
        .exclude(text="")
        .order_by("-seq")
        .values_list("text", flat=True)
        .first()
    )
    return read_question(last or "")


def visitor_language(conversation: Conversation) -> str | None:
    """The language the visitor writes in among the workspace's: their last message's, else their browser's."""
    preferred = _asker(conversation).primary_language
    text = last_visitor_text(conversation)
    if not text:
        return preferred
    written = Variant.objects.filter(entry__workspace_id=conversation.workspace_id).values_list("language", flat=True)
    return detect(text, tuple(sorted(set(written))), preferred=preferred) or preferred


def _suggested(found: Answer, language: str | None) -> list[Suggestion]:
    suggested = []
    for rank, match in enumerate(found.matches):
        variant = match.variant if match.variant.language == language else variant_for(match.entry, language)
        suggested.append(
            Suggestion(
                entry_id=match.entry.public_id.hex,
                title=variant.question,
                answer=variant.answer,
                language=variant.language,
                language_name=LANGUAGES.get(variant.language, variant.language),
                in_other_language=language is not None and variant.language != language,
                internal=not match.entry.public,
                score=match.score,
                confident=found.confident and rank == 0,
            )
        )
    return suggested


def _asker(conversation: Conversation) -> Context:
    """An operator asks on the visitor's behalf: every entry, the visitor's language preferred."""
    return Context(public_only=False, language=conversation.visitor.language or None)


def _has_knowledge(member: Member) -> bool:
    return Entry.objects.filter(workspace_id=member.workspace_id).exists()


def _check_scope(member: Member, conversation: Conversation) -> None:
    if conversation.workspace_id != member.workspace_id:
        raise NotFound("Conversation not found.")
