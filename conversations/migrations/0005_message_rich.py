"""Message.rich (quick replies and cards). On SQLite, adding the column copies conversations_message to a new
table, which drops the full-text search triggers of 0003: they are created again and the index rebuilt."""

from importlib import import_module

from django.db import migrations, models

search = import_module("conversations.migrations.0003_message_search")


def restore_sqlite_search(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in search.SQLITE_BACKWARD[:3] + search.SQLITE_TRIGGERS + search.SQLITE_BACKFILL:
            schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0004_started_offline"),
    ]

    operations = [
        migrations.AddField(
            model_name="message",
            name="rich",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(restore_sqlite_search, migrations.RunPython.noop, elidable=False),
    ]
