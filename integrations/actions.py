"""Writes of integrations settings: the Slack webhook, email inboxes and their mailboxes."""

from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext

from contacts.actions import clean_email
from core.errors import Conflict, InvalidInput
from integrations.models import EmailMailbox, SlackWebhook
from workspaces import actions as workspace_actions
from workspaces.models import Inbox, Member
from workspaces.queries import require_admin


@transaction.atomic
def set_slack_webhook(member: Member, url: str) -> SlackWebhook | None:
    """The workspace's Slack incoming webhook; an empty URL removes it."""
    require_admin(member)
    if not url:
        SlackWebhook.objects.filter(workspace=member.workspace).delete()
        return None
    if urlsplit(url).scheme not in ("http", "https"):
        raise InvalidInput(gettext("The webhook URL must start with https://."))
    hook, _ = SlackWebhook.objects.update_or_create(workspace=member.workspace, defaults={"url": url, "last_error": ""})
    return hook


def _mailbox_address(address: str, *, other_than: EmailMailbox | None = None) -> str:
    address = clean_email(address)
    if not address:
        raise InvalidInput(gettext("Enter the mailbox's address."), code="invalid_email")
    if address.endswith("@" + settings.INBOUND_EMAIL_DOMAIN.lower()):
        raise InvalidInput(
            gettext("Enter your own mailbox, such as support@ at your domain, not an address of this server."),
            code="invalid_email",
        )
    taken = EmailMailbox.objects.filter(address=address)
    if other_than is not None:
        taken = taken.exclude(pk=other_than.pk)
    if taken.exists():
        raise Conflict(gettext("%(address)s is already connected to an inbox.") % {"address": address})
    return address


@transaction.atomic
def create_email_inbox(member: Member, *, name: str, address: str) -> Inbox:
    """An inbox for one of the business's mailboxes; its mail is forwarded here or fetched over IMAP."""
    require_admin(member)
    name = name.strip()
    if not name or len(name) > 120:
        raise InvalidInput(gettext("Give the inbox a name of at most 120 characters."))
    address = _mailbox_address(address)
    inbox = workspace_actions.create_inbox(member.workspace, name=name, allowed_origins=[], channel=Inbox.Channel.EMAIL)
    EmailMailbox.objects.create(inbox=inbox, address=address)
    return inbox


@transaction.atomic
def set_mailbox_address(member: Member, mailbox: EmailMailbox, address: str) -> EmailMailbox:
    require_admin(member)
    mailbox.address = _mailbox_address(address, other_than=mailbox)
    mailbox.save(update_fields=["address"])
    return mailbox


@transaction.atomic
def set_imap(
    member: Member,
    mailbox: EmailMailbox,
    *,
    imap_host: str,
    imap_port: int,
    imap_ssl: bool,
    imap_username: str,
    imap_password: str,
    imap_folder: str,
) -> EmailMailbox:
    """Fetch the mailbox over IMAP (an empty host stops fetching). An empty password keeps the saved one;
    another server or folder starts from the mail of the last day, not the mailbox's whole history."""
    require_admin(member)
    host, folder = imap_host.strip(), imap_folder.strip() or "INBOX"
    if host and not imap_username.strip():
        raise InvalidInput(gettext("Enter the username of the mailbox on the IMAP server."))
    if host and not (imap_password or mailbox.imap_password):
        raise InvalidInput(gettext("Enter the password of the mailbox on the IMAP server."))
    if (host, imap_port, imap_username.strip(), folder) != (
        mailbox.imap_host,
        mailbox.imap_port,
        mailbox.imap_username,
        mailbox.imap_folder,
    ):
        mailbox.imap_uidvalidity, mailbox.imap_last_uid, mailbox.imap_polled_at = None, 0, None
    mailbox.imap_host, mailbox.imap_port, mailbox.imap_ssl = host, imap_port, imap_ssl
    mailbox.imap_username, mailbox.imap_folder = imap_username.strip(), folder
    mailbox.imap_password = imap_password or mailbox.imap_password
    mailbox.imap_error = ""
    mailbox.save()
    return mailbox
