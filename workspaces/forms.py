"""Forms of the settings pages: they parse and check the shape of input; actions check the rules."""

from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from workspaces.models import Member


class InvitationForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Member.Role.choices, initial=Member.Role.AGENT)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Member.Role.choices)


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)


class TagForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    colour = forms.RegexField(
        label=_("Colour"),
        regex=r"^#[0-9a-fA-F]{6}$",
        initial="#6b7280",
        widget=forms.TextInput(attrs={"type": "color"}),
        error_messages={"invalid": _("A colour looks like #1a2b3c.")},
    )


class ReplyTemplateForm(forms.Form):
    shortcut = forms.CharField(
        label=_("Shortcut"),
        max_length=41,
        help_text=_("Type /shortcut in the reply box. Letters, digits, - and _."),
        widget=forms.TextInput(attrs={"placeholder": "refund-policy", "autocomplete": "off"}),
    )
    text = forms.CharField(label=_("Text"), max_length=10_000, widget=forms.Textarea(attrs={"rows": 4}))


class DisplayNameForm(forms.Form):
    display_name = forms.CharField(
        label=_("Display name"), max_length=150, help_text=_("Shown to visitors next to your replies.")
    )


class AvailabilityForm(forms.Form):
    availability = forms.ChoiceField(
        label=_("Availability"), choices=Member.Availability.choices, widget=forms.RadioSelect
    )


class NotificationsForm(forms.Form):
    notify_desktop = forms.BooleanField(label=_("Desktop notifications"), required=False)
    notify_sound = forms.BooleanField(label=_("Play a sound for new messages"), required=False)
    notify_email = forms.BooleanField(
        label=_("Email me when I am away and someone assigns me a conversation or mentions me"), required=False
    )
    notify_digest = forms.BooleanField(
        label=_("Email me a morning digest of the conversations waiting for an answer"), required=False
    )


class SignUpForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password_confirmation = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"]).lower()
        if User.objects.filter(email=email).exists():
            raise forms.ValidationError(_("An account with this email already exists. Log in first to join."))
        return email

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        password, again = data.get("password"), data.get("password_confirmation")
        if password and again and password != again:
            self.add_error("password_confirmation", _("The two passwords differ."))
        if password:
            try:
                validate_password(password, User(email=data.get("email", ""), name=data.get("name", "")))
            except forms.ValidationError as error:
                self.add_error("password", error)
        return data
