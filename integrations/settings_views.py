"""Settings → Integrations (the workspace's Slack incoming webhook) and the settings page of each email inbox.
Members may look; admins change."""

from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError, InvalidInput, NotFound
from integrations import actions, email_channel
from integrations.forms import EmailInboxForm, ImapForm, MailboxAddressForm, SlackForm
from integrations.models import EmailMailbox, SlackWebhook
from workspaces.queries import get_inbox, require_admin
from workspaces.settings_pages import SettingsRequest, bound_form, done, invalid, page, render_page, settings_view


@page("integrations")
def _integrations_page(
    request: SettingsRequest, *, error: DomainError | None = None, status: int = 200, **_kwargs: Any
) -> HttpResponse:
    hook = SlackWebhook.objects.filter(workspace=request.member.workspace).first()
    context = {
        "hook": hook,
        "slack_form": bound_form(request, SlackForm, "integrations-slack", initial={"url": hook.url if hook else ""}),
        "error": error,
    }
    return render_page(request, "integrations/settings.html", context, section="integrations", status=status)


@require_GET
@settings_view("integrations")
def integrations(request: SettingsRequest) -> HttpResponse:
    return _integrations_page(request)


@require_POST
@settings_view("integrations")
def slack(request: SettingsRequest) -> HttpResponse:
    form = SlackForm(request.POST)
    if not form.is_valid():
        return invalid(request, "integrations")
    actions.set_slack_webhook(request.member, form.cleaned_data["url"])
    message = _("Slack notifications are on.") if form.cleaned_data["url"] else _("Slack notifications are off.")
    return done(request, message, "integrations-settings")


# Email inboxes (listed with every inbox on Settings → Inboxes)


def _mailbox(request: SettingsRequest, inbox_id: str) -> EmailMailbox:
    inbox = get_inbox(request.member, inbox_id)
    if not inbox.is_email:
        raise NotFound(_("This inbox is not an email inbox."))
    mailbox = EmailMailbox.objects.get(inbox=inbox)
    mailbox.inbox = inbox
    return mailbox


@page("email_inbox")
def _email_inbox_page(
    request: SettingsRequest, inbox_id: str, *, error: DomainError | None = None, status: int = 200, **_kwargs: Any
) -> HttpResponse:
    mailbox = _mailbox(request, inbox_id)
    imap = {name: getattr(mailbox, name) for name in ImapForm.base_fields if name != "imap_password"}
    context = {
        "inbox": mailbox.inbox,
        "mailbox": mailbox,
        "forwarding_address": email_channel.forwarding_address(mailbox),
        "address_form": bound_form(
            request, MailboxAddressForm, "integrations-mailbox-address", initial={"address": mailbox.address}
        ),
        "imap_form": bound_form(request, ImapForm, "integrations-mailbox-imap", initial=imap),
        "error": error,
    }
    return render_page(request, "integrations/email_inbox.html", context, section="inboxes", status=status)


@require_POST
@settings_view("widget_inboxes")
def email_inbox_create(request: SettingsRequest) -> HttpResponse:
    require_admin(request.member)
    form = EmailInboxForm(request.POST)
    if not form.is_valid():
        return invalid(request, "widget_inboxes")
    inbox = actions.create_email_inbox(request.member, **form.cleaned_data)
    message = _("Inbox “%(name)s” created. Forward the mailbox's mail to the address below, or connect it over IMAP.")
    return done(request, message % {"name": inbox.name}, "integrations-email-inbox", inbox.public_id.hex)


@require_GET
@settings_view("email_inbox")
def email_inbox(request: SettingsRequest, inbox_id: str) -> HttpResponse:
    return _email_inbox_page(request, inbox_id)


@require_POST
@settings_view("email_inbox")
def mailbox_address(request: SettingsRequest, inbox_id: str) -> HttpResponse:
    mailbox = _mailbox(request, inbox_id)
    form = MailboxAddressForm(request.POST)
    if not form.is_valid():
        return invalid(request, "email_inbox", inbox_id)
    actions.set_mailbox_address(request.member, mailbox, form.cleaned_data["address"])
    return done(request, _("Mailbox address saved."), "integrations-email-inbox", inbox_id)


@require_POST
@settings_view("email_inbox")
def mailbox_imap(request: SettingsRequest, inbox_id: str) -> HttpResponse:
    mailbox = _mailbox(request, inbox_id)
    form = ImapForm(request.POST)
    if not form.is_valid():
        return invalid(request, "email_inbox", inbox_id)
    actions.set_imap(request.member, mailbox, **form.cleaned_data)
    message = _("IMAP settings saved: new mail is fetched every minute.") if mailbox.fetches else _("IMAP is off.")
    return done(request, message, "integrations-email-inbox", inbox_id)


@require_POST
@settings_view("email_inbox")
def mailbox_fetch(request: SettingsRequest, inbox_id: str) -> HttpResponse:
    """Fetch now: tries the connection and shows what went wrong, if anything."""
    require_admin(request.member)
    mailbox = _mailbox(request, inbox_id)
    if not mailbox.fetches:
        raise InvalidInput(_("Enter the IMAP server and save first."))
    stored = email_channel.poll_mailbox(mailbox)
    message = ngettext("Connected. %(count)d new email fetched.", "Connected. %(count)d new emails fetched.", stored)
    return done(request, message % {"count": stored}, "integrations-email-inbox", inbox_id)
