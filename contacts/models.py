from django.db import models
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from core.models import PublicIdModel


class Contact(PublicIdModel):
    """A person the business talks to; one or more visitors (browsers, devices) link to it."""

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True, help_text="Stored lower-case.")
    phone = models.CharField(max_length=40, blank=True, help_text="E.164, e.g. +77011234567.")
    company = models.CharField(max_length=200, blank=True)
    avatar_url = models.URLField(max_length=1000, blank=True)
    attributes = models.JSONField(default=dict, blank=True, help_text="Values of the workspace's custom attributes.")
    verified = models.BooleanField(default=False, help_text="Identified with a valid signature from the site.")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "email"], name="contact_email"),
            models.Index(fields=["workspace", "phone"], name="contact_phone"),
        ]

    def __str__(self) -> str:
        return self.name or self.email or f"Contact {self.public_id.hex[:8]}"


class AttributeDefinition(PublicIdModel):
    """A custom field on the workspace's contacts, with its type."""

    class Type(models.TextChoices):
        TEXT = "text", pgettext_lazy("attribute type", "Text")
        NUMBER = "number", pgettext_lazy("attribute type", "Number")
        DATE = "date", pgettext_lazy("attribute type", "Date")
        BOOLEAN = "boolean", pgettext_lazy("attribute type", "Yes / no")
        LIST = "list", pgettext_lazy("attribute type", "List")

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="attributes")
    key = models.SlugField(max_length=50, help_text="The name sites use: Parley.identify({plan: 'pro'}).")
    label = models.CharField(max_length=100)
    type = models.CharField(max_length=10, choices=Type.choices, default=Type.TEXT)
    options = models.JSONField(default=list, blank=True, help_text="The allowed values of a list attribute.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["label"]
        constraints = [models.UniqueConstraint(fields=["workspace", "key"], name="attribute_unique_key")]

    def __str__(self) -> str:
        return self.label


class ContactMerge(models.Model):
    """The record of two contacts made one: who did it, and what the merged-away contact held."""

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="+")
    kept = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="merges")
    merged_public_id = models.UUIDField()
    merged_data = models.JSONField(help_text="Name, email, phone, company and attributes of the merged contact.")
    merged_by = models.ForeignKey("workspaces.Member", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.merged_public_id} into {self.kept}"


class ContactNote(PublicIdModel):
    """Something the team wants to remember about a person; shown on the contact's timeline."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey("workspaces.Member", null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["contact", "-created_at"], name="contactnote_contact")]

    def __str__(self) -> str:
        return self.text[:40]


class Task(PublicIdModel):
    """A follow-up on a contact: call back, send a quote."""

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="tasks")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(max_length=200)
    due_at = models.DateTimeField(null=True, blank=True)
    assignee = models.ForeignKey(
        "workspaces.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    created_by = models.ForeignKey("workspaces.Member", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["assignee", "done_at", "due_at"], name="task_assignee"),
            models.Index(fields=["contact", "-created_at"], name="task_contact"),
        ]

    def __str__(self) -> str:
        return self.title


class Segment(PublicIdModel):
    """A saved rule set over contacts; its members are computed by the database when asked."""

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="segments")
    name = models.CharField(max_length=100)
    rules = models.JSONField(help_text='{"match": "all" | "any", "conditions": [...]}: see contacts/segments.py.')
    created_by = models.ForeignKey("workspaces.Member", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="segment_unique_name")]

    def __str__(self) -> str:
        return self.name


def import_path(job: "ImportJob", filename: str) -> str:
    return f"imports/{job.workspace_id}/{job.public_id.hex}.csv"


class ImportJob(PublicIdModel):
    """A CSV of contacts being imported in the background, with its progress and its report."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("import status", "Waiting")
        RUNNING = "running", pgettext_lazy("import status", "Importing")
        DONE = "done", pgettext_lazy("import status", "Done")
        FAILED = "failed", pgettext_lazy("import status", "Failed")

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey("workspaces.Member", null=True, on_delete=models.SET_NULL, related_name="+")
    file = models.FileField(upload_to=import_path, max_length=200)
    file_name = models.CharField(max_length=200)
    mapping = models.JSONField(default=dict, help_text="CSV column -> contact field or attribute key.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, help_text="[{row, column, message}], the first 1,000.")
    error_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Import of {self.file_name}"
