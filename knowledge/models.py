from pathlib import Path

from django.db import models
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from core.credentials import SecretField
from core.models import PublicIdModel


class Entry(PublicIdModel):
    """An FAQ entry or an article of a workspace's knowledge base; what it says is per language (Variant),
    how visitors ask for it too (Phrasing)."""

    class Kind(models.TextChoices):
        FAQ = "faq", "FAQ"
        ARTICLE = "article", "Article"

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="knowledge")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.FAQ)
    category = models.CharField(max_length=120, blank=True)
    public = models.BooleanField(default=True, help_text="Off: internal, for operators only.")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.kind} {self.public_id.hex[:8]}"


class Variant(models.Model):
    """The entry in one language: its question (an article's title) and its answer (Markdown)."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="variants")
    language = models.CharField(max_length=10)
    question = models.CharField(max_length=500)
    answer = models.TextField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["entry", "language"], name="knowledge_variant_language")]

    def __str__(self) -> str:
        return f"{self.language}: {self.question[:40]}"


class Phrasing(models.Model):
    """One way visitors ask for the entry, with its vector (made once, when the text is saved)."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="phrasings")
    language = models.CharField(max_length=10)
    text = models.CharField(max_length=500)
    vector = models.BinaryField(help_text="float32 values, L2-normalised.")
    encoder = models.CharField(max_length=80, help_text="What made the vector; others are never compared to it.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["entry", "text"], name="knowledge_phrasing_text")]

    def __str__(self) -> str:
        return self.text[:60]


class ProviderVector(models.Model):
    """A phrasing's vector from the workspace's embeddings provider, beside the offline one (its fallback)."""

    phrasing = models.ForeignKey(Phrasing, on_delete=models.CASCADE, related_name="provider_vectors")
    encoder = models.CharField(max_length=330, help_text="The provider's base URL and model, as “url|model”.")
    vector = models.BinaryField(help_text="float32 values, L2-normalised.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["phrasing", "encoder"], name="knowledge_provider_vector")]

    def __str__(self) -> str:
        return f"{self.encoder}: {self.phrasing_id}"


class Question(PublicIdModel):
    """A question put to the knowledge base, how it went, and what the visitor said of the answer: the
    learning page's material and the reports' numbers."""

    class Outcome(models.TextChoices):
        ANSWERED = "answered", "Answered"
        SUGGESTED = "suggested", "Suggestions offered"
        MISSED = "missed", "Nothing matched"

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(
        "conversations.Conversation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.CharField(max_length=500)
    language = models.CharField(max_length=10, blank=True)
    vector = models.BinaryField(help_text="The question's vector, to group similar ones.")
    best = models.ForeignKey(Entry, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    confidence = models.FloatField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    picked = models.ForeignKey(
        Entry,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The offered entry the visitor picked, when the answer was not sure enough to give.",
    )
    helpful = models.BooleanField(null=True, blank=True, help_text="The visitor's answer to “was this helpful?”.")
    learned_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was added to an entry (it leaves the learning page)."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["workspace", "learned_at", "created_at"], name="knowledge_question_learning")]

    def __str__(self) -> str:
        return f"{self.outcome}: {self.text[:40]}"


class Providers(models.Model):
    """Optional services a workspace answers with. An OpenAI-compatible embeddings endpoint ranks in place of
    the offline model (which stays the fallback when it cannot be reached); a chat-completions endpoint words
    one answer from the entries found, only from them. Both off until set."""

    workspace = models.OneToOneField(
        "workspaces.Workspace", on_delete=models.CASCADE, related_name="knowledge_providers"
    )
    embeddings_url = models.URLField(blank=True, help_text="Base URL, e.g. https://api.example.com/v1")
    embeddings_model = models.CharField(max_length=120, blank=True)
    embeddings_key = SecretField(blank=True)
    generation_enabled = models.BooleanField(default=False)
    generation_url = models.URLField(blank=True, help_text="Base URL, e.g. https://api.example.com/v1")
    generation_model = models.CharField(max_length=120, blank=True)
    generation_key = SecretField(blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Knowledge providers of workspace {self.workspace_id}"


def import_path(job: "ImportJob", filename: str) -> str:
    return f"knowledge-imports/{job.workspace_id}/{job.public_id.hex}{Path(filename).suffix.lower()}"


class ImportJob(PublicIdModel):
    """A CSV or Markdown file of entries being imported in the background (each phrasing is encoded), with its
    progress and its report."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("import status", "Waiting")
        RUNNING = "running", pgettext_lazy("import status", "Importing")
        DONE = "done", pgettext_lazy("import status", "Done")
        FAILED = "failed", pgettext_lazy("import status", "Failed")

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey("workspaces.Member", null=True, on_delete=models.SET_NULL, related_name="+")
    file = models.FileField(upload_to=import_path, max_length=200)
    file_name = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField(default=0, help_text="Entries in the file.")
    processed = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, help_text="What was wrong with the file, line by line.")
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Import of {self.file_name}"
