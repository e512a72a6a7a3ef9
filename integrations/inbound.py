"""Inbound email as the chat needs it: who wrote, to which reply address, and only what they wrote now.

The quoted history and signature are removed by mail-parser-reply (the common clients, in several
languages), then by a few rules of our own for what it misses (clients in other languages write
"<date>, <name> <address>:" above a "> " quote; "--" signatures; "Sent from my phone" lines).
"""

import email
import re
from dataclasses import dataclass
from email.message import EmailMessage, Message
from email.policy import default as default_policy
from email.utils import getaddresses, parseaddr
from pathlib import PurePath

from django.utils.translation import gettext
from inscriptis import get_text
from mailparser_reply import EmailReplyParser
from mailparser_reply.constants import MAIL_LANGUAGES

from core.errors import DomainError, InvalidInput

MAX_EMAIL_BYTES = 20 * 1024 * 1024
AUTO_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
DAEMONS = ("mailer-daemon", "postmaster", "noreply", "no-reply")
_replies = EmailReplyParser(languages=[code for code in MAIL_LANGUAGES if len(code) == 2])
_quote_header = re.compile(r"^.{0,200}[^\s<>]+@[^\s<>]+.{0,40}:\s*$")  # "…, Shop <reply+…@…> wrote:" above a quote
_signature = re.compile(r"^(--|-- |__+)\s*$")
_sent_from = re.compile(r"^(sent from my |get outlook for |отправлено (с|из) |envoyé de mon |von meinem )", re.I)
_token = re.compile(r"^reply\+([A-Za-z0-9_-]{8,64})@(.+)$")


class MalformedEmail(InvalidInput):
    code = "malformed_email"


class EmailTooLarge(DomainError):
    status = 413
    code = "email_too_large"


@dataclass(frozen=True)
class InboundAttachment:
    name: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class ParsedEmail:
    message_id: str
    in_reply_to: str
    references: list[str]
    from_address: str
    from_name: str
    recipients: list[str]  # To, Cc, Delivered-To, X-Original-To, as written
    subject: str
    text: str  # what they wrote now: no quoted history, no signature
    full_text: str
    attachments: list[InboundAttachment]
    auto_submitted: bool  # an auto-reply or bulk mail: never a visitor's message (mail loops)


def reply_token(address: str, domain: str) -> str | None:
    match = _token.match(address.strip())
    if not match or match.group(2).lower() != domain.lower():
        return None
    return match.group(1)


def _ids(value: str | None) -> list[str]:
    return re.findall(r"<([^<>\s]+)>", value or "") or ([value.strip()] if value and value.strip() else [])


def _header(message: Message, name: str) -> str:
    try:
        return str(message.get(name, "") or "").strip()
    except Exception:  # a header the parser could not decode
        return ""


def _payload(part: Message) -> bytes:
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def _body_text(part: Message) -> str:
    payload = _payload(part)
    charset = part.get_content_charset() or "utf-8"
    try:
        text = payload.decode(charset, errors="replace")
    except LookupError:  # an unknown charset name
        text = payload.decode("utf-8", errors="replace")
    return get_text(text) if part.get_content_type() == "text/html" else text


def _safe_name(name: str | None) -> str:
    cleaned = "".join(ch for ch in (name or "") if ch.isprintable())
    cleaned = PurePath(cleaned.replace("\\", "/")).name.strip()
    return cleaned[:200] or "attachment"


def _parts(message: Message) -> tuple[str, list[InboundAttachment]]:
    plain: list[str] = []
    html: list[str] = []
    attachments: list[InboundAttachment] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        disposition = part.get_content_disposition()
        filename = part.get_filename()
        if (
            disposition == "attachment"
            or (filename and disposition == "inline")
            or (filename and not part.get_content_type().startswith("text/"))
        ):
            attachments.append(InboundAttachment(_safe_name(filename), part.get_content_type().lower(), _payload(part)))
        elif part.get_content_type() == "text/plain":
            plain.append(_body_text(part))
        elif part.get_content_type() == "text/html":
            html.append(_body_text(part))
    return "\n".join(plain or html), attachments


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _new_part(text: str) -> str:
    """What the sender wrote above the quoted history and their signature."""
    reply = _replies.parse_reply(text=text) or ""
    lines = reply.split("\n")
    for i, line in enumerate(lines):
        rest = [later for later in lines[i + 1 :] if later.strip()]
        quote_follows = not rest or rest[0].startswith(">")  # the parser may have dropped the quote itself
        if (
            _signature.match(line)
            or _sent_from.match(line.strip())
            or (_quote_header.match(line.strip()) and quote_follows)
            or line.startswith(">")
        ):
            lines = lines[:i]
            break
    return _tidy("\n".join(lines))


def parse_email(raw: bytes, *, max_bytes: int = MAX_EMAIL_BYTES) -> ParsedEmail:
    if len(raw) > max_bytes:
        raise EmailTooLarge(gettext("The email is larger than the %(mb)d MB limit.") % {"mb": max_bytes // 2**20})
    message: EmailMessage = email.message_from_bytes(raw, policy=default_policy)  # type: ignore[assignment]
    from_name, from_address = parseaddr(_header(message, "From"))
    if not raw.strip() or "@" not in from_address or (message.defects and not message.keys()):
        raise MalformedEmail(gettext("This is not an email: it has no sender address."))
    body, attachments = _parts(message)
    full_text = _tidy(body)
    if not full_text and not attachments:
        raise MalformedEmail(gettext("The email has no text and no attachments."))
    recipients: list[str] = []
    for name in ("To", "Cc", "Delivered-To", "X-Original-To"):
        for _, address in getaddresses([_header(message, name)]):
            if "@" in address and address not in recipients:
                recipients.append(address)  # a reply token is case-sensitive
    auto = _header(message, "Auto-Submitted").lower()
    auto_submitted = (
        bool(auto and auto != "no")
        or bool(_header(message, "X-Autoreply") or _header(message, "X-Autorespond"))
        or _header(message, "Precedence").lower() in AUTO_PRECEDENCE
        or from_address.lower().split("@")[0] in DAEMONS
    )
    return ParsedEmail(
        message_id=(_ids(_header(message, "Message-ID")) or [""])[0][:255],
        in_reply_to=(_ids(_header(message, "In-Reply-To")) or [""])[0],
        references=_ids(_header(message, "References")),
        from_address=from_address.lower(),
        from_name=from_name,
        recipients=recipients,
        subject=_header(message, "Subject")[:300],
        text=_new_part(full_text),
        full_text=full_text,
        attachments=attachments,
        auto_submitted=auto_submitted,
    )
