from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import pgettext_lazy

from conversations.rich import message_html
from core.models import PublicIdModel


class Tag(PublicIdModel):
    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=50)
    colour = models.CharField(max_length=7, default="#6b7280", help_text="#rrggbb")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), "workspace", name="tag_unique_name")]

    def __str__(self) -> str:
        return self.name


class Conversation(PublicIdModel):
    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("conversation status", "Open")
        SNOOZED = "snoozed", pgettext_lazy("conversation status", "Snoozed")
        CLOSED = "closed", pgettext_lazy("conversation status", "Closed")

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="conversations")
    inbox = models.ForeignKey("workspaces.Inbox", on_delete=models.CASCADE, related_name="conversations")
    visitor = models.ForeignKey("visitors.Visitor", on_delete=models.CASCADE, related_name="conversations")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    assignee = models.ForeignKey(
        "workspaces.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_conversations"
    )
    team = models.ForeignKey(
        "workspaces.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="conversations"
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="conversations")
    snoozed_until = models.DateTimeField(null=True, blank=True)
    last_seq = models.PositiveIntegerField(default=0, help_text="Sequence number of the newest message.")
    unread_count = models.PositiveIntegerField(default=0, help_text="Visitor messages no operator has read yet.")
    waiting_since = models.DateTimeField(
        null=True, blank=True, help_text="When the oldest visitor message without an operator reply arrived."
    )
    started_offline = models.BooleanField(
        default=False, help_text="Started while the inbox took no chats: through the widget's offline form."
    )
    last_activity_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        # Every list filter walks one of these in last-activity order.
        indexes = [
            models.Index(fields=["workspace", "-last_activity_at", "-id"], name="conversation_activity"),
            models.Index(fields=["workspace", "status", "-last_activity_at", "-id"], name="conversation_status"),
            models.Index(fields=["inbox", "status", "-last_activity_at", "-id"], name="conversation_inbox"),
            models.Index(fields=["assignee", "status", "-last_activity_at", "-id"], name="conversation_assignee"),
            models.Index(fields=["team", "status", "-last_activity_at", "-id"], name="conversation_team"),
            models.Index(fields=["visitor", "-created_at"], name="conversation_visitor"),
            models.Index(fields=["status", "snoozed_until"], name="conversation_snoozed"),
        ]

    def __str__(self) -> str:
        return f"Conversation {self.public_id}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class Message(PublicIdModel):
    class AuthorKind(models.TextChoices):
        VISITOR = "visitor", pgettext_lazy("message author", "Visitor")
        OPERATOR = "operator", pgettext_lazy("message author", "Operator")
        BOT = "bot", pgettext_lazy("message author", "Bot")
        SYSTEM = "system", pgettext_lazy("message author", "System")

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    seq = models.PositiveIntegerField(help_text="1, 2, 3… within the conversation: the catch-up cursor.")
    author_kind = models.CharField(max_length=10, choices=AuthorKind.choices)
    author_member = models.ForeignKey(
        "workspaces.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    sender_name = models.CharField(max_length=80, blank=True, help_text="A bot's persona name, shown to visitors.")
    sender_avatar = models.CharField(max_length=200, blank=True, help_text="A link to the bot persona's picture.")
    text = models.TextField(blank=True)
    # Operators' and bots' extras: {"quick_replies": ["Yes", "No"], "cards": [{title, text, image_url, buttons}]}
    rich = models.JSONField(default=dict, blank=True)
    private = models.BooleanField(
        default=False, help_text="A note or activity line: operators only, never the visitor."
    )
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
        return self.author_member.display_name if self.author_member else (self.sender_name or None)

    @cached_property
    def html(self) -> str:
        """An operator's or bot's text as sanitised HTML (a Markdown subset); "" for visitors and activity lines."""
        if self.author_kind not in (self.AuthorKind.OPERATOR, self.AuthorKind.BOT) or not self.text:
            return ""
        return message_html(self.text)


def attachment_path(attachment: "Attachment", filename: str) -> str:
    # The stored name is random: the original name is kept on the row, never trusted as a path.
    return f"attachments/{attachment.workspace_id}/{attachment.public_id.hex}"


class Attachment(PublicIdModel):
    """A file sent with a message. Its type is what its content is, whatever its name says."""

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="+")
    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="attachment")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    name = models.CharField(max_length=200, help_text="The file name as the sender's device had it.")
    content_type = models.CharField(max_length=100, help_text="Detected from the content.")
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class CannedResponse(PublicIdModel):
    """A reply template, inserted in the reply box by typing "/" and its shortcut."""

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="canned_responses")
    shortcut = models.SlugField(max_length=40)
    text = models.TextField()
    created_by = models.ForeignKey("workspaces.Member", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["shortcut"]
        constraints = [models.UniqueConstraint(fields=["workspace", "shortcut"], name="canned_unique_shortcut")]

    def __str__(self) -> str:
        return f"/{self.shortcut}"


class Notification(PublicIdModel):
    """Something an operator should look at: a mention in a note, a conversation handed to them."""

    class Kind(models.TextChoices):
        MENTION = "mention", pgettext_lazy("notification", "Mention")
        ASSIGNED = "assigned", pgettext_lazy("notification", "Assigned")

    recipient = models.ForeignKey("workspaces.Member", on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey("workspaces.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["recipient", "-created_at"], name="notification_recipient")]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient}"
