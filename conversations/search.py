"""Full-text search over messages and the names and emails of contacts.

One function, `matching_conversations`, two engines behind it:

- PostgreSQL (scale-out): a GIN index on ``to_tsvector('simple', text)`` of
  conversations_message (migration 0003). The 'simple' configuration lowercases
  and never stems, so it behaves the same for every language, Russian included;
  it does not fold accents ("cafe" does not find "café", "café" does). The query
  is built in SQL from the user's text by the same parser that built the index,
  so the words line up with the indexed lexemes (an email address stays one
  word, as in the index); every lexeme must match, each as a prefix.
- SQLite (embedded): an FTS5 external-content table, conversations_message_fts,
  kept in sync by triggers (migration 0003); tokenizer unicode61 with
  remove_diacritics 2, so matching ignores case and accents. Each word the user
  typed becomes one quoted FTS5 string, so nothing they type is FTS5 syntax.

On both, a word of a single character matches whole words only: as a prefix it
would match nearly every message and make the query slow for nothing.

Contacts are matched with a plain case-insensitive substring search (icontains):
a workspace has few contacts next to its messages, a substring is what people
expect of an email ("gmail", "@shop.com"), and it needs no extension (pg_trgm)
nor an index on the contacts table, which other migrations own.
"""

import json
import re
from functools import lru_cache, reduce
from operator import and_, or_
from typing import Any

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, Expression, F, Func, Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.sql.compiler import SQLCompiler

from contacts.models import Contact
from conversations.models import Conversation, Message
from visitors.models import Visitor

# A search looks at the newest this many matching messages (on PostgreSQL, where
# workspaces grow to millions of messages): a word in every message still
# answers at once, and people narrow a search by adding words.
MESSAGE_HITS = 300
COMMON_MESSAGES = 20_000

# The callers cut the search to 200 characters; this keeps a direct caller's query bounded too.
MAX_TEXT = 200
MAX_WORDS = 16

# The index created by migration 0003 on PostgreSQL, and the FTS5 table on SQLite.
PG_INDEX = "message_text_search"
FTS_TABLE = "conversations_message_fts"

_WORD_CHARS = re.compile(r"[^\W_]+")  # letters and digits of any script, what both tokenizers keep
_EDGE_PUNCTUATION = re.compile(r"^[\W_]+|[\W_]+$")

# A prefix tsquery from the text's own lexemes: 'order':* & 'john@example.com':* & 'a'.
# Cast (not to_tsquery) so the lexemes are taken as they are and never re-parsed;
# quotes and backslashes are escaped for the tsquery syntax. No lexemes: NULL, no match.
_PG_TSQUERY = r"""(
    SELECT string_agg(
        '''' || replace(replace(lexeme, '\', '\\'), '''', '''''') || ''''
        || CASE WHEN length(lexeme) > 1 THEN ':*' ELSE '' END,
        ' & '
    )::tsquery
    FROM unnest(to_tsvector('simple'::regconfig, {text}))
)"""


class _PgTextMatches(Func):
    """``to_tsvector('simple', <column>) @@ '<tsquery>'``: the GIN index's own expression, so it is used.

    The tsquery is a literal (Django binds parameters on the client), so the
    planner sees how common the words are: a word in most messages is found by
    walking the newest messages, a rare one through the index.
    """

    output_field = BooleanField()

    def __init__(self, column: str, tsquery: str) -> None:
        super().__init__(F(column), Value(tsquery))

    def as_sql(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, list[Any]]:
        column, tsquery = self.get_source_expressions()
        column_sql, column_params = compiler.compile(column)
        tsquery_sql, tsquery_params = compiler.compile(tsquery)
        sql = f"to_tsvector('simple'::regconfig, {column_sql}) @@ ({tsquery_sql})::tsquery"
        return sql, [*column_params, *tsquery_params]


def _common_on_postgresql(words: list[str]) -> bool:
    """Whether PostgreSQL expects the words (as whole words) in more than COMMON_MESSAGES messages.

    Its estimate for a prefix is a fixed guess, for a whole word it comes from the
    index's statistics; a prefix matches at least what the whole word does.
    """
    tsquery = _pg_tsquery(words)
    if not tsquery:
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN (FORMAT JSON) SELECT 1 FROM conversations_message"
            " WHERE to_tsvector('simple'::regconfig, text) @@ %s::tsquery",
            [tsquery.replace(":*", "")],
        )
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return bool(plan[0]["Plan"]["Plan Rows"] > COMMON_MESSAGES)


def _pg_tsquery(words: list[str]) -> str | None:
    return _parsed_tsquery(" ".join(words))


@lru_cache(maxsize=512)
def _parsed_tsquery(text: str) -> str | None:
    """The text's prefix tsquery, parsed by PostgreSQL itself (the same every time); None when no lexeme is left."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT ({_PG_TSQUERY.format(text='%s')})::text", [text])
        row = cursor.fetchone()
    return row[0] if row else None


def fts5_query(words: list[str]) -> str:
    """An FTS5 query where every word must match: each one quoted (so it is never syntax), a prefix if long enough.

    A word such as "john@example.com" is a phrase for FTS5 (john example com, next to each other).
    """
    terms = []
    for word in words:
        runs = _WORD_CHARS.findall(word)
        if not runs:
            continue
        prefix = "*" if len(runs[-1]) > 1 else ""
        terms.append('"' + word.replace('"', '""') + '"' + prefix)
    return " ".join(terms)


def _words(text: str) -> list[str]:
    """The words typed, without those that are only punctuation (no tokenizer keeps them).

    NUL characters and lone surrogates, which no database driver accepts, are dropped.
    """
    text = text[:MAX_TEXT].replace("\x00", " ").encode("utf-8", "ignore").decode("utf-8")
    return [word for word in text.split() if _WORD_CHARS.search(word)][:MAX_WORDS]


def _message_matches(words: list[str]) -> Expression | Q:
    if connection.vendor == "postgresql":
        tsquery = _pg_tsquery(words)
        return _PgTextMatches("text", tsquery) if tsquery else Q(pk__in=[])
    if connection.vendor == "sqlite":
        fts = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"  # noqa: S608 (a constant name)
        return Q(id__in=RawSQL(fts, [fts5_query(words)]))  # noqa: S611 (the user's text is a parameter)
    # Any other database: correct but slow.
    return reduce(and_, (Q(text__icontains=word) for word in words))


def matching_messages(text: str) -> QuerySet[Message]:
    """Messages of any workspace whose text has every word of `text` (each as a prefix): scope it yourself."""
    words = _words(text)
    if not words:
        return Message.objects.none()
    return Message.objects.filter(_message_matches(words)).order_by()


def _contact_matches(words: list[str], fields: tuple[str, ...] = ("name", "email")) -> Q:
    """Every word is in one of the contact's `fields`, ignoring case."""
    q = Q()
    for word in words:
        term = _EDGE_PUNCTUATION.sub("", word)
        # SQLite's LIKE ignores the case of ASCII letters only: for other scripts also
        # try the word in lower, upper and title case, the ways names are written.
        variants = {term} if term.isascii() or connection.vendor != "sqlite" else _case_variants(term)
        q &= reduce(or_, (Q(**{f"{field}__icontains": v}) for v in sorted(variants) for field in fields))
    return q


def contact_search(text: str) -> Q:
    """Contacts whose name, email, phone or company hold every word of `text` (the contacts list, merging)."""
    words = _words(text)
    return _contact_matches(words, ("name", "email", "phone", "company")) if words else Q(pk__in=[])


def _case_variants(term: str) -> set[str]:
    return {term, term.lower(), term.upper(), term.title(), term.capitalize()}


def matching_conversations(workspace_id: int, text: str) -> QuerySet[Conversation, Any] | list[int]:
    """Ids of the workspace's conversations whose messages, or whose contact's name or email, match `text`.

    Every word must match, each as a prefix ("ord" finds "order"). Text without
    letters or digits matches nothing. Use it as ``filter(id__in=...)``: a subquery on SQLite, the
    ids themselves on PostgreSQL.
    """
    words = _words(text)
    if not words:
        return Conversation.objects.none().values("id")
    contacts = Contact.objects.filter(_contact_matches(words), workspace_id=workspace_id)
    by_contact = Conversation.objects.filter(visitor__in=Visitor.objects.filter(contact__in=contacts)).values("id")
    by_message = matching_messages(text).values("conversation_id")
    if connection.vendor == "postgresql":
        if _common_on_postgresql(words):
            # Only the newest matches of the workspace: PostgreSQL walks the messages
            # newest first and stops early, where reading every match takes seconds.
            by_message = by_message.filter(conversation__workspace_id=workspace_id).order_by("-id")[:MESSAGE_HITS]
        # The ids are fetched, then checked against the workspace by primary key: as
        # subqueries PostgreSQL guessed their size and read every conversation.
        found = list(by_contact.order_by().union(by_message).values_list("id", flat=True))
        return list(Conversation.objects.filter(workspace_id=workspace_id, id__in=found).values_list("id", flat=True))
    # Each side is driven by its own index (the FTS table; contacts -> visitors ->
    # conversations), then the few ids found are checked against the workspace by
    # primary key. Scoping each side by a join on the workspace instead makes
    # SQLite walk every conversation of the workspace.
    return Conversation.objects.filter(
        workspace_id=workspace_id, id__in=by_contact.order_by().union(by_message)
    ).values("id")
