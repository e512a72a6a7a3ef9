import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.models import PublicIdModel


class Workspace(PublicIdModel):
    """A business using Parley: the tenant every other row belongs to."""

    name = models.CharField(max_length=120)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class Member(PublicIdModel):
    class Role(models.TextChoices):
        ADMIN = "admin", "Admin"
        AGENT = "agent", "Agent"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.AGENT)
    display_name = models.CharField(max_length=150, help_text="Shown to visitors next to replies.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "user"], name="member_unique_user")]

    def __str__(self) -> str:
        return f"{self.display_name} @ {self.workspace}"


def new_widget_key() -> str:
    return secrets.token_urlsafe(18)


class Inbox(PublicIdModel):
    """One web widget installation: its public key and the sites allowed to embed it."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="inboxes")
    name = models.CharField(max_length=120)
    widget_key = models.CharField(max_length=40, unique=True, default=new_widget_key)
    allowed_origins = models.JSONField(
        default=list, help_text='Site origins such as "https://shop.example.com"; "*" allows any.'
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def allows_origin(self, origin: str) -> bool:
        return "*" in self.allowed_origins or origin.rstrip("/") in self.allowed_origins
