from django.db import models
from django.utils import timezone

from core.models import PublicIdModel


class Conversation(PublicIdModel):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="conversations")
    inbox = models.ForeignKey("workspaces.Inbox", on_delete=models.CASCADE, related_name="conversations")
    visitor = models.ForeignKey("visitors.Visitor", on_delete=models.CASCADE, related_name="conversations")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    assignee = models.ForeignKey(
        "workspaces.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_conversations"
    )
    last_seq = models.PositiveIntegerField(default=0, help_text="Sequence number of the newest message.")
    last_activity_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "-last_activity_at", "-id"], name="conversation_activity"),
            models.Index(fields=["visitor", "-created_at"], name="conversation_visitor"),
        ]

    def __str__(self) -> str:
        return f"Conversation {self.public_id}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class Message(PublicIdModel):
    class AuthorKind(models.TextChoices):
        VISITOR = "visitor", "Visitor"
        OPERATOR = "operator", "Operator"
        BOT = "bot", "Bot"
        SYSTEM = "system", "System"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    seq = models.PositiveIntegerField(help_text="1, 2, 3… within the conversation: the catch-up cursor.")
    author_kind = models.CharField(max_length=10, choices=AuthorKind.choices)
    author_member = models.ForeignKey(
        "workspaces.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    text = models.TextField()
    # NULL, not "", when absent: the unique constraint must allow many messages without one.
    client_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["seq"]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "seq"], name="message_unique_seq"),
            models.UniqueConstraint(fields=["conversation", "client_id"], name="message_unique_client_id"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.author_kind}: {self.text[:40]}"

    @property
    def author_name(self) -> str | None:
        return self.author_member.display_name if self.author_member else None
