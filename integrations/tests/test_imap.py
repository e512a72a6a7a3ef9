"""Fetching a mailbox over IMAP, against a real IMAP server (pymap) on this machine, and the poller that
turns what it fetches into conversations of the email inbox."""

import imaplib
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from conversations.models import Conversation
from integrations import actions as integration_actions
from integrations import email_channel
from integrations.imap import ImapAccount, ImapError, fetch_new
from integrations.models import EmailMailbox
from tests.servers import free_port

USER, PASSWORD = "support", "imap-s3cret"


@pytest.fixture(scope="module")
def imap_port() -> Iterator[int]:
    """pymap, an IMAP server keeping mailboxes in memory, with one user."""
    port = free_port()
    pymap = Path(sys.executable).with_name("pymap")
    command: list[str | Path] = [pymap, "--host", "127.0.0.1", "--port", str(port), "--no-tls", "dict"]
    process = subprocess.Popen(  # noqa: S603 - our own venv's pymap
        [*command, "--demo-user", USER, "--demo-password", PASSWORD],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert time.monotonic() < deadline and process.poll() is None, "pymap did not start"
            time.sleep(0.1)
    yield port
    process.terminate()
    process.wait(10)


@pytest.fixture
def folder(imap_port: int, request: pytest.FixtureRequest) -> str:
    """A fresh folder per test, so tests share the server but not the mail."""
    name = f"T{abs(hash(request.node.nodeid)) % 10**8}-{time.monotonic_ns()}"
    with _session(imap_port) as client:
        client.create(name)
    return name


def _session(port: int) -> imaplib.IMAP4:
    client = imaplib.IMAP4("127.0.0.1", port, timeout=5)
    client.login(USER, PASSWORD)
    return client


def account(port: int, folder: str, **changes: object) -> ImapAccount:
    fields: dict[str, object] = {
        "host": "127.0.0.1",
        "port": port,
        "ssl": False,
        "username": USER,
        "password": PASSWORD,
        "folder": folder,
    }
    return ImapAccount(**{**fields, **changes})  # type: ignore[arg-type]


def raw_email(n: int, *, body: bytes = b"", charset: str = "utf-8", to: str = "support@shop.example.com") -> bytes:
    message = EmailMessage()
    message["From"] = f"Customer {n} <customer{n}@example.com>"
    message["To"] = to
    message["Subject"] = f"Question {n}"
    message["Message-ID"] = f"<q{n}-{time.monotonic_ns()}@example.com>"
    message.set_content(body.decode(charset) if body else f"Question number {n}", charset=charset)
    return message.as_bytes()


def put(port: int, folder: str, raw: bytes, *, days_ago: int = 0) -> None:
    when = imaplib.Time2Internaldate(time.time() - days_ago * 86400)
    with _session(port) as client:
        assert client.append(folder, "", when, raw)[0] == "OK"


# The client


def test_a_first_look_takes_only_recent_mail(imap_port, folder):
    put(imap_port, folder, raw_email(1), days_ago=30)
    put(imap_port, folder, raw_email(2))

    batch = fetch_new(account(imap_port, folder), after_uid=0, uidvalidity=None)

    assert [b"Question 2" in e.raw for e in batch.emails] == [True]
    assert batch.uidvalidity > 0


def test_later_looks_take_what_came_after_the_last_uid_in_order(imap_port, folder):
    put(imap_port, folder, raw_email(1))
    first = fetch_new(account(imap_port, folder), after_uid=0, uidvalidity=None)
    put(imap_port, folder, raw_email(2))
    put(imap_port, folder, raw_email(3))

    later = fetch_new(account(imap_port, folder), after_uid=first.emails[-1].uid, uidvalidity=first.uidvalidity)
    nothing_new = fetch_new(account(imap_port, folder), after_uid=later.emails[-1].uid, uidvalidity=first.uidvalidity)

    assert [b"Question 2" in later.emails[0].raw, b"Question 3" in later.emails[1].raw] == [True, True]
    assert later.emails[0].uid < later.emails[1].uid
    assert nothing_new.emails == []


def test_a_batch_is_limited_and_the_next_look_continues(imap_port, folder):
    for n in range(5):
        put(imap_port, folder, raw_email(n))

    first = fetch_new(account(imap_port, folder), after_uid=0, uidvalidity=None, limit=2)
    rest = fetch_new(account(imap_port, folder), after_uid=first.emails[-1].uid, uidvalidity=first.uidvalidity)

    assert len(first.emails) == 2 and len(rest.emails) == 3
    assert [e.uid for e in first.emails + rest.emails] == sorted({e.uid for e in first.emails + rest.emails})


def test_a_renumbered_folder_starts_again_from_recent_mail(imap_port, folder):
    put(imap_port, folder, raw_email(1), days_ago=30)
    put(imap_port, folder, raw_email(2))

    batch = fetch_new(account(imap_port, folder), after_uid=10**6, uidvalidity=1)

    assert len(batch.emails) == 1 and b"Question 2" in batch.emails[0].raw
    assert batch.uidvalidity != 1


def test_the_raw_bytes_come_back_exactly_and_the_mailbox_is_left_unread(imap_port, folder):
    original = raw_email(1, body="Привет, где мой заказ?".encode("koi8-r"), charset="koi8-r")
    put(imap_port, folder, original)

    [fetched] = fetch_new(account(imap_port, folder), after_uid=0, uidvalidity=None).emails

    assert fetched.raw.replace(b"\r\n", b"\n") == original.replace(b"\r\n", b"\n")
    with _session(imap_port) as client:
        client.select(folder, readonly=True)
        _, flags = client.uid("FETCH", str(fetched.uid), "(FLAGS)")
    assert b"\\Seen" not in b" ".join(part for part in flags if isinstance(part, bytes))


def test_a_wrong_password_is_refused_clearly_without_repeating_it(imap_port, folder):
    with pytest.raises(ImapError) as refused:
        fetch_new(account(imap_port, folder, password="wrong-Pa55"), after_uid=0, uidvalidity=None)

    assert "refused the login" in refused.value.detail and "wrong-Pa55" not in refused.value.detail


def test_a_missing_folder_is_named(imap_port):
    with pytest.raises(ImapError) as missing:
        fetch_new(account(imap_port, "Nope"), after_uid=0, uidvalidity=None)

    assert "“Nope” does not exist" in missing.value.detail


def test_a_closed_port_says_it_could_not_connect():
    port = free_port()
    with pytest.raises(ImapError) as refused:
        fetch_new(account(port, "INBOX"), after_uid=0, uidvalidity=None)

    assert f"127.0.0.1:{port}" in refused.value.detail


def test_tls_against_a_plain_server_fails_clearly(imap_port):
    with pytest.raises(ImapError) as failed:
        fetch_new(account(imap_port, "INBOX", ssl=True), after_uid=0, uidvalidity=None, timeout=5)

    assert "TLS" in failed.value.detail or "127.0.0.1" in failed.value.detail


def test_a_server_that_never_answers_times_out():
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    threading.Thread(target=lambda: accepted.append(listener.accept()[0]), daemon=True).start()
    try:
        started = time.monotonic()
        with pytest.raises(ImapError) as silent:
            fetch_new(account(listener.getsockname()[1], "INBOX"), after_uid=0, uidvalidity=None, timeout=1)
        assert time.monotonic() - started < 5
        assert "did not answer in time" in silent.value.detail
    finally:
        for connection in accepted:
            connection.close()
        listener.close()


# The poller


@pytest.fixture
def mailbox(member, imap_port, folder, settings) -> EmailMailbox:
    settings.INBOUND_EMAIL_DOMAIN = "in.parley.example"
    inbox = integration_actions.create_email_inbox(member, name="Support", address="support@shop.example.com")
    return integration_actions.set_imap(
        member,
        inbox.mailbox,
        imap_host="127.0.0.1",
        imap_port=imap_port,
        imap_ssl=False,
        imap_username=USER,
        imap_password=PASSWORD,
        imap_folder=folder,
    )


@pytest.mark.django_db
def test_polling_turns_new_mail_into_conversations_once(mailbox, imap_port, folder):
    put(imap_port, folder, raw_email(1), days_ago=10)  # before the mailbox was connected
    put(imap_port, folder, raw_email(2, to="someone-else@shop.example.com"))  # an alias or Bcc: still this mailbox

    assert email_channel.poll_mailboxes() == 1
    put(imap_port, folder, raw_email(3))
    assert email_channel.poll_mailboxes() == 1
    assert email_channel.poll_mailboxes() == 0

    conversations = Conversation.objects.filter(inbox=mailbox.inbox).order_by("pk")
    assert [c.visitor.contact.email for c in conversations] == ["customer2@example.com", "customer3@example.com"]
    mailbox.refresh_from_db()
    assert mailbox.imap_last_uid > 0 and mailbox.imap_error == "" and mailbox.imap_polled_at is not None


@pytest.mark.django_db
def test_a_malformed_email_is_skipped_and_the_rest_still_lands(mailbox, imap_port, folder):
    put(imap_port, folder, b"this is not an email at all\r\n")
    put(imap_port, folder, raw_email(2))

    assert email_channel.poll_mailboxes() == 1
    assert email_channel.poll_mailboxes() == 0


@pytest.mark.django_db
def test_a_failing_mailbox_shows_why_and_does_not_stop_the_others(member, mailbox, imap_port, folder):
    broken = integration_actions.create_email_inbox(member, name="Sales", address="sales@shop.example.com")
    integration_actions.set_imap(
        member,
        broken.mailbox,
        imap_host="127.0.0.1",
        imap_port=imap_port,
        imap_ssl=False,
        imap_username=USER,
        imap_password="wrong",
        imap_folder="INBOX",
    )
    put(imap_port, folder, raw_email(1))

    assert email_channel.poll_mailboxes() == 1
    broken.mailbox.refresh_from_db()
    assert "refused the login" in broken.mailbox.imap_error


@pytest.mark.django_db
def test_fetch_now_on_the_settings_page(operator_client, mailbox, imap_port, folder):
    put(imap_port, folder, raw_email(1))
    url = f"/settings/email-inboxes/{mailbox.inbox.public_id.hex}/fetch/"

    fetched = operator_client.post(url, follow=True)
    assert "1 new email fetched" in fetched.content.decode()

    EmailMailbox.objects.filter(pk=mailbox.pk).update(imap_password="wrong")
    failed = operator_client.post(url)
    assert failed.status_code == 502 and "refused the login" in failed.content.decode()


def test_dates_before_since_are_left(imap_port, folder):
    put(imap_port, folder, raw_email(1), days_ago=3)

    batch = fetch_new(account(imap_port, folder), after_uid=0, uidvalidity=None, since=date.today() - timedelta(days=5))

    assert len(batch.emails) == 1
