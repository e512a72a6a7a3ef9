from django.db import models
from django.utils import timezone

from core.models import PublicIdModel


class Visitor(PublicIdModel):
    """One browser on a site with the widget; anonymous until identified."""

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="visitors")
    inbox = models.ForeignKey("workspaces.Inbox", on_delete=models.CASCADE, related_name="visitors")
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    user_agent = models.CharField(max_length=500, blank=True)
    language = models.CharField(max_length=35, blank=True)

    def __str__(self) -> str:
        return f"Visitor {self.short_id}"

    @property
    def short_id(self) -> str:
        return self.public_id.hex[:8]
