"""The knowledge base as the widget's help shows it to a visitor: public entries only, in their language, the
answer's Markdown made into sanitised HTML here, once, for the widget to show as it is."""

import hashlib
from dataclasses import dataclass
from itertools import pairwise

import nh3
from django.core.cache import cache
from django.db.models import QuerySet
from markdown_it import MarkdownIt

from core.errors import DomainError
from core.ids import get_by_public_id
from knowledge import actions as knowledge_actions
from knowledge.answering import QUESTION_MAX, Answer, Context, answer, read_question, variant_for
from knowledge.models import Entry, Variant
from visitors.models import Visitor
from widget.languages import LANGUAGES, widget_language
from widget.queries import widget_settings

RESULTS_MAX = 5
EXCERPT_MAX = 160
SEARCH_KEPT_SECONDS = 600  # the same search submitted again by the same visitor within this is kept once
ARTICLE_TAGS = {
    *("p", "br", "strong", "em", "a", "ul", "ol", "li", "code", "pre", "blockquote", "hr", "s"),
    *("h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td"),
}

# Raw HTML in an answer stays text. Pictures are left out by the sanitiser: an address on any server would be
# loaded in the visitor's browser.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": True}).enable(["linkify", "table", "strikethrough"])
_BREAKS = ("softbreak", "hardbreak")


class QueryTooLong(DomainError):
    code = "query_too_long"


@dataclass(frozen=True)
class Found:
    entry: Entry
    variant: Variant
    in_other_language: bool = False  # the entry is not written in the visitor's language


def visitor_language(visitor: Visitor) -> str:
    """The language the widget speaks to this visitor."""
    return widget_language(visitor.language, widget_settings(visitor.inbox).default_language)


def search(visitor: Visitor, query: str, *, submitted: bool = False) -> list[Found]:
    """Up to RESULTS_MAX public entries for the query, best first; for no query, the newest public entries, so
    a knowledge base always shows something. A submitted search is kept for the learning page."""
    if len(query.strip()) > QUESTION_MAX:
        raise QueryTooLong(f"A search is at most {QUESTION_MAX} characters.")
    language = visitor_language(visitor)
    if not query.strip():
        newest = _public(visitor).order_by("-updated_at", "-pk")[:RESULTS_MAX]
        return [Found(entry, variant_for(entry, language)) for entry in newest]
    found = answer(query, visitor.workspace, Context(public_only=True, language=language))
    if submitted:
        _keep(visitor, query, found)
    return [Found(match.entry, match.variant) for match in found.matches[:RESULTS_MAX]]


def get_entry(visitor: Visitor, entry_id: str, language: str = "", *, searched: str = "") -> Found:
    """A public entry of the visitor's workspace in `language` (a result's) when the widget speaks it, else in
    the visitor's, else in the language it was written in first. `searched`: the search it was opened from,
    kept with this entry as the one the visitor picked."""
    own = visitor_language(visitor)
    entry = get_by_public_id(_public(visitor), entry_id, "Entry")
    variant = variant_for(entry, language if language in LANGUAGES else own)
    if searched.strip() and len(searched.strip()) <= QUESTION_MAX:
        if (question_id := cache.get(_kept_key(visitor, searched))) is None:
            found = answer(searched, visitor.workspace, Context(public_only=True, language=own))
            question_id = _keep(visitor, searched, found)
        if question_id:  # 0: another request is keeping it this instant
            knowledge_actions.record_pick(question_id, entry)
    return Found(entry, variant, in_other_language=own not in {v.language for v in entry.variants.all()})


def article_html(markdown: str) -> str:
    """An answer's Markdown as HTML of ARTICLE_TAGS only; links open in a new tab."""
    return nh3.clean(
        _markdown.render(markdown),
        tags=ARTICLE_TAGS,
        attributes={"a": {"href"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        set_tag_attribute_values={"a": {"target": "_blank"}},
    ).strip()


def excerpt(markdown: str) -> str:
    """The start of an answer's text as plain text (its headings left out), cut at a word."""
    tokens = _markdown.parse(markdown)
    blocks = [
        "".join(
            child.content if child.type in ("text", "code_inline") else " " if child.type in _BREAKS else ""
            for child in token.children or ()
        )
        for before, token in pairwise([None, *tokens])
        if token is not None and token.type == "inline" and (before is None or before.type != "heading_open")
    ]
    text = " ".join(" ".join(blocks).split())
    if len(text) <= EXCERPT_MAX:
        return text
    cut = text[:EXCERPT_MAX]
    space = cut.rfind(" ")
    if space > EXCERPT_MAX // 2:  # Japanese, Chinese and Khmer put no spaces between words
        cut = cut[:space]
    return cut.rstrip(" ,.;:、。") + "…"


def _public(visitor: Visitor) -> QuerySet[Entry]:
    return Entry.objects.filter(workspace_id=visitor.workspace_id, public=True).prefetch_related("variants")


def _keep(visitor: Visitor, query: str, found: Answer) -> int:
    """A submitted search kept as a question, once: pressing Enter and then opening a result submit the same
    search twice. The kept question's id (0 while another request keeps it)."""
    key = _kept_key(visitor, query)
    if not cache.add(key, 0, SEARCH_KEPT_SECONDS):
        return cache.get(key) or 0
    question = knowledge_actions.record_search(visitor.workspace, query, found)
    cache.set(key, question.pk, SEARCH_KEPT_SECONDS)
    return question.pk


def _kept_key(visitor: Visitor, query: str) -> str:
    text = hashlib.sha256(read_question(query).encode()).hexdigest()[:32]
    return f"parley:help-search:{visitor.public_id.hex}:{text}"
