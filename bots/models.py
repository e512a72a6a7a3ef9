import os
import uuid

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bots.flow import starter_flow
from core.models import PublicIdModel

AVATARS = "bot-avatars"  # storage folder of persona pictures, served by widget.views.bot_avatar
AVATAR_EXTENSIONS = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp"}


def persona_avatar_path(bot: "Bot", filename: str) -> str:
    """A new name for each picture: messages link to the one they were sent with, which never changes."""
    return f"{AVATARS}/{uuid.uuid4().hex}{os.path.splitext(filename)[1].lower()}"


class Bot(PublicIdModel):
    """A bot of the workspace: the draft flow its builders edit, and the published version conversations run."""

    class Trigger(models.TextChoices):
        CONVERSATION_STARTED = "conversation_started", _("A visitor starts a conversation")
        PAGE_VISITED = "page_visited", _("A visitor opens a page")  # trigger_config: {"url_contains": "/pricing"}
        CUSTOM_EVENT = "custom_event", _("The site reports an event")  # {"event": "cart_abandoned"}
        RETURNING_VISITOR = "returning_visitor", _("A visitor comes back")

    PROACTIVE = (Trigger.PAGE_VISITED, Trigger.CUSTOM_EVENT, Trigger.RETURNING_VISITOR)  # the bot writes first

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="bots")
    name = models.CharField(max_length=120)
    persona_name = models.CharField(max_length=80, help_text="The name visitors see on the bot's messages.")
    persona_avatar = models.FileField(
        upload_to=persona_avatar_path, max_length=200, blank=True, help_text="Shown beside the bot's messages."
    )
    trigger = models.CharField(max_length=30, choices=Trigger.choices, default=Trigger.CONVERSATION_STARTED)
    trigger_config = models.JSONField(default=dict, blank=True, help_text="The page or event the trigger waits for.")
    inboxes = models.ManyToManyField(
        "workspaces.Inbox", blank=True, related_name="bots", help_text="Where it runs; none: every inbox."
    )
    priority = models.PositiveSmallIntegerField(default=100, help_text="Lower runs first when several match.")
    enabled = models.BooleanField(default=False, help_text="Off: it starts no new conversations.")
    draft = models.JSONField(default=starter_flow, help_text="The flow being edited (bots.flow).")
    # When the visitor goes quiet at a question: a reminder, then the conversation goes to people (or closes).
    remind_after_minutes = models.PositiveIntegerField(default=10, help_text="0: no reminder.")
    remind_text = models.CharField(max_length=500, blank=True, help_text="Empty: a friendly default.")
    give_up_after_minutes = models.PositiveIntegerField(default=30, help_text="After the reminder; 0: wait on.")
    close_when_silent = models.BooleanField(default=False, help_text="Close instead of handing over.")
    # Rude messages get a calm answer; this many in a conversation hand it to people.
    abuse_limit = models.PositiveSmallIntegerField(default=2)
    blocked_words = models.JSONField(
        default=list, blank=True, help_text="Words of the business's own to treat as abuse, in any language."
    )
    published = models.ForeignKey(
        "BotVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", help_text="What runs."
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name

    @property
    def avatar_link(self) -> str:
        """Where browsers load the persona's picture from (a path on the server); "" without one."""
        if not self.persona_avatar:
            return ""
        return reverse("widget-bot-avatar", args=[os.path.basename(self.persona_avatar.name)])


class BotVersion(PublicIdModel):
    """A published flow, never changed: conversations keep running the version they started with."""

    bot = models.ForeignKey(Bot, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    flow = models.JSONField()
    published_by = models.ForeignKey(
        "workspaces.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["bot", "number"], name="bot_version_unique_number")]

    def __str__(self) -> str:
        return f"{self.bot} v{self.number}"


class BotRun(PublicIdModel):
    """One bot talking in one conversation: where it is in its flow and what it has learnt. Saved after every
    step, so a restart continues where it stopped."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        WAITING = "waiting", _("Waiting for the visitor")
        HANDED_OFF = "handed_off", _("Handed to a person")
        COMPLETED = "completed", _("Completed")
        STOPPED = "stopped", _("Stopped")

    class Reason(models.TextChoices):
        VISITOR_ASKED = "visitor_asked", _("The visitor asked for a person")
        VALIDATION_FAILED = "validation_failed", _("The visitor's answers were not valid")
        NO_MATCH = "no_match", _("The bot did not understand")
        FLOW_HANDOFF = "flow_handoff", _("The flow handed over")
        FLOW_ENDED = "flow_ended", _("The flow ended")
        OPERATOR_TOOK_OVER = "operator_took_over", _("An operator took over")
        ABUSE = "abuse", _("Abusive messages")
        SILENT = "silent", _("The visitor stopped answering")
        FLOW_ERROR = "flow_error", _("The flow could not go on")

    ACTIVE = (Status.RUNNING, Status.WAITING)

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="+")
    bot = models.ForeignKey(Bot, on_delete=models.CASCADE, related_name="runs")
    version = models.ForeignKey(BotVersion, on_delete=models.CASCADE, related_name="runs")
    conversation = models.ForeignKey("conversations.Conversation", on_delete=models.CASCADE, related_name="bot_runs")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RUNNING)
    block = models.CharField(max_length=40, help_text="The block it is at (waiting on, or about to run).")
    variables = models.JSONField(default=dict, blank=True, help_text="The conversation's variables.")
    retries = models.PositiveSmallIntegerField(default=0, help_text="Invalid answers to the current question.")
    misses = models.PositiveSmallIntegerField(default=0, help_text="Inputs it did not understand, in a row.")
    answered_seq = models.PositiveIntegerField(default=0, help_text="Visitor messages up to this one were read.")
    steps = models.PositiveIntegerField(default=0)
    paused_until = models.DateTimeField(
        null=True, blank=True, help_text="Set while it types before a message or waits for a web service."
    )
    typed_step = models.IntegerField(default=-1, help_text="The step whose typing pause is done.")
    reminded_step = models.IntegerField(default=-1, help_text="The question it reminded the visitor of.")
    silence_check_at = models.DateTimeField(
        null=True, blank=True, help_text="When the pending check for a silent visitor runs (bots.tasks.check_silence)."
    )
    abuse_count = models.PositiveSmallIntegerField(default=0)
    block_state = models.JSONField(
        default=dict, blank=True, help_text="What the block it waits at remembers between turns (answers it offered)."
    )
    reason = models.CharField(max_length=20, choices=Reason.choices, blank=True, help_text="Why it ended.")
    goals = models.JSONField(default=list, blank=True, help_text="Names of the goals reached.")
    visited = models.JSONField(default=list, blank=True, help_text="The blocks it ran, in order (for the reports).")
    started_at = models.DateTimeField(default=timezone.now)
    resumed_at = models.DateTimeField(null=True, blank=True, help_text="When an operator last handed it back.")
    updated_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["conversation"], condition=Q(status__in=["running", "waiting"]), name="bot_run_one_active"
            )
        ]
        indexes = [models.Index(fields=["bot", "-started_at"], name="bot_run_bot")]

    def __str__(self) -> str:
        return f"{self.bot} in {self.conversation_id} at {self.block}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE
