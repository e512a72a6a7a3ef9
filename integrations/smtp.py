"""The built-in SMTP receiver (`parley smtpd`): visitors' answers to reply addresses, and the mail of the
business's mailboxes forwarded to it, straight into the inbox.

A message is acknowledged (250) only once stored; a failure the sender should not retry gets a 5xx reply
with the reason, anything unexpected a 4xx, so the sending server keeps the email and tries again.
"""

import logging
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections

from core.errors import DomainError
from integrations import email_channel, mailroom
from integrations.inbound import MAX_EMAIL_BYTES, EmailTooLarge, parse_email

log = logging.getLogger(__name__)


def _store(raw: bytes, recipients: list[str]) -> str:
    close_old_connections()
    try:
        stored = mailroom.receive(parse_email(raw), recipients=recipients)
    except EmailTooLarge as error:
        return f"552 5.3.4 {error.detail}"
    except mailroom.UnknownReplyAddress as error:
        return f"550 5.1.1 {error.detail}"
    except DomainError as error:
        return f"554 5.6.0 {error.detail}"
    except Exception:
        log.exception("storing an inbound email failed")
        return "451 4.3.0 Could not store the message now; try again later."
    return f"250 2.0.0 {stored.status}"


def _is_mailbox(address: str) -> bool:
    close_old_connections()
    return email_channel.mailbox_for([address]) is not None


class ReplyHandler:
    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        ours = address.lower().endswith("@" + settings.INBOUND_EMAIL_DOMAIN.lower())
        if not ours and not await sync_to_async(_is_mailbox, thread_sensitive=False)(address):
            return "550 5.7.1 Not an address of this server (no relaying)."
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        data = raw if isinstance(raw, bytes) else raw.encode()
        return await sync_to_async(_store, thread_sensitive=False)(data, list(envelope.rcpt_tos))


def make_controller(host: str, port: int, **kwargs: Any) -> Controller:
    return Controller(
        ReplyHandler(), hostname=host, port=port, data_size_limit=MAX_EMAIL_BYTES, decode_data=False, **kwargs
    )
