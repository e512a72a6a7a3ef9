import secrets

from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.credentials import SecretField
from core.models import PublicIdModel


def new_reply_token() -> str:
    return secrets.token_urlsafe(16)


class ConversationEmail(models.Model):
    """A conversation's email thread with its visitor: the reply address, how far replies were emailed."""

    conversation = models.OneToOneField(
        "conversations.Conversation", on_delete=models.CASCADE, primary_key=True, related_name="email_thread"
    )
    token = models.CharField(max_length=40, unique=True, default=new_reply_token, help_text="reply+<token>@…")
    emailed_seq = models.PositiveIntegerField(
        default=0, help_text="Replies up to this message were emailed, or the visitor had the widget open."
    )
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    subject = models.CharField(max_length=300, blank=True, help_text="The first email's, when the visitor wrote first.")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Email thread of conversation {self.conversation_id}"


class OutboundEmail(PublicIdModel):
    """One email that carried operators' replies to the visitor; failures show on the conversation."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="outbound_emails"
    )
    to_address = models.EmailField()
    message_id = models.CharField(max_length=255, unique=True)
    first_seq = models.PositiveIntegerField()
    last_seq = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["conversation", "-created_at"], name="outbound_conversation")]

    def __str__(self) -> str:
        return f"{self.message_id} → {self.to_address}"


class InboundEmail(PublicIdModel):
    """An email that came in: the record that makes a redelivery a no-op, and the reason when it was not
    attached to a conversation as the visitor's message."""

    class Status(models.TextChoices):
        ACCEPTED = "accepted", "Accepted"
        FLAGGED = "flagged", "Flagged: not from the conversation's contact"
        IGNORED = "ignored", "Ignored: an auto-reply"

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="inbound_emails")
    conversation = models.ForeignKey(
        "conversations.Conversation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="inbound_emails",
        help_text="None for an auto-reply to a mailbox, which starts no conversation.",
    )
    message = models.OneToOneField(
        "conversations.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound_email"
    )
    email_message_id = models.CharField(max_length=255, blank=True, help_text="Its Message-ID header.")
    from_address = models.EmailField()
    subject = models.CharField(max_length=300, blank=True)
    text = models.TextField(blank=True, help_text="The whole body, kept for an operator to review a flagged email.")
    status = models.CharField(max_length=10, choices=Status.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "email_message_id"],
                condition=~Q(email_message_id=""),
                name="inbound_unique_message_id",
            )
        ]

    def __str__(self) -> str:
        return f"{self.from_address}: {self.subject}"


def new_forward_token() -> str:
    return secrets.token_hex(10)


class EmailMailbox(models.Model):
    """A business's mailbox (support@, sales@) as an email inbox: the mail it forwards here, or that is fetched
    from it over IMAP, starts conversations; operators' replies go out from its address."""

    inbox = models.OneToOneField("workspaces.Inbox", on_delete=models.CASCADE, primary_key=True, related_name="mailbox")
    address = models.EmailField(unique=True, help_text="The mailbox, e.g. support@shop.example. Stored lower-case.")
    forward_token = models.CharField(
        max_length=40, unique=True, default=new_forward_token, help_text="inbox+<token>@… to forward its mail to."
    )
    imap_host = models.CharField(max_length=255, blank=True, help_text="Empty: mail is forwarded, not fetched.")
    imap_port = models.PositiveIntegerField(default=993)
    imap_ssl = models.BooleanField(default=True, help_text="IMAP over TLS (port 993); off: plain, e.g. on localhost.")
    imap_username = models.CharField(max_length=255, blank=True)
    imap_password = SecretField(blank=True)
    imap_folder = models.CharField(max_length=255, default="INBOX")
    imap_uidvalidity = models.BigIntegerField(null=True, blank=True, help_text="The folder's UIDVALIDITY last seen.")
    imap_last_uid = models.BigIntegerField(default=0, help_text="Messages up to this UID were fetched.")
    imap_polled_at = models.DateTimeField(null=True, blank=True)
    imap_error = models.CharField(max_length=500, blank=True, help_text="Why the last fetch failed, if it did.")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.address

    @property
    def fetches(self) -> bool:
        return bool(self.imap_host)


class SlackWebhook(models.Model):
    """Where a workspace's Slack hears of new conversations and assignments (an incoming-webhook URL)."""

    workspace = models.OneToOneField(
        "workspaces.Workspace", on_delete=models.CASCADE, primary_key=True, related_name="slack_webhook"
    )
    url = SecretField(help_text="https://hooks.slack.com/services/…: whoever has it can post to the channel")
    last_error = models.CharField(max_length=500, blank=True, help_text="Why the last post failed, if it did.")

    def __str__(self) -> str:
        return f"Slack for workspace {self.workspace_id}"
