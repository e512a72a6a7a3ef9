"""The emails visitors get from operators, with threading headers so mail clients keep a conversation together.

Continuity email: operators replied after the visitor left the site: the new replies, the recent transcript
and an unsubscribe link. Reply email: an answer in a conversation the visitor started by email, written like
any mail client's reply ("Re:", the answer, the quoted email it answers).
"""

from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext


@dataclass(frozen=True)
class TranscriptLine:
    author: str  # the operator's or bot's name; visitor lines are shown as "You" by the templates
    from_visitor: bool
    text: str  # plain text
    html: str  # operators' text already sanitised to a Markdown subset (conversations.rich), or "": then `text`
    at: datetime  # aware


@dataclass(frozen=True)
class ContinuityEmail:
    business_name: str
    to_address: str
    to_name: str
    from_address: str
    reply_to: str  # reply+<token>@<inbound domain>
    subject: str
    message_id: str  # without <>
    in_reply_to: str | None
    references: list[str]
    new_messages: list[TranscriptLine]
    earlier: list[TranscriptLine]
    unsubscribe_url: str
    language: str
    time_zone: str


@dataclass(frozen=True)
class EmailFile:
    name: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class ReplyEmail:
    business_name: str
    to_address: str
    to_name: str
    from_address: str  # the business's mailbox: answers come back to it
    subject: str  # the conversation's first email's
    message_id: str
    in_reply_to: str | None
    references: list[str]
    new_messages: list[TranscriptLine]
    quoted: TranscriptLine | None  # the visitor's latest message, quoted under the answer
    language: str
    time_zone: str
    files: list[EmailFile]  # what the operators attached to these replies


def continuity_subject(business_name: str) -> str:
    """The same for every email of a conversation, so mail clients thread them."""
    return gettext("Your conversation with %(name)s") % {"name": _one_line(business_name)}


def _one_line(value: str) -> str:
    """A name for a header: a line break in it would make Django refuse the header (BadHeaderError)."""
    return " ".join(value.split())


def _mailbox(name: str, address: str) -> str:
    """A header-safe "Name <address>": quotes, commas and non-ASCII names are quoted here and encoded by Django
    (sanitize_address), never injected as extra addresses."""
    address, name = address.strip(), _one_line(name)
    if not name:
        return address
    username, _, domain = address.rpartition("@") if "@" in address else (address, "", "")
    return str(Address(display_name=name, username=username, domain=domain))


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def reply_subject(subject: str) -> str:
    subject = _one_line(subject)
    return subject if subject.lower().startswith("re:") else f"Re: {subject}"


def _shown(line: TranscriptLine, zone: ZoneInfo) -> dict[str, object]:
    # Operators' HTML was sanitised with nh3 when it was made (conversations.rich), so it may be inserted as
    # is; a visitor's line never is: the templates show its text escaped, with its line breaks.
    html = "" if line.from_visitor else mark_safe(line.html)  # noqa: S308
    return {"line": line, "at": line.at.astimezone(zone), "html": html}


def _render(template: str, language: str, zone: ZoneInfo, context: dict[str, object]) -> tuple[str, str]:
    """The text and HTML parts. The `date` filter converts aware datetimes to the *current* time zone, so the
    visitor's zone is made current while rendering (an astimezone alone would be undone)."""
    with translation.override(language or "en"), timezone.override(zone):
        text = render_to_string(f"integrations/email/{template}.txt", context)
        html = render_to_string(f"integrations/email/{template}.html", context)
    return text, html


def _threading(message_id: str, in_reply_to: str | None, references: list[str]) -> dict[str, str]:
    headers = {
        "Message-ID": f"<{message_id}>",
        "X-Auto-Response-Suppress": "All",  # no out-of-office replies from Exchange
    }
    references = [*references]
    if in_reply_to and in_reply_to not in references:
        references.append(in_reply_to)
    if in_reply_to:
        headers["In-Reply-To"] = f"<{in_reply_to}>"
    if references:
        headers["References"] = " ".join(f"<{ref}>" for ref in references)
    return headers


def build_continuity_email(email: ContinuityEmail) -> EmailMultiAlternatives:
    zone = _zone(email.time_zone)
    context = {
        "email": email,
        "new_messages": [_shown(line, zone) for line in email.new_messages],
        "earlier": [_shown(line, zone) for line in email.earlier],
    }
    text, html = _render("continuity", email.language, zone, context)
    headers = {
        **_threading(email.message_id, email.in_reply_to, email.references),
        "List-Unsubscribe": f"<{email.unsubscribe_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=text,
        from_email=_mailbox(email.business_name, email.from_address),
        to=[_mailbox(email.to_name, email.to_address)],
        reply_to=[email.reply_to],
        headers=headers,
    )
    message.attach_alternative(html, "text/html")
    return message


def build_reply_email(email: ReplyEmail) -> EmailMultiAlternatives:
    zone = _zone(email.time_zone)
    context = {
        "email": email,
        "new_messages": [_shown(line, zone) for line in email.new_messages],
        "quoted": _shown(email.quoted, zone) if email.quoted else None,
        "to_name": email.to_name or email.to_address,
    }
    text, html = _render("reply", email.language, zone, context)
    message = EmailMultiAlternatives(
        subject=reply_subject(email.subject),
        body=text,
        from_email=_mailbox(email.business_name, email.from_address),
        to=[_mailbox(email.to_name, email.to_address)],
        headers=_threading(email.message_id, email.in_reply_to, email.references),
    )
    message.attach_alternative(html, "text/html")
    for file in email.files:
        message.attach(file.name, file.data, file.content_type)
    return message
