"""Full-text search over message text: see conversations/search.py.

PostgreSQL: a GIN index on to_tsvector('simple', text), built CONCURRENTLY so a
database that already holds millions of messages keeps taking writes while it
is built (hence the migration is not atomic).

SQLite: an FTS5 external-content table over conversations_message(text), kept
in sync by triggers, and filled from the existing rows. Caution: Django alters
a SQLite table by copying it to a new one and dropping the old, which drops
these triggers; a later migration that alters conversations_message must run
SQLITE_TRIGGERS again and a 'rebuild' (tests in test_search.py catch the loss).

Neither changes the models, so `makemigrations --check` stays clean.
"""

from django.db import migrations, transaction

PG_INDEX = "message_text_search"
FTS = "conversations_message_fts"

PG_FORWARD = [
    f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {PG_INDEX} "
    "ON conversations_message USING gin (to_tsvector('simple'::regconfig, text))",
]
PG_BACKWARD = [f"DROP INDEX CONCURRENTLY IF EXISTS {PG_INDEX}"]

SQLITE_TABLE = [
    f"CREATE VIRTUAL TABLE {FTS} USING fts5("
    "text, content='conversations_message', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
]
SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER {FTS}_insert AFTER INSERT ON conversations_message BEGIN
        INSERT INTO {FTS}(rowid, text) VALUES (new.id, new.text);
    END""",  # noqa: S608
    f"""CREATE TRIGGER {FTS}_delete AFTER DELETE ON conversations_message BEGIN
        INSERT INTO {FTS}({FTS}, rowid, text) VALUES ('delete', old.id, old.text);
    END""",  # noqa: S608
    f"""CREATE TRIGGER {FTS}_update AFTER UPDATE OF id, text ON conversations_message BEGIN
        INSERT INTO {FTS}({FTS}, rowid, text) VALUES ('delete', old.id, old.text);
        INSERT INTO {FTS}(rowid, text) VALUES (new.id, new.text);
    END""",  # noqa: S608
]
SQLITE_BACKFILL = [f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')"]  # noqa: S608
SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS {FTS}_insert",
    f"DROP TRIGGER IF EXISTS {FTS}_delete",
    f"DROP TRIGGER IF EXISTS {FTS}_update",
    f"DROP TABLE IF EXISTS {FTS}",
]


def _run(schema_editor, statements):
    for sql in statements:
        schema_editor.execute(sql, params=None)


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, PG_FORWARD)
    elif vendor == "sqlite":
        with transaction.atomic(using=schema_editor.connection.alias):
            _run(schema_editor, SQLITE_TABLE + SQLITE_TRIGGERS + SQLITE_BACKFILL)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, PG_BACKWARD)
    elif vendor == "sqlite":
        with transaction.atomic(using=schema_editor.connection.alias):
            _run(schema_editor, SQLITE_BACKWARD)


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction; the SQLite steps take their own.
    atomic = False

    dependencies = [
        ("conversations", "0002_shared_inbox"),
    ]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
