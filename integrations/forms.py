"""Forms of Settings → Integrations and of email inboxes."""

from django import forms
from django.utils.translation import gettext_lazy as _


class SlackForm(forms.Form):
    url = forms.URLField(
        label=_("Slack incoming-webhook URL"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=_("Slack hears of new conversations and assignments. Leave empty to turn it off."),
    )


class MailboxAddressForm(forms.Form):
    address = forms.EmailField(
        label=_("Mailbox address"),
        widget=forms.EmailInput(attrs={"placeholder": "support@shop.example", "autocomplete": "off"}),
        help_text=_("The address your customers write to. Replies go out from it."),
    )


class EmailInboxForm(MailboxAddressForm):
    name = forms.CharField(
        label=_("Name"), max_length=120, widget=forms.TextInput(attrs={"placeholder": _("Support email")})
    )
    field_order = ["name", "address"]


class ImapForm(forms.Form):
    imap_host = forms.CharField(
        label=_("IMAP server"),
        required=False,
        max_length=255,
        widget=forms.TextInput(attrs={"placeholder": "imap.shop.example", "autocomplete": "off"}),
        help_text=_("Leave empty when the mailbox forwards its mail here instead."),
    )
    imap_port = forms.IntegerField(label=_("Port"), min_value=1, max_value=65535, initial=993)
    imap_ssl = forms.BooleanField(label=_("Use TLS"), required=False, initial=True)
    imap_username = forms.CharField(
        label=_("Username"), required=False, max_length=255, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    imap_password = forms.CharField(
        label=_("Password"),
        required=False,
        max_length=255,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to keep the saved password."),
    )
    imap_folder = forms.CharField(label=_("Folder"), max_length=255, initial="INBOX")
