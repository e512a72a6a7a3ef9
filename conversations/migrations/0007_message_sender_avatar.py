"""Message.sender_avatar (a link to a bot persona's picture). On SQLite, adding the column copies
conversations_message to a new table, which drops the full-text search triggers of 0003: they are created
again and the index rebuilt, as in 0006."""

from importlib import import_module

from django.db import migrations, models

restore_sqlite_search = import_module("conversations.migrations.0005_message_rich").restore_sqlite_search


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0006_message_sender_name"),
    ]

    operations = [
        migrations.AddField(
            model_name="message",
            name="sender_avatar",
            field=models.CharField(blank=True, help_text="A link to the bot persona's picture.", max_length=200),
        ),
        migrations.RunPython(restore_sqlite_search, migrations.RunPython.noop, elidable=False),
    ]
