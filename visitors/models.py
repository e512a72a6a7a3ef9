from django.db import models
from django.utils import timezone

from core.models import PublicIdModel


class Visitor(PublicIdModel):
    """One browser on a site with the widget; anonymous until identified."""

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="visitors")
    inbox = models.ForeignKey("workspaces.Inbox", on_delete=models.CASCADE, related_name="visitors")
    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="visitors"
    )
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    user_agent = models.CharField(max_length=500, blank=True)
    language = models.CharField(max_length=35, blank=True)
    # Parsed from the user agent when it changes.
    browser = models.CharField(max_length=60, blank=True)
    os = models.CharField(max_length=60, blank=True)
    device = models.CharField(max_length=20, blank=True, help_text="desktop, mobile, tablet or bot")
    time_zone = models.CharField(max_length=60, blank=True, help_text="IANA name, from the browser")
    country = models.CharField(max_length=2, blank=True, help_text="ISO code from the IP address (GeoIP)")
    # First touch: where the visitor first came from, kept for good.
    first_referrer = models.URLField(max_length=1000, blank=True)
    first_landing_url = models.URLField(max_length=1000, blank=True)
    utm = models.JSONField(default=dict, blank=True, help_text="utm_source, utm_medium, … of the first visit")
    visit_count = models.PositiveIntegerField(default=0)
    # Where the visitor is now (the latest page view).
    current_url = models.URLField(max_length=1000, blank=True)
    current_title = models.CharField(max_length=300, blank=True)
    session_started_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "-last_seen_at"], name="visitor_last_seen")]

    def __str__(self) -> str:
        return f"Visitor {self.short_id}"

    @property
    def display_name(self) -> str:
        """The contact's name or email when known, else a stable short label."""
        contact = self.contact
        return (contact.name or contact.email if contact else "") or f"Visitor {self.short_id}"

    @property
    def short_id(self) -> str:
        return self.public_id.hex[:8]


class PageView(models.Model):
    """A page the visitor opened. Append-only, written in batches."""

    visitor = models.ForeignKey(Visitor, on_delete=models.CASCADE, related_name="page_views")
    url = models.URLField(max_length=1000)
    title = models.CharField(max_length=300, blank=True)
    referrer = models.URLField(max_length=1000, blank=True)
    duration_seconds = models.PositiveIntegerField(null=True, blank=True, help_text="Time on the page, once left.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["visitor", "-created_at"], name="pageview_visitor")]

    def __str__(self) -> str:
        return self.url


class Event(models.Model):
    """Something the visitor did that the site reported: Parley.track(name, properties). Append-only."""

    visitor = models.ForeignKey(Visitor, on_delete=models.CASCADE, related_name="events")
    name = models.CharField(max_length=100)
    properties = models.JSONField(default=dict, blank=True)
    url = models.URLField(max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["visitor", "-created_at"], name="event_visitor"),
            models.Index(fields=["name", "created_at"], name="event_name"),
        ]

    def __str__(self) -> str:
        return self.name
