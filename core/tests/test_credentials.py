"""Credentials are stored encrypted and read plain; older values and rotated keys still read; a value no key
opens reads as empty, with a warning."""

import importlib
import logging

import pytest
from django.apps import apps
from django.db import connection

from integrations import actions as integration_actions
from integrations.models import EmailMailbox, SlackWebhook
from knowledge.models import Providers

pytestmark = pytest.mark.django_db


def stored(table: str, column: str, key: str, value: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE {key} = %s", [value])  # noqa: S608 - names are ours
        return cursor.fetchone()[0]


def store_plain(table: str, column: str, key: str, value: int, text: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {column} = %s WHERE {key} = %s", [text, value])  # noqa: S608


@pytest.fixture
def mailbox(member) -> EmailMailbox:
    inbox = integration_actions.create_email_inbox(member, name="Support", address="support@shop.example.com")
    return integration_actions.set_imap(
        member,
        inbox.mailbox,
        imap_host="imap.shop.example.com",
        imap_port=993,
        imap_ssl=True,
        imap_username="support",
        imap_password="hunter2-imap",
        imap_folder="INBOX",
    )


def test_a_copy_of_the_database_does_not_hold_the_credentials(mailbox, member, workspace):
    hook = integration_actions.set_slack_webhook(member, "https://hooks.slack.com/services/T0/B0/secret-path")
    Providers.objects.create(workspace=workspace, embeddings_key="sk-embed-123", generation_key="sk-chat-456")

    raw = [
        stored("integrations_emailmailbox", "imap_password", "inbox_id", mailbox.pk),
        stored("integrations_slackwebhook", "url", "workspace_id", hook.pk),
        stored("knowledge_providers", "embeddings_key", "workspace_id", workspace.pk),
        stored("knowledge_providers", "generation_key", "workspace_id", workspace.pk),
    ]

    assert all(value.startswith("enc:") for value in raw)
    assert not any(secret in " ".join(raw) for secret in ("hunter2", "secret-path", "sk-embed", "sk-chat"))
    assert EmailMailbox.objects.get(pk=mailbox.pk).imap_password == "hunter2-imap"
    assert SlackWebhook.objects.get(pk=hook.pk).url == "https://hooks.slack.com/services/T0/B0/secret-path"
    providers = Providers.objects.get(workspace=workspace)
    assert (providers.embeddings_key, providers.generation_key) == ("sk-embed-123", "sk-chat-456")
    assert Providers.objects.filter(workspace=workspace, embeddings_key="").count() == 0  # empty stays empty


def test_values_stored_before_read_as_they_are_and_the_migration_encrypts_them(mailbox):
    store_plain("integrations_emailmailbox", "imap_password", "inbox_id", mailbox.pk, "old-plain")
    assert EmailMailbox.objects.get(pk=mailbox.pk).imap_password == "old-plain"

    importlib.import_module("integrations.migrations.0004_credentials_encrypted").encrypt_stored(apps, None)

    assert stored("integrations_emailmailbox", "imap_password", "inbox_id", mailbox.pk).startswith("enc:")
    assert EmailMailbox.objects.get(pk=mailbox.pk).imap_password == "old-plain"


def test_a_rotated_secret_key_still_reads_and_a_lost_one_reads_empty_with_a_warning(mailbox, settings, caplog):
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a-new-secret-key-for-this-install", [old_key]
    assert EmailMailbox.objects.get(pk=mailbox.pk).imap_password == "hunter2-imap"

    settings.SECRET_KEY_FALLBACKS = []
    with caplog.at_level(logging.WARNING, logger="core.credentials"):
        assert EmailMailbox.objects.get(pk=mailbox.pk).imap_password == ""
    assert "could not be decrypted" in caplog.text
