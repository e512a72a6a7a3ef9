from django.core.validators import MaxValueValidator
from django.db import models

from core.models import PublicIdModel
from workspaces.models import Inbox


class WidgetSettings(models.Model):
    """How an inbox's widget looks, when it takes chats and what it says. An inbox without a row uses the
    defaults; texts the business writes are kept per widget language, falling back to `default_language`."""

    class Position(models.TextChoices):
        RIGHT = "right", "Right"
        LEFT = "left", "Left"

    class Icon(models.TextChoices):
        CHAT = "chat", "Speech bubble"
        QUESTION = "question", "Question mark"
        MAIL = "mail", "Envelope"

    class Availability(models.TextChoices):
        ALWAYS = "always", "Always"
        HOURS = "hours", "During business hours"
        PRESENCE = "presence", "When an operator is online"
        HOURS_AND_PRESENCE = "hours_and_presence", "During business hours, when an operator is online"

    class WhenOffline(models.TextChoices):
        OFFLINE_FORM = "offline_form", "Show the offline form"
        HIDE = "hide", "Hide the widget"

    inbox = models.OneToOneField(Inbox, on_delete=models.CASCADE, primary_key=True, related_name="widget_settings")
    # Appearance
    colour = models.CharField(max_length=7, default="#2563eb")
    position = models.CharField(max_length=5, choices=Position.choices, default=Position.RIGHT)
    launcher_icon = models.CharField(max_length=10, choices=Icon.choices, default=Icon.CHAT)
    show_team = models.BooleanField(default=True, help_text="Show who answers: avatars of the inbox's operators.")
    start_open = models.BooleanField(default=False)
    z_index = models.PositiveIntegerField(default=2147483000, validators=[MaxValueValidator(2147483647)])
    # Texts: {"en": {"greeting_title": "…", "greeting_tagline": "…", "launcher_label": "…", "offline_message": "…"}}
    default_language = models.CharField(max_length=5, default="en")
    texts = models.JSONField(default=dict, blank=True)
    # Availability: weekly_hours {"0": [["09:00", "18:00"]], …} with Monday = 0; holidays ["2026-12-25", …]
    availability = models.CharField(max_length=20, choices=Availability.choices, default=Availability.ALWAYS)
    time_zone = models.CharField(max_length=60, default="UTC")
    weekly_hours = models.JSONField(default=dict, blank=True)
    holidays = models.JSONField(default=list, blank=True)
    when_offline = models.CharField(max_length=12, choices=WhenOffline.choices, default=WhenOffline.OFFLINE_FORM)
    email_prompt_seconds = models.PositiveIntegerField(
        default=60, help_text="Ask for an email when nobody answered the first message this long; 0 never asks."
    )

    class Meta:
        verbose_name_plural = "widget settings"

    def __str__(self) -> str:
        return f"Widget of {self.inbox}"

    def text(self, key: str, language: str) -> str:
        """A business text in `language`, else in the default language, else ""."""
        for lang in (language, self.default_language):
            value = (self.texts.get(lang) or {}).get(key)
            if value:
                return str(value)
        return ""


class WelcomeRule(PublicIdModel):
    """A welcome message for the pages, languages and visitors it matches; the first matching rule wins."""

    class UrlMatch(models.TextChoices):
        ANY = "any", "Any page"
        EXACT = "exact", "URL is"
        CONTAINS = "contains", "URL contains"
        STARTS_WITH = "starts_with", "URL starts with"
        PATTERN = "pattern", "URL matches pattern (* is any text)"

    class Visitors(models.TextChoices):
        ANY = "any", "Every visitor"
        NEW = "new", "New visitors"
        RETURNING = "returning", "Returning visitors"

    inbox = models.ForeignKey(Inbox, on_delete=models.CASCADE, related_name="welcome_rules")
    position = models.PositiveIntegerField(default=0)
    name = models.CharField(max_length=80)
    url_match = models.CharField(max_length=12, choices=UrlMatch.choices, default=UrlMatch.ANY)
    url_value = models.CharField(max_length=500, blank=True)
    language = models.CharField(max_length=5, blank=True, help_text="Only visitors in this language; blank for all.")
    visitors = models.CharField(max_length=10, choices=Visitors.choices, default=Visitors.ANY)
    # {"en": "Questions about this mug? Ask away.", "ru": "…"}
    messages = models.JSONField(default=dict)

    class Meta:
        ordering = ["position", "pk"]
        indexes = [models.Index(fields=["inbox", "position"], name="welcomerule_inbox")]

    def __str__(self) -> str:
        return self.name

    def message(self, language: str, default_language: str) -> str:
        return str(self.messages.get(language) or self.messages.get(default_language) or "")
