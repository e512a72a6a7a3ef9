"""Reading a business's mailbox over IMAP: the emails that came in since the last look.

The folder is opened read-only and messages are fetched with BODY.PEEK, so the mailbox stays as its people
left it (nothing marked read, nothing moved). UIDs are the cursor; when the server renumbers the folder (a
new UIDVALIDITY), or on the first look, only the recent mail is taken, never a mailbox's whole history.
"""

import contextlib
import imaplib
import re
import socket
import ssl
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext

from core.errors import DomainError

BATCH = 50  # emails per look; the next look continues after the last one


class ImapError(DomainError):
    status = 502
    code = "imap_failed"


@dataclass(frozen=True)
class ImapAccount:
    host: str
    port: int
    ssl: bool
    username: str
    password: str
    folder: str = "INBOX"


@dataclass(frozen=True)
class FetchedEmail:
    uid: int
    raw: bytes


@dataclass(frozen=True)
class ImapBatch:
    uidvalidity: int
    emails: list[FetchedEmail]  # ascending UID


def fetch_new(
    account: ImapAccount,
    *,
    after_uid: int,
    uidvalidity: int | None,
    limit: int = BATCH,
    timeout: float = 30.0,
    since: date | None = None,
) -> ImapBatch:
    """The emails after `after_uid`; on a first look or a renumbered folder, those since `since` (yesterday)."""
    try:
        client = _connect(account, timeout)
    except (OSError, imaplib.IMAP4.error) as error:
        raise _failure(account, error) from None
    try:
        return _fetch(client, account, after_uid, uidvalidity, limit, since or date.today() - timedelta(days=1))
    except (OSError, imaplib.IMAP4.error) as error:
        raise _failure(account, error) from None
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            client.logout()


def _connect(account: ImapAccount, timeout: float) -> imaplib.IMAP4:
    if account.ssl:
        client: imaplib.IMAP4 = imaplib.IMAP4_SSL(
            account.host, account.port, ssl_context=ssl.create_default_context(), timeout=timeout
        )
    else:
        client = imaplib.IMAP4(account.host, account.port, timeout=timeout)
    try:
        client.login(account.username, account.password)
    except imaplib.IMAP4.error:
        client.shutdown()
        raise ImapError(gettext("The IMAP server refused the login: check the username and password.")) from None
    return client


def _fetch(
    client: imaplib.IMAP4, account: ImapAccount, after_uid: int, uidvalidity: int | None, limit: int, since: date
) -> ImapBatch:
    status, _ = client.select(_quoted(account.folder), readonly=True)
    if status != "OK":
        raise ImapError(
            gettext("The folder “%(folder)s” does not exist on the IMAP server.") % {"folder": account.folder}
        )
    current = int(client.response("UIDVALIDITY")[1][0] or 0)
    if uidvalidity is None or uidvalidity != current:
        _, found = client.uid("SEARCH", "SINCE", since.strftime("%d-%b-%Y"))  # type: ignore[arg-type]
        after_uid = 0
    else:
        _, found = client.uid("SEARCH", "UID", f"{after_uid + 1}:*")  # type: ignore[arg-type]
    # "n:*" names the last message even when its UID is below n.
    uids = sorted(uid for uid in map(int, (found[0] or b"").split()) if uid > after_uid)[:limit]
    emails = []
    for uid in uids:
        _, data = client.uid("FETCH", str(uid), "(BODY.PEEK[])")
        raw = next((part[1] for part in data if isinstance(part, tuple)), None)
        if raw is not None:  # expunged meanwhile
            emails.append(FetchedEmail(uid=uid, raw=raw))
    return ImapBatch(uidvalidity=current, emails=emails)


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _failure(account: ImapAccount, error: Exception) -> ImapError:
    if isinstance(error, (TimeoutError, socket.timeout)):
        return ImapError(gettext("The IMAP server did not answer in time."))
    if isinstance(error, ssl.SSLError):
        return ImapError(
            gettext("Could not start TLS with %(server)s: does it use TLS on this port? (%(reason)s)")
            % {"server": f"{account.host}:{account.port}", "reason": error.reason or error}
        )
    reason = re.sub(r"\s+", " ", str(error)).replace(account.password, "***") if account.password else str(error)
    return ImapError(
        gettext("Could not read %(server)s: %(reason)s")
        % {"server": f"{account.host}:{account.port}", "reason": reason}
    )
