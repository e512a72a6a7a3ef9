"""The email a visitor gets when operators replied after they left the site: the new replies, the recent
transcript, threading headers so mail clients keep the conversation together, and an unsubscribe link."""

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


def build_continuity_email(email: ContinuityEmail) -> EmailMultiAlternatives:
    zone = _zone(email.time_zone)

    def shown(line: TranscriptLine) -> dict[str, object]:
        # Operators' HTML was sanitised with nh3 when it was made (conversations.rich), so it may be inserted as
        # is; a visitor's line never is: the templates show its text escaped, with its line breaks.
        html = "" if line.from_visitor else mark_safe(line.html)  # noqa: S308
        return {"line": line, "at": line.at.astimezone(zone), "html": html}

    # The `date` filter converts aware datetimes to the *current* time zone, so the visitor's zone is made
    # current while rendering (the astimezone above alone would be undone).
    with translation.override(email.language or "en"), timezone.override(zone):
        context = {
            "email": email,
            "new_messages": [shown(line) for line in email.new_messages],
            "earlier": [shown(line) for line in email.earlier],
        }
        text = render_to_string("integrations/email/continuity.txt", context)
        html = render_to_string("integrations/email/continuity.html", context)
    references = [*email.references]
    if email.in_reply_to and email.in_reply_to not in references:
        references.append(email.in_reply_to)
    headers = {
        "Message-ID": f"<{email.message_id}>",
        "List-Unsubscribe": f"<{email.unsubscribe_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "X-Auto-Response-Suppress": "All",  # no out-of-office replies from Exchange to a reply address
    }
    if email.in_reply_to:
        headers["In-Reply-To"] = f"<{email.in_reply_to}>"
    if references:
        headers["References"] = " ".join(f"<{ref}>" for ref in references)
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
