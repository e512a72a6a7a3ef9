"""Where an inbound email goes, whichever way it came (SMTP receiver, webhook, IMAP)."""

from django.utils.translation import gettext

from core.errors import NotFound
from integrations import continuity, email_channel
from integrations.inbound import ParsedEmail
from integrations.models import InboundEmail


class UnknownReplyAddress(NotFound):
    code = "unknown_reply_address"


def receive(parsed: ParsedEmail, *, recipients: list[str] | None = None) -> InboundEmail:
    """To a conversation's reply address: into that conversation. To a connected mailbox (or its forwarding
    address): into its email inbox. `recipients` are the SMTP envelope's, which name the address even when
    the headers do not (a forwarded or Bcc'd email)."""
    addresses = [*(recipients or []), *parsed.recipients]
    if thread := continuity.thread_for(addresses):
        return continuity.receive_reply(thread.conversation, parsed)
    if mailbox := email_channel.mailbox_for(addresses):
        return email_channel.receive(mailbox, parsed)
    raise UnknownReplyAddress(gettext("No conversation or inbox has this address."))
