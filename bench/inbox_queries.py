"""Parley inbox query benchmark: the conversation list and a long feed on a large PostgreSQL database.

Run from the repository root with `.venv/bin/python bench/inbox_queries.py` (`make bench` runs it after
bench/chat_load.py; `--help` lists the options).

Requirement checked: every list and feed query is indexed and bounded; the list and a 1,000-message feed
render in under 150 ms of server time with 100,000 conversations and 2 million messages in PostgreSQL.

1. Database. Its own PostgreSQL database (default postgresql://postgres@127.0.0.1:5432/bench_inbox),
   dropped and recreated unless --reuse is given and it already holds data of the requested size.
   Django's `migrate` builds the schema (DATABASE_URL set for this process), then the data is seeded
   with COPY and INSERT ... SELECT generate_series: one workspace, 3 inboxes, 12 members (2 admins,
   10 agents spread over the inboxes), 5 teams, 20 tags, one visitor per conversation (a third linked
   to a contact with a name and email), conversations over about a year of activity with a realistic
   mix of status, assignee, team, tags, unread counts and waiting times, and messages (varied
   lengths, one conversation with 1,200) whose text comes from a small English and Russian word list.
   VACUUM ANALYZE afterwards.
2. Measurement, in this process with Django's test Client (force_login): the time from the request to
   the complete response (middleware, view, queries, template rendering, gzip as a browser asks for
   it), warmed up, then median / p95 / max over --runs runs, and the number of SQL queries of one
   more run (CaptureQueriesContext). The main list / feed query of each request is run again under
   EXPLAIN ANALYZE and summarised (indexes used, sequential scans, sorts).
3. Results go to the console and, unless --quick or --no-results, into bench/RESULTS.md between
   `<!-- inbox_queries:start -->` and `<!-- inbox_queries:end -->` (the rest of the file is kept).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import html
import json
import os
import platform
import random
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "RESULTS.md"
SECTION = "inbox_queries"
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/bench_inbox"
TARGET_MS = 150.0
SEED_VERSION = "1"  # bump when the generated data changes shape; --reuse then reseeds
RANDOM_SEED = 20261123

FULL = {"conversations": 100_000, "messages": 2_000_000}
QUICK = {"conversations": 2_000, "messages": 40_000}
LONG_CONVERSATION = 1_200  # messages in the one long conversation (the feed test)

# Search words: COMMON is in roughly one message in seven, RARE in exactly RARE_COUNT messages.
COMMON_WORD = "order"
COMMON_WORD_RU = "заказ"
RARE_WORD = "tangerine"
RARE_COUNT = 7
EN_WORDS = [
    "order",
    "delivery",
    "refund",
    "price",
    "account",
    "password",
    "login",
    "invoice",
    "payment",
    "card",
    "shipping",
    "address",
    "package",
    "tracking",
    "size",
    "colour",
    "return",
    "exchange",
    "discount",
    "coupon",
    "subscription",
    "cancel",
    "upgrade",
    "plan",
    "support",
    "help",
    "question",
    "problem",
    "error",
    "page",
    "checkout",
    "cart",
    "basket",
    "product",
    "stock",
    "available",
    "today",
    "tomorrow",
    "week",
    "please",
    "thanks",
    "hello",
    "hi",
    "could",
    "would",
    "when",
    "where",
    "why",
    "how",
    "broken",
    "missing",
    "wrong",
    "late",
    "fast",
    "quick",
    "email",
    "phone",
    "number",
    "receipt",
    "warranty",
    "manager",
]
RU_WORDS = [
    "заказ",
    "доставка",
    "возврат",
    "цена",
    "счёт",
    "пароль",
    "вход",
    "оплата",
    "карта",
    "адрес",
    "посылка",
    "размер",
    "цвет",
    "обмен",
    "скидка",
    "купон",
    "подписка",
    "отмена",
    "тариф",
    "помощь",
    "вопрос",
    "проблема",
    "ошибка",
    "страница",
    "корзина",
    "товар",
    "наличие",
    "сегодня",
    "завтра",
    "неделя",
    "пожалуйста",
    "спасибо",
    "здравствуйте",
    "привет",
    "когда",
    "где",
    "почему",
    "сломан",
    "пропал",
    "поздно",
    "быстро",
    "почта",
    "телефон",
    "номер",
    "чек",
    "гарантия",
    "менеджер",
]
FIRST_NAMES = [
    "Anna",
    "Ivan",
    "Maria",
    "Olga",
    "John",
    "Emma",
    "Liam",
    "Sofia",
    "Dmitry",
    "Elena",
    "Noah",
    "Mia",
    "Pavel",
    "Irina",
    "Lucas",
    "Chloe",
]
LAST_NAMES = [
    "Smith",
    "Ivanova",
    "Petrov",
    "Brown",
    "Garcia",
    "Kuznetsova",
    "Miller",
    "Sokolov",
    "Wilson",
    "Popova",
    "Moore",
    "Novak",
]
USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
)
SENTENCES = 4096


# --------------------------------------------------------------------------- setup


def configure_django(database_url: str, data_dir: str) -> None:
    """Settings come from the environment (parley/settings.py): PostgreSQL, no Redis, quiet logs."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.pop("REDIS_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "parley.settings"
    os.environ.setdefault("SECRET_KEY", "bench-inbox-queries-not-secret")
    os.environ["DATA_DIR"] = data_dir
    os.environ["DEBUG"] = "false"
    os.environ["EMBEDDED_WORKER"] = "false"
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    import django

    django.setup()


def admin_url(database_url: str) -> tuple[str, str]:
    """(URL of the server's `postgres` database, name of the benchmark database)."""
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        sys.exit(f"--database-url: the database name must be [A-Za-z0-9_]+, not {name!r}")
    return urlunsplit(parts._replace(path="/postgres")), name


def seeded_sizes(database_url: str) -> dict[str, str] | None:
    """The sizes recorded by a finished seed, or None (no database, no data, or an unfinished seed)."""
    import psycopg

    try:
        with psycopg.connect(database_url, connect_timeout=5) as conn:
            rows = conn.execute("SELECT key, value FROM bench_inbox_meta").fetchall()
    except psycopg.Error:
        return None
    return dict(rows)


def recreate_database(database_url: str) -> None:
    import psycopg

    server, name = admin_url(database_url)
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


# --------------------------------------------------------------------------- seeding


@dataclass
class Seeded:
    workspace_id: int
    admin_ids: list[int]
    agent_ids: list[int]
    agent_inboxes: dict[int, list[int]]  # agent member id -> inbox ids
    inbox_ids: list[int]
    team_ids: list[int]
    tag_ids: list[int]
    seconds: dict[str, float] = field(default_factory=dict)


def message_counts(conversations: int, messages: int, rng: random.Random) -> list[int]:
    """Messages per conversation: long-tailed (many short chats, a few long), one LONG_CONVERSATION
    conversation (the last one: the newest), summing exactly to `messages`."""
    long_one = min(LONG_CONVERSATION, messages // 4)
    rest = conversations - 1
    weights = [rng.lognormvariate(0.0, 0.9) for _ in range(rest)]
    budget = messages - long_one - rest  # every conversation has at least one message
    total = sum(weights)
    counts = [1 + int(w / total * budget) for w in weights]
    for i in rng.choices(range(rest), k=messages - long_one - sum(counts)):  # what the rounding down left
        counts[i] += 1
    return [*counts, long_one]


def author_kind(conversation_id: int, seq: int) -> str:
    """Who wrote message `seq`; the SQL that inserts the messages uses the same rule."""
    if seq == 1 or (conversation_id + seq) % 2 == 1:
        return "visitor"
    return "system" if seq % 29 == 0 else "operator"


def sentence_pool(rng: random.Random) -> list[str]:
    pool = []
    for _ in range(SENTENCES):
        words = RU_WORDS if rng.random() < 0.3 else EN_WORDS
        text = " ".join(rng.choice(words) for _ in range(rng.randint(4, 14)))
        pool.append(text[0].upper() + text[1:] + rng.choice(".?!"))
    return pool


def timed(seconds: dict[str, float], name: str) -> Callable[[Callable[[], None]], None]:
    def run(step: Callable[[], None]) -> None:
        start = time.perf_counter()
        step()
        seconds[name] = time.perf_counter() - start
        print(f"   {name}: {seconds[name]:.1f} s", flush=True)

    return run


def without_indexes(conn: Any, table: str) -> Callable[[], None]:
    """Drop `table`'s secondary indexes and its constraints other than the primary key; return a function
    that recreates them exactly as they were (from pg_get_indexdef / pg_get_constraintdef)."""
    constraints = conn.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('u', 'f', 'c', 'x') ORDER BY contype DESC, conname",
        (table,),
    ).fetchall()
    indexes = conn.execute(
        "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid)",
        (table,),
    ).fetchall()
    for name, _ in constraints:
        conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        conn.execute(f'DROP INDEX "{name}"')

    def rebuild() -> None:
        for _, definition in indexes:
            conn.execute(definition)
        for name, definition in reversed(constraints):  # unique (and their indexes) before foreign keys
            conn.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')

    return rebuild


def seed(database_url: str, n_conversations: int, n_messages: int) -> Seeded:
    import psycopg
    from django.db import connection, transaction

    from accounts.models import User
    from conversations.models import Tag
    from workspaces.models import Inbox, Member, Team, Workspace

    rng = random.Random(RANDOM_SEED)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    seconds: dict[str, float] = {}
    start = time.perf_counter()

    # Small tables through the ORM (defaults, constraints and all).
    with transaction.atomic():
        workspace = Workspace.objects.create(name="Bench Co")
        inboxes = [
            Inbox.objects.create(workspace=workspace, name=name, allowed_origins=["https://shop.example.com"])
            for name in ("Shop", "Support", "Partners")
        ]
        members = []
        for i in range(12):
            role = Member.Role.ADMIN if i < 2 else Member.Role.AGENT
            kind = "admin" if i < 2 else "agent"
            user = User.objects.create(email=f"bench-{kind}{i}@bench.parley.local", name=f"Bench {kind} {i}")
            user.set_unusable_password()
            user.save(update_fields=["password"])
            members.append(Member.objects.create(workspace=workspace, user=user, role=role, display_name=user.name))
        admins, agents = members[:2], members[2:]
        agent_inboxes: dict[int, list[int]] = {}
        for i, agent in enumerate(agents):  # 4 / 3 / 3, and the first agent also works the second inbox
            mine = [inboxes[0 if i < 4 else 1 if i < 7 else 2]] + ([inboxes[1]] if i == 0 else [])
            for inbox in mine:
                inbox.members.add(agent)
            agent_inboxes[agent.pk] = [inbox.pk for inbox in mine]
        teams = [
            Team.objects.create(workspace=workspace, name=n) for n in ("Sales", "Support", "Billing", "VIP", "Ops")
        ]
        for i, agent in enumerate(agents):
            teams[i % len(teams)].members.add(agent)
        tag_names = [
            "bug",
            "billing",
            "refund",
            "vip",
            "urgent",
            "feedback",
            "shipping",
            "returns",
            "lead",
            "partner",
            "spam",
            "sales",
            "onboarding",
            "outage",
            "api",
            "mobile",
            "enterprise",
            "churn-risk",
            "invoice",
            "question",
        ]
        tags = [Tag.objects.create(workspace=workspace, name=n) for n in tag_names]
    seconds["small tables (ORM)"] = time.perf_counter() - start
    seeded = Seeded(
        workspace_id=workspace.pk,
        admin_ids=[m.pk for m in admins],
        agent_ids=[m.pk for m in agents],
        agent_inboxes=agent_inboxes,
        inbox_ids=[i.pk for i in inboxes],
        team_ids=[t.pk for t in teams],
        tag_ids=[t.pk for t in tags],
        seconds=seconds,
    )
    agents_by_inbox: dict[int, list[int]] = {i.pk: [] for i in inboxes}
    for agent_id, inbox_ids in agent_inboxes.items():
        for inbox_id in inbox_ids:
            agents_by_inbox[inbox_id].append(agent_id)
    connection.close()

    counts = message_counts(n_conversations, n_messages, rng)
    year = dt.timedelta(days=365)
    # Activity spread over a year, denser recently (more customers now than a year ago).
    activity = sorted(now - year * (rng.random() ** 1.6) - dt.timedelta(seconds=rng.randint(60, 3600)) for _ in counts)
    activity[-1] = now - dt.timedelta(minutes=2)  # the long conversation is the newest
    sentences = sentence_pool(rng)

    with psycopg.connect(database_url) as conn:
        conn.execute("SET synchronous_commit = off")
        conn.execute("SET CONSTRAINTS ALL IMMEDIATE")  # Django's foreign keys are deferred; check as we go
        conn.execute("SET maintenance_work_mem = '256MB'")
        conn.execute("SET work_mem = '64MB'")

        def contacts_and_visitors() -> None:
            with conn.cursor() as cur:
                contact_rows = 0
                with cur.copy(
                    "COPY contacts_contact (id, public_id, workspace_id, name, email, phone, created_at) FROM STDIN"
                ) as copy:
                    for i in range(1, len(counts) + 1):
                        if i % 3 == 0:
                            contact_rows += 1
                            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                            email = f"{first}.{last}{i}@example.com".lower()
                            copy.write_row((i // 3, uuid.uuid4(), workspace.pk, f"{first} {last}", email, "", now))
                with cur.copy(
                    "COPY visitors_visitor (id, public_id, workspace_id, inbox_id, contact_id, first_seen_at, "
                    "last_seen_at, user_agent, language) FROM STDIN"
                ) as copy:
                    for i, last_activity in enumerate(activity, start=1):
                        inbox_id = inbox_for(i)
                        copy.write_row(
                            (
                                i,
                                uuid.uuid4(),
                                workspace.pk,
                                inbox_id,
                                i // 3 if i % 3 == 0 else None,
                                last_activity - dt.timedelta(days=rng.randint(0, 60)),
                                last_activity,
                                rng.choice(USER_AGENTS),
                                "ru" if i % 4 == 0 else "en",
                            )
                        )

        def inbox_for(i: int) -> int:
            # 55% shop, 30% support, 15% partners; the long conversation in the shop inbox
            if i == len(counts):
                return seeded.inbox_ids[0]
            r = (i * 2654435761) % 100
            return seeded.inbox_ids[0 if r < 55 else 1 if r < 85 else 2]

        def conversations_and_tags() -> None:
            with (
                conn.cursor() as cur,
                cur.copy(
                    "COPY conversations_conversation (id, public_id, workspace_id, inbox_id, visitor_id, status, "
                    "assignee_id, team_id, snoozed_until, last_seq, unread_count, waiting_since, last_activity_at, "
                    "created_at) FROM STDIN"
                ) as copy,
            ):
                for i, (n, last_activity) in enumerate(zip(counts, activity, strict=True), start=1):
                    age = now - last_activity
                    r = rng.random()
                    if age < dt.timedelta(days=3):
                        status = "open" if r < 0.6 else "snoozed" if r < 0.7 else "closed"
                    elif age < dt.timedelta(days=30):
                        status = "open" if r < 0.12 else "snoozed" if r < 0.16 else "closed"
                    else:
                        status = "open" if r < 0.01 else "snoozed" if r < 0.015 else "closed"
                    if i == len(counts):
                        status = "open"
                    inbox_id = inbox_for(i)
                    r = rng.random()
                    if status == "open" and r < 0.3 and i != len(counts):
                        assignee = None  # open and unassigned: the queue
                    elif r < 0.08:
                        assignee = rng.choice(seeded.admin_ids)
                    elif r < 0.15 and status == "closed":
                        assignee = None
                    else:
                        assignee = rng.choice(agents_by_inbox[inbox_id])
                    team = rng.choice(seeded.team_ids) if rng.random() < 0.7 else None
                    last_by_visitor = author_kind(i, n) == "visitor"
                    waiting = status == "open" and last_by_visitor
                    unread = rng.randint(1, 4) if waiting and rng.random() < 0.7 else 0
                    duration = dt.timedelta(minutes=rng.randint(2, 180)) * (1 + n // 20)
                    if i == len(counts):
                        duration = dt.timedelta(days=20)
                    copy.write_row(
                        (
                            i,
                            uuid.uuid4(),
                            workspace.pk,
                            inbox_id,
                            i,
                            status,
                            assignee,
                            team,
                            now + dt.timedelta(hours=rng.randint(1, 72)) if status == "snoozed" else None,
                            n,
                            unread,
                            last_activity - dt.timedelta(minutes=rng.randint(0, 30)) if waiting else None,
                            last_activity,
                            last_activity - duration,
                        )
                    )
            with (
                conn.cursor() as cur,
                cur.copy("COPY conversations_conversation_tags (conversation_id, tag_id) FROM STDIN") as copy,
            ):
                for i in range(1, len(counts) + 1):
                    k = rng.choices((0, 1, 2, 3), weights=(45, 35, 15, 5))[0]
                    for tag_id in rng.sample(seeded.tag_ids, k):
                        copy.write_row((i, tag_id))

        def messages() -> None:
            # Bulk load without the secondary indexes and constraints (the GIN search index above all),
            # then rebuild them from their own definitions: much faster than maintaining them row by row.
            rebuild = without_indexes(conn, "conversations_message")
            conn.execute("CREATE TEMP TABLE bench_sentence (id int PRIMARY KEY, body text NOT NULL)")
            with conn.cursor() as cur, cur.copy("COPY bench_sentence (id, body) FROM STDIN") as copy:
                for i, text in enumerate(sentences):
                    copy.write_row((i, text))
            # Same author rule as author_kind(); operator messages by the assignee (else the first admin);
            # about one operator message in 40 is a private note; times spread over the conversation.
            conn.execute(
                """
                INSERT INTO conversations_message
                    (public_id, conversation_id, seq, author_kind, author_member_id, text, private, client_id,
                     created_at)
                SELECT gen_random_uuid(), c.id, s.seq, k.kind,
                       CASE WHEN k.kind = 'operator' THEN coalesce(c.assignee_id, %(admin)s) END,
                       st.body,
                       k.kind = 'operator' AND (c.id + s.seq) %% 40 = 0,
                       CASE WHEN k.kind = 'visitor' THEN md5(c.id::text || ':' || s.seq::text) END,
                       c.created_at + (c.last_activity_at - c.created_at) * (s.seq::float8 / c.last_seq)
                FROM conversations_conversation c
                CROSS JOIN LATERAL generate_series(1, c.last_seq) AS s(seq)
                CROSS JOIN LATERAL (
                    SELECT CASE WHEN s.seq = 1 OR (c.id + s.seq) %% 2 = 1 THEN 'visitor'
                                WHEN s.seq %% 29 = 0 THEN 'system' ELSE 'operator' END AS kind
                ) k
                JOIN bench_sentence st ON st.id = (c.id * 7919 + s.seq * 104729) %% %(sentences)s
                ORDER BY c.id, s.seq
                """,
                {"admin": seeded.admin_ids[0], "sentences": SENTENCES},
            )
            # The rare word: RARE_COUNT messages spread over the table.
            conn.execute(
                """
                UPDATE conversations_message SET text = text || ' ' || %(word)s
                WHERE id IN (SELECT id FROM conversations_message WHERE id %% %(step)s = 7 LIMIT %(n)s)
                """,
                {"word": RARE_WORD, "step": max(n_messages // RARE_COUNT, 1), "n": RARE_COUNT},
            )
            rebuild()

        def sequences() -> None:
            for table in ("contacts_contact", "visitors_visitor", "conversations_conversation"):
                conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            conn.execute(
                "CREATE TABLE bench_inbox_meta (key text PRIMARY KEY, value text NOT NULL)"
                if not conn.execute("SELECT to_regclass('bench_inbox_meta')").fetchone()[0]  # type: ignore[index]
                else "TRUNCATE bench_inbox_meta"
            )

        timed(seconds, "contacts + visitors (COPY)")(contacts_and_visitors)
        timed(seconds, "conversations + tags (COPY)")(conversations_and_tags)
        timed(seconds, "messages (INSERT ... SELECT generate_series)")(messages)
        sequences()
        conn.commit()

    with psycopg.connect(database_url, autocommit=True) as conn:

        def vacuum() -> None:
            conn.execute("SET maintenance_work_mem = '256MB'")
            conn.execute("VACUUM ANALYZE")

        timed(seconds, "VACUUM ANALYZE")(vacuum)
        seconds["total"] = time.perf_counter() - start
        meta = {
            "version": SEED_VERSION,
            "conversations": str(n_conversations),
            "messages": str(n_messages),
            "seeded_at": now.isoformat(),
            "seconds": json.dumps(seconds),
        }
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO bench_inbox_meta (key, value) VALUES (%s, %s)", list(meta.items()))
    return seeded


# --------------------------------------------------------------------------- measurement


@dataclass
class Case:
    name: str
    user: str  # "admin" | "agent"
    path: str
    htmx: bool = False
    kind: str = "list"  # which query to EXPLAIN: "list" | "feed"


@dataclass
class Measured:
    case: Case
    status: int
    bytes: int
    runs_ms: list[float]
    cpu_ms: list[float]  # this process's CPU time per timed run (Python: ORM, views, templates, gzip)
    other_cores: float  # cores used by everything else on the machine (PostgreSQL included) while timing
    queries: int
    query_ms: float  # database time of the counted run (as Django measures it)
    slowest: list[tuple[float, str]]  # (ms, sql) of the counted run's slowest queries
    main_sql: str | None
    plan: PlanSummary | None = None
    plan_text: str = ""
    error: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.runs_ms) if self.runs_ms else float("nan")

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu_ms) if self.cpu_ms else float("nan")

    @property
    def p95(self) -> float:
        return pct(self.runs_ms, 0.95)

    @property
    def max(self) -> float:
        return max(self.runs_ms) if self.runs_ms else float("nan")

    @property
    def passed(self) -> bool:
        return bool(self.runs_ms) and self.status == 200 and self.p95 < TARGET_MS


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


SMALL_SCAN = 1_000  # sequential scans reading fewer rows (the few inboxes, members, teams) are not news


@dataclass
class PlanSummary:
    indexes: list[str]  # indexes other than primary keys
    pkey_lookups: int  # joins through a primary key index
    seq_scans: list[str]  # "table (rows read)", scans reading >= SMALL_SCAN rows
    small_seq_scans: int
    sorts: list[str]
    execution_ms: float
    top: str

    def line(self) -> str:
        parts = [self.top, f"indexes: {', '.join(self.indexes) or 'none'}"]
        if self.pkey_lookups:
            parts[-1] += f" (+ {self.pkey_lookups} primary-key joins)"
        parts.append(f"large seq scans: {', '.join(self.seq_scans) or 'none'}")
        if self.sorts:
            parts.append(f"sorts: {', '.join(self.sorts)}")
        parts.append(f"{self.execution_ms:.1f} ms")
        return "; ".join(parts)


def summarise_plan(plan_json: Any) -> PlanSummary:
    root = plan_json[0]
    summary = PlanSummary([], 0, [], 0, [], float(root.get("Execution Time", 0.0)), "")

    def walk(node: dict[str, Any]) -> None:
        kind = node.get("Node Type", "")
        loops = node.get("Actual Loops", 1)
        if "Index Name" in node:
            if node["Index Name"].endswith("_pkey"):
                summary.pkey_lookups += 1
            else:
                name = f"{node['Index Name']} ({kind.lower()})"
                if name not in summary.indexes:
                    summary.indexes.append(name)
        if kind == "Seq Scan":
            read = (node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)) * loops
            if read >= SMALL_SCAN:
                summary.seq_scans.append(f"{node.get('Relation Name')} ({read:,} rows read)")
            else:
                summary.small_seq_scans += 1
        if kind in ("Sort", "Incremental Sort"):
            method = node.get("Sort Method", "")
            summary.sorts.append(f"{kind.lower()} of {node.get('Actual Rows', 0) * loops:,} rows {method}".strip())
        for child in node.get("Plans", []):
            walk(child)

    walk(root["Plan"])
    node: Any = root["Plan"]
    chain: list[str] = []
    while node and len(chain) < 3:
        chain.append(node.get("Node Type", ""))
        node = (node.get("Plans") or [None])[0]
    summary.top = " → ".join(chain)
    return summary


def pick_main_sql(sqls: list[str], kind: str) -> str | None:
    """The request's main list query (conversations in activity order) or feed query (messages by seq)."""
    for sql in sqls:
        flat = " ".join(sql.split())
        ordered = 'ORDER BY "conversations_conversation"."last_activity_at" DESC' in flat and "LIMIT" in flat
        if kind == "list" and flat.startswith("SELECT") and 'FROM "conversations_conversation"' in flat and ordered:
            return sql
        if kind == "feed" and 'FROM "conversations_message"' in flat and '"seq" DESC' in flat:
            return sql
    return None


def explain(sql: str) -> tuple[PlanSummary, str]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS OFF, FORMAT JSON) " + sql)
        row = cur.fetchone()
        plan = row[0] if row else [{}]
        if isinstance(plan, str):
            plan = json.loads(plan)
        cur.execute("EXPLAIN (ANALYZE, BUFFERS OFF, COSTS OFF) " + sql)
        text = "\n".join(r[0] for r in cur.fetchall())
    return summarise_plan(plan), text


def measure(case: Case, client: Any, args: argparse.Namespace) -> Measured:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    headers = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}
    if case.htmx:
        headers["HTTP_HX_REQUEST"] = "true"

    cpu: list[float] = []

    def get() -> tuple[int, int, float]:
        start, cpu_start = time.perf_counter(), time.process_time()
        response = client.get(case.path, **headers)
        elapsed = (time.perf_counter() - start) * 1000
        cpu.append((time.process_time() - cpu_start) * 1000)
        return response.status_code, len(response.content), elapsed

    status, size, _ = get()
    if status != 200:
        return Measured(case, status, size, [], [], 0.0, 0, 0.0, [], None, error=f"HTTP {status}")
    budget_end = time.perf_counter() + args.max_seconds
    for _ in range(args.warmup - 1):
        if time.perf_counter() > budget_end:
            break
        get()
    runs: list[float] = []
    cpu.clear()
    budget_end = time.perf_counter() + args.max_seconds
    meter = BusyMeter()
    while len(runs) < args.runs and (len(runs) < args.min_runs or time.perf_counter() < budget_end):
        status, size, elapsed = get()
        runs.append(elapsed)
    other_cores = meter.other_cores()
    cpu_runs = list(cpu)
    with CaptureQueriesContext(connection) as captured:
        get()
    timings = sorted(((float(q["time"]) * 1000, q["sql"]) for q in captured.captured_queries), reverse=True)
    main = pick_main_sql([q["sql"] for q in captured.captured_queries], case.kind)
    return Measured(
        case,
        status,
        size,
        runs,
        cpu_runs,
        other_cores,
        len(captured.captured_queries),
        sum(t for t, _ in timings),
        timings[:3],
        main,
    )


class BusyMeter:
    """Cores used by other processes (everything but this one, PostgreSQL included) since creation."""

    def __init__(self) -> None:
        import psutil

        self.psutil = psutil
        self.start = self.sample()

    def sample(self) -> tuple[float, float, float]:
        system = self.psutil.cpu_times()
        busy = sum(system) - system.idle - getattr(system, "iowait", 0.0)
        return time.perf_counter(), busy, time.process_time()

    def other_cores(self) -> float:
        end = self.sample()
        wall = max(end[0] - self.start[0], 1e-9)
        return max((end[1] - self.start[1]) - (end[2] - self.start[2]), 0.0) / wall


def wait_quiet(timeout: float, quiet_cores: float = 0.3) -> float:
    """Wait (bounded) until other programs use < `quiet_cores` cores over 2 s; return what they used last."""
    end = time.perf_counter() + timeout
    while True:
        meter = BusyMeter()
        time.sleep(2)
        busy = meter.other_cores()
        if busy < quiet_cores or time.perf_counter() >= end:
            return busy


def build_cases(admin_client: Any) -> list[Case]:
    from conversations.models import Conversation, Tag
    from workspaces.models import Inbox, Team

    long_one = Conversation.objects.order_by("-last_seq").first()
    assert long_one is not None
    team = Team.objects.order_by("id").first()
    tag = Tag.objects.order_by("id").first()
    inbox = Inbox.objects.order_by("id").first()
    assert team and tag and inbox
    cases = [
        Case("inbox page (open list)", "admin", "/inbox/"),
        Case("inbox page (open list)", "agent", "/inbox/"),
        Case("list status=open", "admin", "/inbox/list/?status=open"),
        Case("list status=open", "agent", "/inbox/list/?status=open"),
        Case("list status=closed", "admin", "/inbox/list/?status=closed"),
        Case("list status=all", "admin", "/inbox/list/?status=all"),
        Case("list assignee=me", "agent", "/inbox/list/?status=open&assignee=me"),
        Case("list assignee=unassigned", "admin", "/inbox/list/?status=open&assignee=unassigned"),
        Case("list team (open)", "admin", f"/inbox/list/?status=open&team={team.public_id.hex}"),
        Case("list team (all)", "admin", f"/inbox/list/?status=all&team={team.public_id.hex}"),
        Case("list tag (open)", "admin", f"/inbox/list/?status=open&tag={tag.public_id.hex}"),
        Case("list tag (all)", "admin", f"/inbox/list/?status=all&tag={tag.public_id.hex}"),
        Case("list inbox (open)", "admin", f"/inbox/list/?status=open&inbox={inbox.public_id.hex}"),
        Case(f"list q={COMMON_WORD} (common)", "admin", f"/inbox/list/?status=all&q={COMMON_WORD}"),
        Case(f"list q={COMMON_WORD_RU} (common, ru)", "admin", f"/inbox/list/?status=all&q={COMMON_WORD_RU}"),
        Case(f"list q={RARE_WORD} (rare)", "admin", f"/inbox/list/?status=all&q={RARE_WORD}"),
    ]
    # The second page exactly as the browser asks for it: the "Load more" button's URL.
    for status in ("open", "all"):
        page = admin_client.get(f"/inbox/list/?status={status}").content.decode()
        match = re.search(r'hx-get="([^"]*cursor=[^"]*)"', page)
        if match:
            cases.append(Case(f"list status={status}, page 2 (cursor)", "admin", html.unescape(match.group(1))))
        else:
            print(f"   warning: no 'Load more' cursor in the status={status} list", flush=True)
    hexid = long_one.public_id.hex
    cases += [
        Case(f"conversation pane, htmx ({long_one.last_seq:,} msgs)", "admin", f"/inbox/c/{hexid}/", True, "feed"),
        Case(f"conversation pane, htmx ({long_one.last_seq:,} msgs)", "agent", f"/inbox/c/{hexid}/", True, "feed"),
        Case(f"conversation full page ({long_one.last_seq:,} msgs)", "admin", f"/inbox/c/{hexid}/", False, "feed"),
    ]
    return cases


def clients() -> dict[str, Any]:
    from django.test import Client

    from workspaces.models import Inbox, Member

    admin = Member.objects.filter(role=Member.Role.ADMIN).select_related("user").order_by("id").first()
    # The agent who works the shop inbox (where the long conversation is) and one more.
    agent = (
        Member.objects.filter(role=Member.Role.AGENT, inboxes=Inbox.objects.order_by("id").first())
        .select_related("user")
        .order_by("id")
        .first()
    )
    assert admin is not None and agent is not None
    result = {}
    for name, member in (("admin", admin), ("agent", agent)):
        client = Client()
        client.force_login(member.user)
        result[name] = client
    return result


def run_measurements(args: argparse.Namespace) -> list[Measured]:
    by_user = clients()
    cases = build_cases(by_user["admin"])
    results = []
    for case in cases:
        print(f"   {case.user:5} {case.name} ...", end=" ", flush=True)
        try:
            m = measure(case, by_user[case.user], args)
            if m.main_sql:
                m.plan, m.plan_text = explain(m.main_sql)
        except Exception as error:  # report and carry on: someone may be mid-change
            m = Measured(case, 0, 0, [], [], 0.0, 0, 0.0, [], None, error=f"{type(error).__name__}: {error}"[:300])
        results.append(m)
        if m.error:
            print(f"ERROR {m.error}", flush=True)
        else:
            print(
                f"median {m.median:.1f} / p95 {m.p95:.1f} / max {m.max:.1f} ms, CPU {m.cpu_median:.1f} ms, "
                f"{m.queries} queries, other programs {m.other_cores:.2f} cores "
                f"({len(m.runs_ms)} runs) {'PASS' if m.passed else 'FAIL'}",
                flush=True,
            )
    return results


# --------------------------------------------------------------------------- facts and report


def data_facts() -> dict[str, str]:
    from django.db import connection

    with connection.cursor() as cur:

        def one(sql: str) -> Any:
            cur.execute(sql)
            row = cur.fetchone()
            return row[0] if row else None

        facts = {}
        for table in (
            "conversations_conversation",
            "conversations_message",
            "conversations_conversation_tags",
            "visitors_visitor",
            "contacts_contact",
        ):
            rows = one(f"SELECT count(*) FROM {table}")
            size = one(f"SELECT pg_size_pretty(pg_total_relation_size('{table}'))")
            facts[table] = f"{rows:,} rows, {size} with indexes"
        cur.execute("SELECT status, count(*) FROM conversations_conversation GROUP BY status ORDER BY status")
        facts["conversation status"] = ", ".join(f"{s} {n:,}" for s, n in cur.fetchall())
        unassigned = one("SELECT count(*) FROM conversations_conversation WHERE status='open' AND assignee_id IS NULL")
        facts["open and unassigned"] = f"{unassigned:,}"
        cur.execute(
            "SELECT max(last_seq), percentile_cont(0.5) WITHIN GROUP (ORDER BY last_seq) "
            "FROM conversations_conversation"
        )
        longest, median = cur.fetchone() or (0, 0)
        facts["messages per conversation"] = f"median {median:g}, longest {longest:,}"
        common = one(f"SELECT count(*) FROM conversations_message WHERE text ILIKE '%{COMMON_WORD}%'")
        rare = one(f"SELECT count(*) FROM conversations_message WHERE text ILIKE '%{RARE_WORD}%'")
        facts["search words"] = f"'{COMMON_WORD}' in {common:,} messages, '{RARE_WORD}' in {rare:,}"
        facts["database size"] = one("SELECT pg_size_pretty(pg_database_size(current_database()))")
        cur.execute(
            "SELECT name, setting, unit FROM pg_settings WHERE name IN ('shared_buffers', 'work_mem', "
            "'random_page_cost', 'effective_cache_size', 'jit') ORDER BY name"
        )
        facts["PostgreSQL settings"] = ", ".join(f"{n}={_pg_setting(s, u)}" for n, s, u in cur.fetchall())
    return facts


def _pg_setting(value: str, unit: str | None) -> str:
    if unit == "8kB":
        return f"{int(value) * 8 // 1024} MB"
    if unit == "kB":
        return f"{int(value) // 1024} MB"
    return value


def machine_facts() -> dict[str, str]:
    import django
    import psutil
    from django.db import connection

    cpu = platform.processor() or "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        row = cur.fetchone()
    commit = "?"
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        if dirty:
            commit += " (with uncommitted changes in the working tree)"
    return {
        "CPU": cpu,
        "Cores": f"{psutil.cpu_count()} logical ({psutil.cpu_count(logical=False)} physical)",
        "RAM": f"{psutil.virtual_memory().total / 2**30:.1f} GiB",
        "OS": platform.platform(),
        "Python": f"{platform.python_implementation()} {platform.python_version()}",
        "Django": django.get_version(),
        "PostgreSQL": f"{row[0] if row else '?'} (local, 127.0.0.1)",
        "Commit": commit,
        "Load average at start": ", ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def report_md(
    args: argparse.Namespace,
    machine: dict[str, str],
    data: dict[str, str],
    seed_seconds: dict[str, float],
    results: list[Measured],
) -> str:
    command = "bench/inbox_queries.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    passed = [m for m in results if m.passed]
    lines = [
        f"## Inbox list and feed queries: {int(args.conversations):,} conversations, "
        f"{int(args.messages):,} messages, PostgreSQL",
        "",
        "Reproduce with `.venv/bin/python bench/inbox_queries.py` (`make bench` runs it after the load benchmark; "
        "`--reuse` keeps the seeded database, `--quick` is a small smoke run; see `bench/README.md`).",
        "",
        f"Target: every list and feed request renders in **< {TARGET_MS:g} ms server time** (PASS = p95 under "
        f"the target). Server time = Django's test Client in-process: middleware, view, every SQL query, "
        f"template rendering and gzip (the request sends `Accept-Encoding: gzip` as browsers do), signed in "
        f"with `force_login`; no network. {args.warmup} warm-up requests, then up to {args.runs} timed runs "
        f"per request (fewer, at least {args.min_runs}, when a request is slow); queries = SQL statements of "
        f"one more run; DB ms = their time as Django measures it (wall time of the round trips). Python CPU "
        f"= this process's CPU time per request (ORM, view, templates, gzip): with DB ms, what a request "
        f"costs whatever else runs. Other programs = cores the rest of the machine (PostgreSQL included) "
        f"used while a request was timed, on {os.cpu_count()} cores: high values mean contention inflated "
        f"the wall times.",
        "",
        f"### Run of {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        "",
        f"Command: `{command.strip()}`",
        "",
        "Machine:",
        "",
        *(f"- {k}: {v}" for k, v in machine.items()),
        "",
        "Data (one workspace, 3 inboxes, 12 members: 2 admins and 10 agents, 5 teams, 20 tags):",
        "",
        *(f"- {k}: {v}" for k, v in data.items()),
    ]
    if seed_seconds:
        lines.append(
            "- seeding: "
            + ", ".join(f"{k} {v:.0f} s" for k, v in seed_seconds.items() if k != "total")
            + f"; total {seed_seconds.get('total', 0):.0f} s"
        )
    lines += [
        "",
        "| request | as | response | SQL queries | DB ms | Python CPU ms (median) | median | p95 | max | runs "
        "| other programs (cores) | < 150 ms |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for m in results:
        if m.error:
            lines.append(f"| {cell(m.case.name)} | {m.case.user} | {cell(m.error)} | | | | | | | | | **FAIL** |")
            continue
        lines.append(
            f"| {cell(m.case.name)} `{cell(short_path(m.case))}` | {m.case.user} | {m.status}, "
            f"{m.bytes / 1024:.0f} KB | {m.queries} | {m.query_ms:.1f} | {m.cpu_median:.1f} | {m.median:.1f} ms "
            f"| **{m.p95:.1f} ms** | {m.max:.1f} ms | {len(m.runs_ms)} | {m.other_cores:.2f} "
            f"| {'PASS' if m.passed else '**FAIL**'} |"
        )
    busy = [m.other_cores for m in results if m.runs_ms]
    if busy and statistics.median(busy) > 0.5:
        lines += [
            "",
            f"**The machine was busy**: other programs used {statistics.median(busy):.2f} of {os.cpu_count()} "
            "cores (median over the requests) while the requests were timed, so the wall times above are "
            "inflated; Python CPU + DB ms estimate a request on an idle machine.",
        ]
    lines += [
        "",
        f"**{len(passed)} of {len(results)} requests pass.**"
        + (
            " Misses: " + "; ".join(f"{m.case.name} ({m.case.user})" for m in results if not m.passed) + "."
            if len(passed) < len(results)
            else ""
        ),
        "",
        "### Query plans (EXPLAIN ANALYZE of each request's main list / feed query)",
        "",
        "| request | as | plan |",
        "|---|---|---|",
    ]
    for m in results:
        if m.plan:
            lines.append(f"| {cell(m.case.name)} | {m.case.user} | {cell(m.plan.line())} |")
        elif not m.error:
            lines.append(f"| {cell(m.case.name)} | {m.case.user} | main query not found |")
    misses = [m for m in results if not m.passed and not m.error]
    if misses:
        lines += ["", "### Requests over the target: slowest SQL and full plans", ""]
        for m in misses:
            lines += [f"<details><summary>{html.escape(m.case.name)} ({m.case.user}), p95 {m.p95:.0f} ms</summary>", ""]
            lines.append("Slowest statements of the counted run:")
            lines.append("")
            for ms, sql in m.slowest:
                lines.append(f"- {ms:.1f} ms: `{cell(abridge(sql))}`")
            if m.plan_text:
                lines += ["", "```", m.plan_text, "```"]
            lines += ["", "</details>", ""]
    return "\n".join(lines).rstrip() + "\n"


def abridge(sql: str, limit: int = 700) -> str:
    """One line, the selected column list (long and uninformative) shortened to `…`."""
    flat = " ".join(sql.split())
    flat = re.sub(r"^SELECT (DISTINCT )?.+? FROM ", r"SELECT \1… FROM ", flat, count=1)
    return flat if len(flat) <= limit else flat[:limit] + " …"


def short_path(case: Case) -> str:
    path = re.sub(r"[0-9a-f]{32}", "<id>", case.path)
    path = re.sub(r"cursor=[^&]+", "cursor=<next>", path)
    return path + (" (HX-Request)" if case.htmx else "")


def replace_section(path: Path, name: str, body: str, *, at_start: bool = False) -> None:
    """Put `body` between this section's markers in `path`, keeping everything else; add the section
    (at the end, or at the start) when the file has none."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{body.rstrip()}\n{end}\n"
    old = path.read_text() if path.exists() else ""
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end) + r"\n?", re.DOTALL)
    if pattern.search(old):
        new = pattern.sub(lambda _: block, old, count=1)
    elif at_start:
        new = block + ("\n" + old if old else "")
    else:
        new = old.rstrip() + ("\n\n" if old.strip() else "") + block
    path.write_text(new)


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/inbox_queries.py",
        description="Parley inbox list/feed query benchmark on a large seeded PostgreSQL database.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--database-url", default=os.environ.get("BENCH_INBOX_DATABASE_URL", DEFAULT_URL))
    parser.add_argument(
        "--reuse", action="store_true", help="keep the database when it already holds data of the requested size"
    )
    parser.add_argument("--conversations", type=int, default=FULL["conversations"])
    parser.add_argument("--messages", type=int, default=FULL["messages"])
    parser.add_argument("--runs", type=int, default=30, help="timed runs per request")
    parser.add_argument("--min-runs", type=int, default=5, help="timed runs per request even when slow")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests first")
    parser.add_argument(
        "--max-seconds", type=float, default=45.0, help="stop timing a request after this long (once --min-runs ran)"
    )
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=60.0,
        help="before measuring, wait up to this many seconds for other programs to use < 0.3 cores",
    )
    parser.add_argument("--seed-only", action="store_true", help="seed (or check) the database, measure nothing")
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke run: {QUICK['conversations']:,} conversations / {QUICK['messages']:,} messages, "
        "database <name>_quick, few runs, no RESULTS.md",
    )
    parser.add_argument(
        "--results", type=Path, default=None, help=f"Markdown results file (default {RESULTS.relative_to(ROOT)})"
    )
    parser.add_argument("--no-results", action="store_true", help="do not write a results file")
    args = parser.parse_args(argv)
    if args.quick:
        args.conversations, args.messages = QUICK["conversations"], QUICK["messages"]
        args.runs, args.min_runs, args.warmup, args.max_seconds = min(args.runs, 5), 2, 1, 10.0
        args.wait_quiet = min(args.wait_quiet, 5.0)
        if args.database_url == parser.get_default("database_url"):
            args.database_url += "_quick"
    if args.conversations < 10 or args.messages < args.conversations * 2:
        parser.error("--conversations >= 10 and --messages >= 2 x --conversations")
    if args.results is None and not args.quick and not args.no_results:
        args.results = RESULTS
    if args.no_results:
        args.results = None
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="parley-bench-inbox-") as data_dir:
        wanted = {"version": SEED_VERSION, "conversations": str(args.conversations), "messages": str(args.messages)}
        existing = seeded_sizes(args.database_url) if args.reuse else None
        reuse = existing is not None and all(existing.get(k) == v for k, v in wanted.items())
        if args.reuse and not reuse:
            print("--reuse: no finished seed of this size in the database; recreating it", flush=True)
        if not reuse:
            print(f"== creating {redact(args.database_url)} ...", flush=True)
            recreate_database(args.database_url)
        configure_django(args.database_url, data_dir)
        print("== migrate ...", flush=True)
        start = time.perf_counter()
        migrate()
        print(f"   {time.perf_counter() - start:.1f} s", flush=True)
        seed_seconds: dict[str, float] = {}
        if reuse:
            assert existing is not None
            seed_seconds = json.loads(existing.get("seconds", "{}"))
            print(f"== reusing the data seeded at {existing.get('seeded_at')}", flush=True)
        else:
            print(f"== seeding {args.conversations:,} conversations, {args.messages:,} messages ...", flush=True)
            seeded = seed(args.database_url, args.conversations, args.messages)
            seed_seconds = seeded.seconds
            print(f"   total {seed_seconds['total']:.1f} s", flush=True)
        if args.seed_only:
            return
        machine = machine_facts()
        print("Parley inbox query benchmark")
        for key, value in machine.items():
            print(f"  {key}: {value}")
        data = data_facts()
        for key, value in data.items():
            print(f"  {key}: {value}")
        print(f"== waiting up to {args.wait_quiet:g} s for a quiet machine ...", flush=True)
        background = wait_quiet(args.wait_quiet)
        print(f"   other programs use {background:.2f} cores", flush=True)
        machine["Other programs before measuring"] = f"{background:.2f} cores (waited up to {args.wait_quiet:g} s)"
        print("== measuring ...", flush=True)
        results = run_measurements(args)
        print()
        for m in results:
            if m.plan:
                print(f"  plan {m.case.user:5} {m.case.name}: {m.plan.line()}")
        failed = Counter("PASS" if m.passed else "FAIL" for m in results)
        print(f"\n{failed['PASS']} of {len(results)} requests under {TARGET_MS:g} ms (p95)")
        if args.results:
            replace_section(args.results, SECTION, report_md(args, machine, data, seed_seconds, results))
            print(f"Results written to {args.results} (section {SECTION})")


def redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        parts = parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@"))
    return urlunsplit(parts)


if __name__ == "__main__":
    main()
