"""Substring search of contacts' names and emails on PostgreSQL (see conversations/search.py).

Trigram GIN indexes on the same expressions Django's ``icontains`` compares
(``UPPER(column::text)``), so ``LIKE '%…%'`` uses them instead of reading every
contact. pg_trgm is a trusted extension (PostgreSQL 13+): a database owner may
create it. SQLite has no such index; its contacts are few.
"""

from django.db import migrations

INDEXES = {
    "contact_name_search": "name",
    "contact_email_search": "email",
}


def forward(apps, schema_editor):  # noqa: ANN001
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for index, column in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {index} ON contacts_contact USING gin (UPPER({column}::text) gin_trgm_ops)"
        )


def backward(apps, schema_editor):  # noqa: ANN001
    if schema_editor.connection.vendor != "postgresql":
        return
    for index in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {index}")


class Migration(migrations.Migration):
    dependencies = [("contacts", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
