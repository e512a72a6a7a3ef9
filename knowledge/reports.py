"""What the knowledge base brings, over a period: questions asked and how they went, what visitors said of the
answers, the hand-offs that followed, and the conversations it resolved with no person (the deflection rate).
Read from the questions it was asked (knowledge.Question), the bot runs of their conversations and those
conversations' messages, counted in the database.

Deflection rate: of the conversations with a question in the period that it gave an answer in (its own, or an
entry the visitor picked from its suggestions), the share it resolved with no person. Resolved means, as the
conversation stands now: no operator ever wrote in it, no bot in it handed it to people (for whatever reason,
a silent visitor included), no answer in it was called unhelpful, and it is over: closed, or quiet for IDLE
(visitors who got their answer seldom say goodbye). A chat still under way counts among the conversations
but not yet as resolved."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from bots.models import BotRun
from conversations.models import Conversation, Message
from knowledge.models import Entry, Question
from workspaces.models import Workspace

TOP = 10
IDLE = timedelta(hours=1)  # a conversation this quiet is over, even if nobody closed it


@dataclass(frozen=True)
class LanguageRow:
    language: str  # "" when it could not be told
    asked: int
    answered: int
    helped: int


@dataclass
class KnowledgeReport:
    asked: int = 0  # in a chat (a bot's knowledge block) or in the widget's help search
    searched: int = 0  # of which in the help search, before any chat
    answered: int = 0  # an answer given on its own
    suggested: int = 0  # the closest entries offered instead
    missed: int = 0  # nothing close enough to offer
    helped: int = 0  # "did this help?" → yes
    not_helped: int = 0  # → no
    suggestions_taken: int = 0  # an offered entry picked
    handed_off: dict[str, int] = field(default_factory=dict)  # reason -> runs handed to people after a question
    answered_conversations: int = 0  # conversations it gave an answer in (its own or a suggestion picked)
    deflected: int = 0  # of those, the ones it resolved with no person (see the module's docstring)
    languages: list[LanguageRow] = field(default_factory=list)
    top_entries: list[tuple[Entry, int]] = field(default_factory=list)  # given as answers, most often first
    top_unanswered: list[tuple[str, int]] = field(default_factory=list)  # asked and not answered, most often first

    @property
    def deflection_rate(self) -> float | None:
        """Of the conversations it gave an answer in, the share it resolved with no person (see the module's
        docstring). None when it answered in none."""
        return self.deflected / self.answered_conversations if self.answered_conversations else None

    @property
    def handed_off_total(self) -> int:
        return sum(self.handed_off.values())


def knowledge_report(
    workspace: Workspace, *, since: datetime | None = None, until: datetime | None = None
) -> KnowledgeReport:
    questions = Question.objects.filter(workspace=workspace)
    if since is not None:
        questions = questions.filter(created_at__gte=since)
    if until is not None:
        questions = questions.filter(created_at__lt=until)
    answered = Q(outcome=Question.Outcome.ANSWERED)
    report = KnowledgeReport(
        **questions.aggregate(
            asked=Count("pk"),
            searched=Count("pk", filter=Q(conversation=None)),
            answered=Count("pk", filter=answered),
            suggested=Count("pk", filter=Q(outcome=Question.Outcome.SUGGESTED)),
            missed=Count("pk", filter=Q(outcome=Question.Outcome.MISSED)),
            helped=Count("pk", filter=Q(helpful=True)),
            not_helped=Count("pk", filter=Q(helpful=False)),
            suggestions_taken=Count("pk", filter=Q(picked__isnull=False)),
        )
    )
    in_chats = questions.exclude(conversation=None).values("conversation_id")
    report.handed_off = dict(
        BotRun.objects.filter(conversation_id__in=in_chats, status=BotRun.Status.HANDED_OFF)
        .values_list("reason")
        .annotate(runs=Count("pk"))
        .order_by("-runs", "reason")
    )
    report.answered_conversations, report.deflected = _deflection(questions)
    report.languages = [
        LanguageRow(row["language"], row["asked"], row["answered"], row["helped"])
        for row in questions.values("language")
        .annotate(asked=Count("pk"), answered=Count("pk", filter=answered), helped=Count("pk", filter=Q(helpful=True)))
        .order_by("-asked", "language")
    ]
    given = questions.filter(answered, best__isnull=False).values("best").annotate(n=Count("pk")).order_by("-n")
    counts = {row["best"]: row["n"] for row in given[:TOP]}
    entries = Entry.objects.filter(pk__in=counts).prefetch_related("variants").in_bulk()
    report.top_entries = [(entries[pk], n) for pk, n in counts.items() if pk in entries]
    report.top_unanswered = list(
        questions.filter(~answered | Q(helpful=False))
        .values_list("text")
        .annotate(n=Count("pk"))
        .order_by("-n", "text")[:TOP]
    )
    return report


def _deflection(questions: QuerySet[Question]) -> tuple[int, int]:
    """Conversations it gave an answer in, and how many of them it resolved with no person (the module's
    docstring says when)."""
    gave = questions.filter(Q(outcome=Question.Outcome.ANSWERED) | Q(picked__isnull=False))
    conversations = gave.exclude(conversation=None).values("conversation_id")
    operator_wrote = Message.objects.filter(conversation_id=OuterRef("pk"), author_kind=Message.AuthorKind.OPERATOR)
    handed = BotRun.objects.filter(conversation_id=OuterRef("pk"), status=BotRun.Status.HANDED_OFF)
    unhelpful = Question.objects.filter(conversation_id=OuterRef("pk"), helpful=False)
    over = Q(status=Conversation.Status.CLOSED) | Q(last_activity_at__lte=timezone.now() - IDLE)
    rows = Conversation.objects.filter(pk__in=conversations).aggregate(
        total=Count("pk"),
        deflected=Count("pk", filter=Q(over, ~Exists(operator_wrote), ~Exists(handed), ~Exists(unhelpful))),
    )
    return rows["total"], rows["deflected"]
