"""Message.sender_name (a bot persona's name). On SQLite, adding the column copies conversations_message to a
new table, which drops the full-text search triggers of 0003: they are created again and the index rebuilt."""

from importlib import import_module

from django.db import migrations, models

restore_sqlite_search = import_module("conversations.migrations.0005_message_rich").restore_sqlite_search


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0005_message_rich"),
    ]

    operations = [
        migrations.AddField(
            model_name="message",
            name="sender_name",
            field=models.CharField(blank=True, help_text="A bot's persona name, shown to visitors.", max_length=80),
        ),
        migrations.RunPython(restore_sqlite_search, migrations.RunPython.noop, elidable=False),
    ]
