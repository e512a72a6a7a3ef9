"""Email inboxes: a business's mailbox (support@, sales@) whose mail lands in the inbox as conversations.

Its mail arrives forwarded to inbox+<token>@INBOUND_EMAIL_DOMAIN (the SMTP receiver or the inbound webhook),
or fetched from the mailbox over IMAP (integrations.imap, by poll_mailboxes on the clock). A new email starts
a conversation with its sender's contact; an answer to one of our replies (by its In-Reply-To or References)
joins its conversation. Operators' replies go out from the mailbox's address (integrations.continuity).
"""

import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from contacts.actions import contact_for_sender
from conversations import actions as conversation_actions
from conversations.models import Conversation
from core.errors import DomainError
from integrations.continuity import receive_reply, thread_of
from integrations.imap import ImapAccount, ImapError, fetch_new
from integrations.inbound import ParsedEmail, parse_email
from integrations.models import EmailMailbox, InboundEmail, OutboundEmail
from visitors.models import Visitor

FORWARD_PREFIX = "inbox+"

log = logging.getLogger(__name__)


def forwarding_address(mailbox: EmailMailbox) -> str:
    return f"{FORWARD_PREFIX}{mailbox.forward_token}@{settings.INBOUND_EMAIL_DOMAIN}"


def mailbox_for(addresses: list[str]) -> EmailMailbox | None:
    """The active mailbox these recipients name: its forwarding address or the mailbox's own address."""
    domain = "@" + settings.INBOUND_EMAIL_DOMAIN.lower()
    tokens, own = [], []
    for address in addresses:
        lowered = address.strip().lower()
        if lowered.startswith(FORWARD_PREFIX) and lowered.endswith(domain):
            tokens.append(lowered[len(FORWARD_PREFIX) : -len(domain)])
        else:
            own.append(lowered)
    if not tokens and not own:
        return None
    return (
        EmailMailbox.objects.select_related("inbox__workspace")
        .filter(Q(forward_token__in=tokens) | Q(address__in=own), inbox__revoked_at=None)
        .first()
    )


def receive(mailbox: EmailMailbox, parsed: ParsedEmail) -> InboundEmail:
    """An email to the mailbox: the answer to a conversation it threads into, else a new conversation (an
    auto-reply starts none). Stored once per Message-ID."""
    workspace = mailbox.inbox.workspace
    if parsed.message_id:
        stored = InboundEmail.objects.filter(workspace=workspace, email_message_id=parsed.message_id).first()
        if stored is not None:
            return stored
    conversation = _threaded_conversation(mailbox, parsed)
    if conversation is not None:
        return receive_reply(conversation, parsed)
    try:
        with transaction.atomic():
            return _start_conversation(mailbox, parsed)
    except IntegrityError:  # the same email delivered twice at once: the other delivery stored it
        return InboundEmail.objects.get(workspace=workspace, email_message_id=parsed.message_id)


def _threaded_conversation(mailbox: EmailMailbox, parsed: ParsedEmail) -> Conversation | None:
    """The conversation of this mailbox whose emails the new one answers (mail clients name them)."""
    ids = [i for i in [parsed.in_reply_to, *reversed(parsed.references)] if i]
    if not ids:
        return None
    ours = OutboundEmail.objects.filter(message_id__in=ids, conversation__inbox=mailbox.inbox)
    theirs = InboundEmail.objects.filter(email_message_id__in=ids, conversation__inbox=mailbox.inbox)
    latest = [
        *ours.values_list("created_at", "conversation_id"),
        *theirs.values_list("created_at", "conversation_id"),
    ]
    if not latest:
        return None
    conversation_id = max(latest)[1]
    return Conversation.objects.select_related("visitor__contact", "workspace", "inbox").get(pk=conversation_id)


def _start_conversation(mailbox: EmailMailbox, parsed: ParsedEmail) -> InboundEmail:
    inbox = mailbox.inbox
    if parsed.auto_submitted:  # out-of-office and bounces start no conversation
        return InboundEmail.objects.create(
            workspace=inbox.workspace,
            email_message_id=parsed.message_id[:255],
            from_address=parsed.from_address[:254],
            subject=parsed.subject[:300],
            text=parsed.full_text,
            status=InboundEmail.Status.IGNORED,
        )
    contact = contact_for_sender(inbox.workspace_id, email=parsed.from_address, name=parsed.from_name)
    visitor = Visitor.objects.filter(inbox=inbox, contact=contact).first() or Visitor.objects.create(
        workspace=inbox.workspace, inbox=inbox, contact=contact
    )
    visitor.inbox, visitor.workspace, visitor.contact = inbox, inbox.workspace, contact
    conversation = conversation_actions.open_new_conversation(visitor)
    thread = thread_of(conversation)
    thread.subject = parsed.subject[:300] or gettext("(no subject)")
    thread.save(update_fields=["subject"])
    return receive_reply(conversation, parsed)


# Fetching over IMAP


def poll_mailboxes() -> int:
    """Fetch the new mail of every mailbox connected over IMAP; how many emails were stored. A failing mailbox
    keeps its reason on its settings page and does not stop the others."""
    stored = 0
    connected = EmailMailbox.objects.exclude(imap_host="").filter(inbox__revoked_at=None)
    for mailbox in connected.select_related("inbox__workspace"):
        try:
            stored += poll_mailbox(mailbox)
        except ImapError:
            continue
    return stored


def poll_mailbox(mailbox: EmailMailbox) -> int:
    """Store the emails that came into the mailbox since the last poll, oldest first; how many were stored.

    The last UID advances past each email once it is stored (or refused as malformed), so a crash midway loses
    nothing and stores nothing twice (a redelivered Message-ID is a no-op anyway).
    """
    polled_at = timezone.now()
    # Several workers on one clock tick: one of them fetches.
    if not EmailMailbox.objects.filter(pk=mailbox.pk, imap_polled_at=mailbox.imap_polled_at).update(
        imap_polled_at=polled_at
    ):
        return 0
    mailbox.imap_polled_at = polled_at
    account = ImapAccount(
        host=mailbox.imap_host,
        port=mailbox.imap_port,
        ssl=mailbox.imap_ssl,
        username=mailbox.imap_username,
        password=mailbox.imap_password,
        folder=mailbox.imap_folder,
    )
    try:
        batch = fetch_new(account, after_uid=mailbox.imap_last_uid, uidvalidity=mailbox.imap_uidvalidity)
    except ImapError as error:
        mailbox.imap_error = error.detail[:500]
        mailbox.save(update_fields=["imap_error"])
        raise
    if batch.uidvalidity != mailbox.imap_uidvalidity:
        mailbox.imap_uidvalidity, mailbox.imap_last_uid = batch.uidvalidity, 0
    stored = 0
    for fetched in batch.emails:
        try:
            receive(mailbox, parse_email(fetched.raw))
            stored += 1
        except DomainError as error:  # malformed or too large: it will not get better by fetching it again
            log.warning("Email %s of mailbox %s was not stored: %s", fetched.uid, mailbox.address, error.detail)
        mailbox.imap_last_uid = fetched.uid
        mailbox.save(update_fields=["imap_uidvalidity", "imap_last_uid"])
    mailbox.imap_error = ""
    mailbox.save(update_fields=["imap_uidvalidity", "imap_last_uid", "imap_error"])
    return stored
