"""Forms of the inbox settings pages: they parse and check the shape of input (with the same checks as
widget.actions, shown next to the field); the actions check it again and save."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.errors import InvalidInput
from widget import actions
from widget.languages import LANGUAGES
from widget.models import WelcomeRule, WidgetSettings

WEEKDAY_NAMES = [_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday"), _("Sunday")]
LANGUAGE_CHOICES = list(LANGUAGES.items())

# The models' choice labels are not translated: the pages use these.
POSITIONS = [(WidgetSettings.Position.RIGHT, _("Right")), (WidgetSettings.Position.LEFT, _("Left"))]
ICONS = [
    (WidgetSettings.Icon.CHAT, _("Speech bubble")),
    (WidgetSettings.Icon.QUESTION, _("Question mark")),
    (WidgetSettings.Icon.MAIL, _("Envelope")),
]
AVAILABILITY_MODES = [
    (WidgetSettings.Availability.ALWAYS, _("Always")),
    (WidgetSettings.Availability.HOURS, _("During business hours")),
    (WidgetSettings.Availability.PRESENCE, _("When an operator is online")),
    (WidgetSettings.Availability.HOURS_AND_PRESENCE, _("During business hours, when an operator is online")),
]
WHEN_OFFLINE = [
    (WidgetSettings.WhenOffline.OFFLINE_FORM, _("Show the offline form (the visitor leaves a question and an email)")),
    (WidgetSettings.WhenOffline.HIDE, _("Hide the widget")),
]
URL_MATCHES = [
    (WelcomeRule.UrlMatch.ANY, _("Any page")),
    (WelcomeRule.UrlMatch.EXACT, _("URL is")),
    (WelcomeRule.UrlMatch.CONTAINS, _("URL contains")),
    (WelcomeRule.UrlMatch.STARTS_WITH, _("URL starts with")),
    (WelcomeRule.UrlMatch.PATTERN, _("URL matches pattern (* is any text)")),
]
VISITORS = [
    (WelcomeRule.Visitors.ANY, _("Every visitor")),
    (WelcomeRule.Visitors.NEW, _("New visitors")),
    (WelcomeRule.Visitors.RETURNING, _("Returning visitors")),
]


def _check(clean: Callable[..., Any], *args: Any) -> Any:
    """Runs an actions check, its InvalidInput turned into a field error."""
    try:
        return clean(*args)
    except InvalidInput as error:
        raise forms.ValidationError(error.detail) from None


def _lines(value: str) -> list[str]:
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


class OriginsField(forms.CharField):
    """Site origins, one per line, normalised ("https://shop.example.com")."""

    widget = forms.Textarea(attrs={"rows": 4, "placeholder": "https://shop.example.com", "spellcheck": "false"})

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Allowed site origins"))
        kwargs.setdefault(
            "help_text",
            _(
                "One per line: the scheme and host (and port) of each site the widget may run on, without a path. "
                "“*” alone allows any site."
            ),
        )
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        return "\n".join(value) if isinstance(value, list) else value

    def clean(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().clean(value)
        return list(_check(actions.clean_origins, _lines(text)))


class InboxForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120, widget=forms.TextInput(attrs={"placeholder": _("Website")}))
    allowed_origins = OriginsField(
        help_text=_("One per line, like https://shop.example.com. You can change them later.")
    )


class OriginsForm(forms.Form):
    allowed_origins = OriginsField()


class CaptureEmailsForm(forms.Form):
    capture_emails = forms.BooleanField(
        label=_("Capture emails"),
        required=False,
        help_text=_("Save an email or phone number a visitor types into any field of the site to their contact."),
    )


class DeveloperEmailForm(forms.Form):
    email = forms.EmailField(
        label=_("Your web developer's email"),
        widget=forms.EmailInput(attrs={"placeholder": "dev@example.com", "autocomplete": "off"}),
    )


class AppearanceForm(forms.Form):
    colour = forms.RegexField(
        label=_("Brand colour"),
        regex=r"^#[0-9a-fA-F]{6}$",
        widget=forms.TextInput(attrs={"type": "color"}),
        error_messages={"invalid": _("A colour looks like #1a2b3c.")},
    )
    position = forms.ChoiceField(label=_("Position"), choices=POSITIONS, widget=forms.RadioSelect)
    launcher_icon = forms.ChoiceField(label=_("Launcher icon"), choices=ICONS, widget=forms.RadioSelect)
    show_team = forms.BooleanField(
        label=_("Show team avatars"), required=False, help_text=_("Avatars of the operators who answer this inbox.")
    )
    start_open = forms.BooleanField(
        label=_("Start open"), required=False, help_text=_("Open the chat panel when the page loads.")
    )
    z_index = forms.IntegerField(
        label=_("z-index"),
        min_value=1,
        max_value=actions.Z_INDEX_MAX,
        help_text=_("Raise it if something on the site covers the widget."),
    )
    default_language = forms.ChoiceField(
        label=_("Default language"),
        choices=LANGUAGE_CHOICES,
        help_text=_("Visitors whose language the widget does not speak get this one."),
    )
    text_language = forms.ChoiceField(choices=LANGUAGE_CHOICES, widget=forms.HiddenInput)
    greeting_title = forms.CharField(
        label=_("Greeting title"), max_length=actions.TEXT_LIMITS["greeting_title"], required=False
    )
    greeting_tagline = forms.CharField(
        label=_("Greeting tagline"), max_length=actions.TEXT_LIMITS["greeting_tagline"], required=False
    )
    launcher_label = forms.CharField(
        label=_("Launcher label"),
        max_length=actions.TEXT_LIMITS["launcher_label"],
        required=False,
        help_text=_("Shown next to the icon; leave it empty for the icon alone."),
    )
    offline_message = forms.CharField(
        label=_("Offline message"),
        max_length=actions.TEXT_LIMITS["offline_message"],
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown above the offline form when nobody takes chats."),
    )

    TEXT_FIELDS = tuple(actions.TEXT_LIMITS)

    def clean_colour(self) -> str:
        return str(self.cleaned_data["colour"]).lower()


class AvailabilityForm(forms.Form):
    availability = forms.ChoiceField(
        label=_("The widget takes chats"), choices=AVAILABILITY_MODES, widget=forms.RadioSelect
    )
    time_zone = forms.ChoiceField(label=_("Time zone"), help_text=_("The business hours are in this time zone."))
    holidays = forms.CharField(
        label=_("Holidays"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "2026-12-25", "spellcheck": "false"}),
        help_text=_("Closed all day: one date per line, as YYYY-MM-DD."),
    )
    when_offline = forms.ChoiceField(label=_("When nobody takes chats"), choices=WHEN_OFFLINE, widget=forms.RadioSelect)
    email_prompt_seconds = forms.IntegerField(
        label=_("Ask for an email after (seconds)"),
        min_value=0,
        max_value=actions.EMAIL_PROMPT_MAX,
        help_text=_("When the first message has had no answer this long; 0 never asks."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [(zone, zone) for zone in actions.time_zones()]  # type: ignore[attr-defined]
        time_input = {"inputmode": "numeric", "pattern": r"\d{2}:\d{2}", "maxlength": "5", "size": "5"}
        for day, day_name in enumerate(WEEKDAY_NAMES):
            self.fields[f"open_{day}"] = forms.BooleanField(label=day_name, required=False)
            self.fields[f"from_{day}"] = forms.CharField(
                label=_("%(day)s opens at") % {"day": day_name},
                required=False,
                widget=forms.TextInput(attrs={**time_input, "placeholder": "09:00"}),
            )
            self.fields[f"to_{day}"] = forms.CharField(
                label=_("%(day)s closes at") % {"day": day_name},
                required=False,
                widget=forms.TextInput(attrs={**time_input, "placeholder": "18:00"}),
            )

    def days(self) -> list[tuple[str, forms.BoundField, forms.BoundField, forms.BoundField]]:
        """Each weekday's name and its open, from and to fields, Monday first."""
        return [
            (str(name), self[f"open_{day}"], self[f"from_{day}"], self[f"to_{day}"])
            for day, name in enumerate(WEEKDAY_NAMES)
        ]

    def clean_holidays(self) -> list[str]:
        return list(_check(actions.clean_holidays, _lines(self.cleaned_data.get("holidays", ""))))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        hours: dict[str, list[list[str]]] = {}
        for day in range(7):
            if not data.get(f"open_{day}"):
                continue
            start, end = data.get(f"from_{day}", ""), data.get(f"to_{day}", "")
            try:
                hours[str(day)] = [actions.clean_interval(start, end)]
            except InvalidInput as error:
                self.add_error(f"to_{day}", error.detail)
        data["weekly_hours"] = hours
        return data

    @staticmethod
    def initial_from(settings: WidgetSettings) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "availability": settings.availability,
            "time_zone": settings.time_zone,
            "holidays": "\n".join(settings.holidays or []),
            "when_offline": settings.when_offline,
            "email_prompt_seconds": settings.email_prompt_seconds,
        }
        for day in range(7):
            intervals = (settings.weekly_hours or {}).get(str(day)) or []
            start, end = intervals[0] if intervals else ("09:00", "18:00")
            initial.update({f"open_{day}": bool(intervals), f"from_{day}": start, f"to_{day}": end})
        return initial


class WelcomeRuleForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=80,
        help_text=_("For you and your team; visitors do not see it."),
        widget=forms.TextInput(attrs={"placeholder": _("Pricing page")}),
    )
    url_match = forms.ChoiceField(label=_("Pages"), choices=URL_MATCHES)
    url_value = forms.CharField(
        label=_("URL or text"),
        max_length=500,
        required=False,
        help_text=_(
            "Not needed for “Any page”. In a pattern, * stands for any text: https://shop.example.com/products/*"
        ),
        widget=forms.TextInput(attrs={"placeholder": "https://shop.example.com/pricing", "spellcheck": "false"}),
    )
    language = forms.ChoiceField(
        label=_("Language"),
        choices=[("", _("Every language")), *LANGUAGE_CHOICES],
        required=False,
        help_text=_("Only for visitors whose widget speaks this language."),
    )
    visitors = forms.ChoiceField(label=_("Visitors"), choices=VISITORS)

    def __init__(self, *args: Any, default_language: str = "en", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.default_language = default_language
        ordered = [default_language, *(code for code in LANGUAGES if code != default_language)]
        for code in ordered:
            self.fields[f"message_{code}"] = forms.CharField(
                label=LANGUAGES[code],
                max_length=actions.MESSAGE_LIMIT,
                required=code == default_language,
                widget=forms.Textarea(attrs={"rows": 3, "lang": code}),
                error_messages={"required": _("Write the message in the default language: it is the fallback.")},
            )

    def default_message(self) -> forms.BoundField:
        return self[f"message_{self.default_language}"]

    def other_messages(self) -> list[forms.BoundField]:
        return [self[f"message_{code}"] for code in LANGUAGES if code != self.default_language]

    def other_messages_open(self) -> bool:
        """Whether the other languages start unfolded: one of them has a message or an error."""
        return any(field.value() or field.errors for field in self.other_messages())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        match, value = data.get("url_match"), (data.get("url_value") or "").strip()
        if match and match != WelcomeRule.UrlMatch.ANY and not value:
            self.add_error("url_value", _("Write the URL, or the text to look for in it."))
        elif match == WelcomeRule.UrlMatch.PATTERN and not value.strip("*"):
            self.add_error("url_value", _("A pattern needs more than * wildcards."))
        data["messages"] = {code: data.get(f"message_{code}") or "" for code in LANGUAGES}
        return data

    def values(self) -> dict[str, Any]:
        """What the actions take."""
        data = self.cleaned_data
        return {key: data[key] for key in ("name", "url_match", "url_value", "language", "visitors", "messages")}

    @staticmethod
    def initial_from(rule: WelcomeRule) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "name": rule.name,
            "url_match": rule.url_match,
            "url_value": rule.url_value,
            "language": rule.language,
            "visitors": rule.visitors,
        }
        initial.update({f"message_{code}": text for code, text in (rule.messages or {}).items()})
        return initial
