from django.db import models
from django.utils import timezone

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
