"""The editor's test chat: the draft talks to a test visitor exactly as it would on the site, and nothing of
it is kept.

Each turn replays the whole test conversation from the start inside one transaction that is rolled back:
the draft runs on the real runtime (questions, checks, contact attributes, tasks, hand-off), what it said and
collected is read out, and then every row it wrote disappears, so the inbox, contacts and reports never see
a test. Pauses (typing, web service calls) are taken at once; web service calls are really made.
"""

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext

from bots import runtime
from bots.actions import checked_flow
from bots.flow import HttpBlock
from bots.models import Bot, BotRun, BotVersion
from bots.queries import flow_of, forget_flow
from contacts.models import Task
from conversations import actions as conversation_actions
from conversations.models import Message
from core.errors import Conflict
from visitors.models import Visitor
from workspaces.models import Inbox, Member

MAX_ANSWERS = 50
MAX_PAUSES = 20  # per turn: typing pauses and web service calls taken at once


@dataclass(frozen=True)
class Line:
    author: str  # visitor, bot or system (an activity line such as a hand-off)
    text: str
    quick_replies: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Preview:
    lines: list[Line]
    status: str  # the run's status: running, waiting, handed_off, completed, stopped
    reason: str  # why it ended, when it did
    collected: dict[str, Any]  # contact fields and attributes, conversation variables
    goals: list[str]
    tasks: list[str]
    handed_to: str  # the team or operator the conversation went to

    @property
    def quick_replies(self) -> list[str]:
        last = self.lines[-1] if self.lines else None
        return last.quick_replies if last and last.author == "bot" and self.status == "waiting" else []

    @property
    def over(self) -> bool:
        return self.status not in (BotRun.Status.RUNNING, BotRun.Status.WAITING)


def preview(member: Member, bot: Bot, answers: list[str], *, language: str) -> Preview:
    """What the bot's draft says to a test visitor who gives `answers`, one after another."""
    if bot.workspace_id != member.workspace_id:
        raise Conflict(gettext("This bot belongs to another workspace."), code="other_workspace")
    flow = checked_flow(bot, bot.draft)  # FlowRejected names the block and the problem
    inbox = _test_inbox(bot)
    with transaction.atomic():
        version = BotVersion.objects.create(bot=bot, number=0, flow=flow.model_dump(mode="json"))
        try:
            return _converse(bot, version, inbox, answers[:MAX_ANSWERS], language)
        finally:
            forget_flow(version)
            transaction.set_rollback(True)  # nothing of the test is kept


def _test_inbox(bot: Bot) -> Inbox:
    inboxes = Inbox.objects.filter(workspace_id=bot.workspace_id, channel=Inbox.Channel.WEB).order_by("pk")
    inbox = inboxes.filter(pk__in=bot.inboxes.values("pk")).first() or inboxes.first()
    if inbox is None:
        raise Conflict(gettext("Add a website inbox first: the test chat runs in one."), code="no_web_inbox")
    return inbox


def _converse(bot: Bot, version: BotVersion, inbox: Inbox, answers: list[str], language: str) -> Preview:
    visitor = Visitor.objects.create(workspace_id=bot.workspace_id, inbox=inbox, language=language)
    visitor.inbox, visitor.workspace = inbox, inbox.workspace
    conversation = conversation_actions.open_new_conversation(visitor)
    run = runtime.begin(bot, version, runtime.load_conversation(conversation.pk) or conversation)
    _take_pauses(run)
    for n, answer in enumerate(answers):
        run.refresh_from_db()
        if run.status not in BotRun.ACTIVE:
            break
        conversation_actions.send_visitor_message(visitor, text=answer, client_id=f"test-{n}")
        runtime.hear_visitor(conversation.pk)
        _take_pauses(run)
    run.refresh_from_db()
    return _read_out(run)


def _take_pauses(run: BotRun) -> None:
    for _ in range(MAX_PAUSES):
        run.refresh_from_db()
        if run.paused_until is None or run.status not in BotRun.ACTIVE:
            return
        block = flow_of(run.version).block(run.block)
        if isinstance(block, HttpBlock):
            runtime.call_web_service(run.pk, run.steps)
        else:
            runtime.continue_run(run.pk, run.steps)


def _read_out(run: BotRun) -> Preview:
    conversation = run.conversation
    kinds: dict[str, str] = {Message.AuthorKind.VISITOR: "visitor", Message.AuthorKind.BOT: "bot"}
    lines = [
        Line(kinds.get(m.author_kind, "system"), m.text, list(m.rich.get("quick_replies") or []))
        for m in conversation.messages.order_by("seq")
        if m.text
    ]
    contact = conversation.visitor.contact
    collected: dict[str, Any] = {}
    if contact is not None:
        fields = {"name": contact.name, "email": contact.email, "phone": contact.phone, "company": contact.company}
        known = {**fields, **contact.attributes}
        collected.update({f"contact.{k}": v for k, v in known.items() if v not in ("", None)})
    collected.update({f"var.{k}": v for k, v in run.variables.items()})
    handed_to = conversation.assignee.display_name if conversation.assignee else ""
    if not handed_to and conversation.team:
        handed_to = conversation.team.name
    tasks = list(Task.objects.filter(contact=contact).values_list("title", flat=True)) if contact else []
    return Preview(
        lines=lines,
        status=run.status,
        reason=run.get_reason_display() if run.reason else "",
        collected=collected,
        goals=list(run.goals),
        tasks=tasks,
        handed_to=handed_to,
    )
