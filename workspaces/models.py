import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import PublicIdModel


class Workspace(PublicIdModel):
    """A business using Parley: the tenant every other row belongs to."""

    name = models.CharField(max_length=120)
    attachment_max_bytes = models.PositiveIntegerField(
        default=2 * 1024 * 1024, help_text="Largest file a visitor or operator may attach."
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class Member(PublicIdModel):
    class Role(models.TextChoices):
        ADMIN = "admin", _("Admin")
        AGENT = "agent", _("Agent")

    class Availability(models.TextChoices):
        ONLINE = "online", _("Online")
        AWAY = "away", _("Away")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.AGENT)
    display_name = models.CharField(max_length=150, help_text="Shown to visitors next to replies.")
    availability = models.CharField(
        max_length=10, choices=Availability.choices, default=Availability.ONLINE, help_text="Set by the operator."
    )
    connected = models.BooleanField(default=False, help_text="An inbox tab of this operator is open.")
    last_active_at = models.DateTimeField(null=True, blank=True, help_text="Last heartbeat of an open inbox tab.")
    notify_desktop = models.BooleanField(default=True)
    notify_sound = models.BooleanField(default=True)
    notify_email = models.BooleanField(
        default=True, help_text="Email the operator an assignment or mention they missed while away."
    )
    notify_digest = models.BooleanField(
        default=True, help_text="A morning email listing the conversations still waiting for an answer."
    )
    digest_sent_on = models.DateField(null=True, blank=True, help_text="The day the last digest went out.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "user"], name="member_unique_user")]

    def __str__(self) -> str:
        return f"{self.display_name} @ {self.workspace}"

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN

    @property
    def presence(self) -> str:
        """What the team sees: online only with an open tab and not set away."""
        online = self.connected and self.availability == self.Availability.ONLINE
        return self.Availability.ONLINE if online else self.Availability.AWAY


class Team(PublicIdModel):
    """A department (sales, support) conversations can be assigned to."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=80)
    members = models.ManyToManyField(Member, blank=True, related_name="teams")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="team_unique_name")]

    def __str__(self) -> str:
        return self.name


def new_invitation_token() -> str:
    return secrets.token_urlsafe(24)


class Invitation(PublicIdModel):
    """A single-use link that makes whoever opens it a member with the given role."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="invitations")
    role = models.CharField(max_length=10, choices=Member.Role.choices, default=Member.Role.AGENT)
    token = models.CharField(max_length=64, unique=True, default=new_invitation_token)
    created_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_by = models.ForeignKey(Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Invitation to {self.workspace} as {self.role}"


def new_widget_key() -> str:
    return secrets.token_urlsafe(18)


def new_identity_secret() -> str:
    return secrets.token_hex(32)


class Inbox(PublicIdModel):
    """Where conversations come in: a web widget installation (its public key and the sites allowed to embed
    it) or a mailbox of the business (its settings in integrations.EmailMailbox)."""

    class Channel(models.TextChoices):
        WEB = "web", _("Website")
        EMAIL = "email", _("Email")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="inboxes")
    name = models.CharField(max_length=120)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.WEB)
    widget_key = models.CharField(max_length=40, unique=True, default=new_widget_key)
    allowed_origins = models.JSONField(
        default=list, help_text='Site origins such as "https://shop.example.com"; "*" allows any.'
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    identity_secret = models.CharField(
        max_length=64,
        default=new_identity_secret,
        help_text="Signs Parley.identify calls on the site's server (HMAC-SHA256 of the email).",
    )
    capture_emails = models.BooleanField(
        default=True, help_text="Save an email or phone a visitor types into any field of the site."
    )
    members = models.ManyToManyField(
        Member, blank=True, related_name="inboxes", help_text="Agents who work this inbox; admins see every inbox."
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def is_email(self) -> bool:
        return self.channel == self.Channel.EMAIL

    def allows_origin(self, origin: str) -> bool:
        return "*" in self.allowed_origins or origin.rstrip("/") in self.allowed_origins
