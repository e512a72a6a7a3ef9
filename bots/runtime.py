"""Running a bot in a conversation: one step at a time, the run saved after each, so a restart continues
where it stopped and a retried step sends nothing twice (each bot message has a client id of its step).

A run starts when a visitor starts a conversation (bots.effects -> bots.tasks), waits at each question for
the visitor's answer, and ends by handing the conversation to people, by completing, or when an operator
writes in the conversation. The visitor can always reach a person: asking for one in any widget language, or
by failing a question's retries, hands the conversation over; the bot never asks forever.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property

from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext

from bots import answers, conditions, tasks, webhooks
from bots.abuse import is_abusive
from bots.flow import (
    AnyBlock,
    AskBlock,
    ConditionBlock,
    EndBlock,
    Flow,
    GoalBlock,
    HandoffBlock,
    HttpBlock,
    JumpBlock,
    KnowledgeBlock,
    MessageBlock,
    Rule,
    SetBlock,
    TaskBlock,
    render,
)
from bots.models import Bot, BotRun, BotVersion
from bots.queries import flow_of
from contacts import actions as contact_actions
from conversations import actions as conversation_actions
from conversations.models import Conversation, Message
from conversations.queries import get_visitor_conversation
from core.errors import Conflict, DomainError
from knowledge import actions as knowledge_actions
from knowledge.answering import QUESTION_MAX, variant_for
from knowledge.answering import Answer as KnowledgeAnswer
from knowledge.generation import Composed, compose
from knowledge.models import Entry, Providers, Question, Variant
from realtime.fanout import visitor_sees_typing
from visitors.models import Event, Visitor
from widget.languages import LANGUAGES
from workspaces.models import Member, Team

log = logging.getLogger(__name__)
STARTS_LATE = timedelta(seconds=2)  # a time-on-page start may run a little early or late
HEARTBEAT_SLACK = timedelta(seconds=90)  # an open, visible page reports at least every minute
MAX_STEPS = 100  # per turn: a flow that gets this far without waiting is broken (check_flow rejects such loops)
Reason = BotRun.Reason


@dataclass
class Turn:
    """What one turn of a run works with: its conversation and flow, loaded once."""

    run: BotRun
    conversation: Conversation
    flow: Flow

    @property
    def language(self) -> str:
        return (self.conversation.visitor.language or "en")[:2]

    @cached_property
    def people_available(self) -> bool:
        """Whether people answer in the inbox now (asked once a turn: a hand-off may ask twice)."""
        return conditions.available(self.conversation)


# Entry points (called by bots.tasks)


@transaction.atomic
def start_bot(conversation_id: int) -> BotRun | None:
    """A visitor started a conversation: the first enabled bot for its inbox starts talking, unless people
    already did."""
    conversation = load_conversation(conversation_id)
    if conversation is None or conversation.bot_runs.exists() or _operator_wrote(conversation):
        return None
    bot = (
        Bot.objects.filter(
            workspace_id=conversation.workspace_id,
            enabled=True,
            published__isnull=False,
            trigger=Bot.Trigger.CONVERSATION_STARTED,
        )
        .filter(Q(inboxes=None) | Q(inboxes=conversation.inbox_id))
        .select_related("published")
        .order_by("priority", "pk")
        .first()
    )
    if bot is None or bot.published is None:
        return None
    flow = flow_of(bot.published)
    first = flow.block(flow.start)
    if isinstance(first, KnowledgeBlock) and not first.text:  # it just listens: the opening message is its question
        begin(bot, bot.published, conversation, answered_seq=0)
        return hear_visitor(conversation.pk)
    return begin(bot, bot.published, conversation, answered_seq=conversation.last_seq)


@transaction.atomic
def start_proactive_bot(bot_id: int, visitor_id: int) -> BotRun | None:
    """A bot writes first to a visitor on the site, once per visitor, never into a conversation under way."""
    bot = Bot.objects.select_related("published").filter(pk=bot_id, enabled=True, published__isnull=False).first()
    visitor = Visitor.objects.select_related("workspace", "inbox", "contact").filter(pk=visitor_id).first()
    if bot is None or bot.published is None or visitor is None or visitor.workspace_id != bot.workspace_id:
        return None
    if (seconds := int(bot.trigger_config.get("after_seconds", 0))) and not _still_on_page(visitor, bot, seconds):
        return None
    Visitor.objects.select_for_update().filter(pk=visitor.pk).first()  # one start at a time per visitor
    latest = get_visitor_conversation(visitor)
    if BotRun.objects.filter(bot=bot, conversation__visitor=visitor).exists() or (
        latest is not None and latest.status != Conversation.Status.CLOSED
    ):
        return None
    conversation = conversation_actions.open_new_conversation(visitor)
    return begin(bot, bot.published, load_conversation(conversation.pk) or conversation)


def _still_on_page(visitor: Visitor, bot: Bot, seconds: int) -> bool:
    """The page the visitor opened is still open (not left, heartbeats coming) `seconds` after they opened it."""
    now = timezone.now()
    latest = visitor.page_views.order_by("-created_at").first()
    return (
        latest is not None
        and str(bot.trigger_config.get("url_contains", "")) in latest.url
        and latest.duration_seconds is None
        and latest.created_at <= now - timedelta(seconds=seconds) + STARTS_LATE
        and visitor.last_seen_at >= now - timedelta(seconds=seconds) - HEARTBEAT_SLACK
    )


def begin(bot: Bot, version: BotVersion, conversation: Conversation, *, answered_seq: int = 0) -> BotRun:
    """The bot's version's flow starts in the conversation. `answered_seq`: what the visitor said before the bot
    spoke is for people, not an answer to the bot."""
    flow = flow_of(version)
    run = BotRun.objects.create(
        workspace_id=conversation.workspace_id,
        bot=bot,
        version=version,
        conversation=conversation,
        block=flow.start,
        answered_seq=answered_seq,
    )
    _advance(Turn(run, conversation, flow))
    return run


@transaction.atomic
def hear_visitor(conversation_id: int) -> BotRun | None:
    """The visitor wrote: the answer to the question the run waits at, or a wish to talk to a person."""
    run = _active_run(conversation_id)
    if run is None:
        return None
    turn = Turn(run, run.conversation, flow_of(run.version))
    unread = turn.conversation.messages.filter(
        seq__gt=run.answered_seq,
        author_kind__in=[Message.AuthorKind.VISITOR, Message.AuthorKind.OPERATOR],
        private=False,
    )
    said = list(unread.select_related("attachment").order_by("seq"))
    if any(m.author_kind == Message.AuthorKind.OPERATOR for m in said):  # before its operator_took_over task ran
        _end(turn, BotRun.Status.STOPPED, Reason.OPERATOR_TOOK_OVER)
        return run
    if not said:
        return run
    run.answered_seq = said[-1].seq
    text = "\n".join(m.text for m in said if m.text).strip()
    if text and is_abusive(text, language=turn.language, extra_words=run.bot.blocked_words):
        _calm_down(turn)
    elif text and answers.wants_a_person(text):
        _hand_off(turn, Reason.VISITOR_ASKED)
    elif run.status == BotRun.Status.WAITING:
        files = [attachment.name for m in said if (attachment := getattr(m, "attachment", None))]
        _answer(turn, text, files=files)
    else:
        _save(run)
    return run


@transaction.atomic
def continue_run(run_id: int, step: int) -> BotRun | None:
    """A typing pause is over: the message goes out and the flow goes on."""
    run = _active_run(run_id=run_id)
    if run is None or run.steps != step or run.paused_until is None:
        return None  # it moved on meanwhile (an operator took over, the visitor asked for a person)
    run.paused_until = None
    _advance(Turn(run, run.conversation, flow_of(run.version)))
    return run


def call_web_service(run_id: int, step: int) -> BotRun | None:
    """The HTTP block: call outside any transaction, then apply the answer and go on."""
    run = _active_run(run_id=run_id, lock=False)
    if run is None or run.steps != step or run.paused_until is None:
        return None
    turn = Turn(run, run.conversation, flow_of(run.version))
    block = turn.flow.block(run.block)
    if not isinstance(block, HttpBlock):
        return None
    result = webhooks.call(block, _values(turn))
    with transaction.atomic():
        run = _active_run(run_id=run_id)
        if run is None or run.steps != step or run.paused_until is None:
            return None
        turn = Turn(run, run.conversation, turn.flow)
        run.paused_until = None
        try:
            _apply_call(turn, block, result)
        except DomainError as error:  # a value an attribute refuses
            _hand_off(turn, Reason.FLOW_ERROR, detail=f"{block.id}: {error.detail}")
            return run
        run.steps += 1
        _advance(turn)
    return run


def _apply_call(turn: Turn, block: HttpBlock, result: webhooks.CallResult) -> None:
    if result.error:
        log.info("bot run %s: %s failed: %s", turn.run.pk, block.id, result.error)
        if block.on_error is None:
            _hand_off(turn, Reason.FLOW_ERROR, detail=f"{block.id}: {result.error}")
            return
        turn.run.variables = {**turn.run.variables, "http_error": result.error}
        turn.run.block = block.on_error
        return
    for target, value in result.values.items():
        if value is not None:
            _remember(turn, target, value)
    _go(turn, block.next)


@transaction.atomic
def take_over(member: Member, conversation: Conversation) -> BotRun | None:
    """An operator stops the bot without writing yet."""
    run = _active_run(conversation.pk)
    if run is not None:
        _end(Turn(run, run.conversation, flow_of(run.version)), BotRun.Status.STOPPED, Reason.OPERATOR_TOOK_OVER)
    return run


@transaction.atomic
def hand_back(member: Member, conversation: Conversation) -> BotRun:
    """The bot an operator stopped goes on where it stopped (a question is asked again); what was said
    meanwhile is left to people."""
    if _active_run(conversation.pk) is not None:
        raise Conflict(gettext("A bot is already answering in this conversation."), code="bot_running")
    run = (
        BotRun.objects.select_for_update()
        .select_related("bot", "version")
        .filter(conversation=conversation, status=BotRun.Status.STOPPED, reason=Reason.OPERATOR_TOOK_OVER)
        .order_by("-pk")
        .first()
    )
    if run is None or conversation.status == Conversation.Status.CLOSED:
        raise Conflict(gettext("There is no bot to hand this conversation back to."), code="no_bot")
    run.conversation = load_conversation(conversation.pk) or conversation
    turn = Turn(run, run.conversation, flow_of(run.version))
    run.status, run.reason, run.ended_at = BotRun.Status.RUNNING, "", None
    run.resumed_at, run.answered_seq, run.retries = timezone.now(), run.conversation.last_seq, 0
    line = gettext("%(member)s handed the conversation back to %(bot)s.")
    conversation_actions.add_activity_note(
        run.conversation, line % {"member": member.display_name, "bot": run.bot.name}
    )
    block = turn.flow.block(run.block)
    if isinstance(block, AskBlock):
        _ask(turn, block, block.text, key=f"back{run.resumed_at:%s}")
        _check_silence_later(run, run.bot.remind_after_minutes or run.bot.give_up_after_minutes)
        _save(run)
    else:
        _advance(turn)
    return run


@transaction.atomic
def operator_took_over(conversation_id: int) -> BotRun | None:
    """An operator wrote in the conversation: the bot stops at once and leaves it to them."""
    run = _active_run(conversation_id)
    if run is not None:
        _end(Turn(run, run.conversation, flow_of(run.version)), BotRun.Status.STOPPED, Reason.OPERATOR_TOOK_OVER)
    return run


# Stepping


def _advance(turn: Turn) -> None:
    """Run blocks until one waits for the visitor, pauses or the run ends; the run is saved once, at the end
    (the whole turn is one transaction, so saving after each step would only repeat the UPDATE)."""
    run = turn.run
    for _ in range(MAX_STEPS):
        if run.status != BotRun.Status.RUNNING or run.paused_until is not None:
            _save(run)
            return
        block = turn.flow.block(run.block)
        if block is None:
            _hand_off(turn, Reason.FLOW_ERROR, detail=f"block {run.block} is missing")
            return
        if run.typed_step != run.steps:  # not the message a typing pause held back, run again to send it
            run.visited = [*run.visited, block.id]
        try:
            _step(turn, block)
        except DomainError as error:  # a deleted team, a value an attribute refuses: hand over, never crash
            log.warning("bot run %s failed at block %s: %s", run.pk, block.id, error.detail)
            _hand_off(turn, Reason.FLOW_ERROR, detail=f"{block.id}: {error.detail}")
            return
        if run.paused_until is not None:
            _save(run)
            return  # the block finishes later, as the same step (a typing pause, a web service call)
        run.steps += 1
        if run.status == BotRun.Status.WAITING:  # a new question: look again if the visitor goes quiet
            _check_silence_later(run, run.bot.remind_after_minutes or run.bot.give_up_after_minutes)
    _hand_off(turn, Reason.FLOW_ERROR, detail=f"more than {MAX_STEPS} steps without waiting")


def _step(turn: Turn, block: AnyBlock) -> None:
    run = turn.run
    match block:
        case MessageBlock():
            if block.typing_seconds and run.typed_step != run.steps:
                _pause_to_type(turn, block.typing_seconds)
                return
            _say(turn, block.text, cards=_cards(turn, block), quick_replies=block.buttons)
            _go(turn, block.next)
        case AskBlock():
            if block.skip_if_known and _known(turn, block.save_to):
                _go(turn, block.next)
                return
            _ask(turn, block, block.text)
        case KnowledgeBlock():
            if block.text:
                _say(turn, block.text, quick_replies=[_person(turn)])
            run.status = BotRun.Status.WAITING
        case ConditionBlock():
            rule = next((r for r in block.rules if _holds(turn, r)), None)
            _go(turn, rule.next if rule is not None else block.next)
        case SetBlock():
            for assignment in block.assign:
                _remember(turn, assignment.target, render(assignment.value, _values(turn)))
            if block.add_tags:
                conversation_actions.tag_conversation_by_bot(turn.conversation, block.add_tags)
            if block.record_events:  # in this transaction: a step retried or a test chat leaves none behind
                visitor = turn.conversation.visitor
                Event.objects.bulk_create(
                    Event(visitor=visitor, name=name, properties={"bot": run.bot.name}, url=visitor.current_url)
                    for name in block.record_events
                )
            _go(turn, block.next)
        case TaskBlock():
            assignee = (
                Member.objects.filter(workspace_id=run.workspace_id, public_id=block.assignee).first()
                if block.assignee
                else None
            )
            contact_actions.create_task_for_bot(
                turn.conversation.visitor,
                title=render(block.title, _values(turn)),
                due_at=timezone.now() + timedelta(days=block.due_in_days),
                assignee=assignee,
            )
            _go(turn, block.next)
        case HttpBlock():
            run.paused_until = timezone.now()
            tasks.call_web_service.enqueue(run.pk, run.steps)
        case GoalBlock():
            if block.name not in run.goals:
                run.goals = [*run.goals, block.name]
            _go(turn, block.next)
        case JumpBlock():
            _go(turn, block.to)
        case HandoffBlock():
            if block.when_away and not turn.people_available:
                _go(turn, block.when_away)
                return
            if block.text:
                _say(turn, block.text)
            _hand_off(turn, Reason.FLOW_HANDOFF, team=block.team, assignee=block.assignee)
        case EndBlock():
            if block.text:
                _say(turn, block.text)
            _end(turn, BotRun.Status.COMPLETED, Reason.FLOW_ENDED)
            if block.close:
                conversation_actions.close_conversation(None, turn.conversation)


def _calm_down(turn: Turn) -> None:
    """A rude message: a calm answer, never one in kind; after the bot's limit, people take over."""
    run = turn.run
    run.abuse_count += 1
    if run.abuse_count >= run.bot.abuse_limit:
        _hand_off(turn, Reason.ABUSE)
        return
    with translation.override(turn.language):
        calm = gettext("I am here to help, and I will do my best. Let's keep it friendly, please.")
    _say(turn, calm, key=f"calm{run.abuse_count}")
    _save(run)


# Silence


@transaction.atomic
def check_silence(run_id: int) -> BotRun | None:
    """The visitor has not answered the question for a while: remind them once, later hand over (or close).
    If the run moved since the check was planned, the check moves to when it is due now."""
    run = _active_run(run_id=run_id)
    if run is None:
        return None
    run.silence_check_at = None
    reminding = run.reminded_step != run.steps and run.bot.remind_after_minutes
    minutes = run.bot.remind_after_minutes if reminding else run.bot.give_up_after_minutes
    due = run.updated_at + timedelta(minutes=minutes)
    if run.status != BotRun.Status.WAITING or not minutes or due > timezone.now() + timedelta(seconds=1):
        if run.status == BotRun.Status.WAITING and minutes:  # they answered, and the bot asked again since
            _check_silence_at(run, due)
        _save(run, touch=False)
        return None
    turn = Turn(run, run.conversation, flow_of(run.version))
    if reminding:
        run.reminded_step = run.steps
        with translation.override(turn.language):
            reminder = run.bot.remind_text or gettext("Are you still there? Just answer here when you are ready.")
        _say(turn, reminder, key="remind")
        _check_silence_later(run, run.bot.give_up_after_minutes)
        _save(run)
        return run
    if run.bot.close_when_silent:
        _end(turn, BotRun.Status.COMPLETED, Reason.SILENT)
        conversation_actions.close_conversation(None, turn.conversation)
    else:
        _hand_off(turn, Reason.SILENT)
    return run


def _check_silence_later(run: BotRun, minutes: int) -> None:
    """Look again in `minutes` if the visitor stays quiet. One check per run is pending at a time: a turn while
    one waits leaves it to move itself (each question would otherwise leave a task behind)."""
    if minutes and run.silence_check_at is None:
        _check_silence_at(run, timezone.now() + timedelta(minutes=minutes))


def _check_silence_at(run: BotRun, at: datetime) -> None:
    run.silence_check_at = at
    tasks.check_silence.using(run_after=at).enqueue(run.pk)


def _pause_to_type(turn: Turn, seconds: float) -> None:
    """Show the bot writing, and send the message when the pause is over (bots.tasks.continue_run)."""
    run = turn.run
    run.typed_step, run.paused_until = run.steps, timezone.now() + timedelta(seconds=seconds)
    visitor_sees_typing(turn.conversation, run.bot.persona_name)
    tasks.continue_run.using(run_after=run.paused_until).enqueue(run.pk, run.steps)


def _go(turn: Turn, block_id: str | None) -> None:
    """On to the next block; a flow with nowhere to go has ended: the conversation goes to people."""
    if block_id is None:
        _hand_off(turn, Reason.FLOW_ENDED)
    else:
        turn.run.block = block_id


def _answer(turn: Turn, text: str, *, files: list[str]) -> None:
    run = turn.run
    block = turn.flow.block(run.block)
    if isinstance(block, KnowledgeBlock):
        _consult(turn, block, text)
        if run.status == BotRun.Status.WAITING:  # still at the block (moving on or handing over saved it)
            _save(run)
        return
    if not isinstance(block, AskBlock):
        _hand_off(turn, Reason.FLOW_ERROR, detail=f"waiting at {run.block}, which asks nothing")
        return
    try:
        answer = answers.read_answer(block, text, files=files, time_zone=turn.conversation.visitor.time_zone)
        if block.save_to:
            _remember(turn, block.save_to, answer.value)
    except (answers.InvalidAnswer, DomainError):
        run.retries += 1
        run.misses += 1
        if run.retries <= block.max_retries:
            _ask(turn, block, block.retry_text or _default_retry(turn, block))
            _save(run)
        elif block.on_fail:
            run.retries, run.status, run.block = 0, BotRun.Status.RUNNING, block.on_fail
            _advance(turn)
        else:
            _hand_off(turn, Reason.VALIDATION_FAILED)
        return
    chosen = answer.value if isinstance(answer.value, list) else [answer.value]
    if scored := sum(c.score for c in block.choices if c.label in chosen):
        run.variables = {**run.variables, "score": int(run.variables.get("score") or 0) + scored}
    run.retries = run.misses = 0
    run.status = BotRun.Status.RUNNING
    _go(turn, answer.choice.next if answer.choice and answer.choice.next else block.next)
    _advance(turn)


# The knowledge block


def _consult(turn: Turn, block: KnowledgeBlock, text: str) -> None:
    """The visitor's message at the knowledge block: whether the last answer helped, one of the entries it
    offered, or a new question."""
    run, language = turn.run, turn.language
    helped, did_not = answers.phrase(answers.HELPED, language), answers.phrase(answers.DID_NOT_HELP, language)
    state = run.block_state
    if state.get("asked") and text in (helped, did_not):
        run.block_state = {}
        if question := Question.objects.filter(pk=state["asked"]).first():
            knowledge_actions.record_feedback(question, helpful=text == helped)
        if text == did_not:
            _missed(turn, block, None, key=f"no{state['asked']}")
        elif block.next:
            run.misses, run.status = 0, BotRun.Status.RUNNING
            _go(turn, block.next)
            _advance(turn)
        else:
            run.misses = 0
            _say(turn, answers.phrase(answers.ANYTHING_ELSE, language), quick_replies=[_person(turn)])
        return
    offered: dict[str, int] = state.get("offered", {})
    if text in offered and (entry := _entry(run, offered[text])) is not None:
        knowledge_actions.record_pick(state["question"], entry)
        _give(turn, variant_for(entry, language), state["question"])
        return
    if len(" ".join(text.split())) > QUESTION_MAX:
        _say(turn, answers.phrase(answers.LONG_QUESTION, language).format(max=QUESTION_MAX))
    found, question = knowledge_actions.ask(turn.conversation.workspace, text, conversation=turn.conversation)
    composed = _compose(turn, question.text, found) if found.confident else None
    if composed is not None and composed.abstained:  # the entries found do not answer it after all
        knowledge_actions.record_abstained(question)
    elif found.confident:
        _give(turn, found.matches[0].variant, question.pk, composed)
        return
    _missed(turn, block, found, key=f"q{question.pk}", question_id=question.pk)


def _compose(turn: Turn, text: str, found: KnowledgeAnswer) -> Composed | None:
    """The answer worded by the workspace's language model from the entries found, when it has one."""
    providers = Providers.objects.filter(workspace_id=turn.run.workspace_id, generation_enabled=True).first()
    return compose(text, found.matches, found.language or turn.language, providers) if providers else None


def _give(turn: Turn, variant: Variant, question_id: int, composed: Composed | None = None) -> None:
    """An entry's answer (in another language with a note saying so), or the answer worded from the entries
    found with them listed under it; then “did this help?”."""
    run, language = turn.run, turn.language
    text = variant.answer
    if composed is not None:
        sources = "\n".join(f"• {m.variant.question}" for m in composed.sources)
        text = f"{composed.text}\n\n{answers.phrase(answers.SOURCES, language)}\n{sources}"
    elif variant.language != language:
        note = answers.phrase(answers.IN_ANOTHER_LANGUAGE, language)
        text = f"{text}\n\n{note.format(language=LANGUAGES.get(variant.language, variant.language))}"
    _say(turn, text, key=f"a{question_id}")
    buttons = [answers.phrase(answers.HELPED, language), answers.phrase(answers.DID_NOT_HELP, language)]
    _say(
        turn,
        answers.phrase(answers.WAS_IT_HELPFUL, language),
        quick_replies=[*buttons, _person(turn)],
        key=f"h{question_id}",
    )
    run.block_state, run.misses = {"asked": question_id}, 0


def _missed(
    turn: Turn, block: KnowledgeBlock, found: KnowledgeAnswer | None, *, key: str, question_id: int | None = None
) -> None:
    """Not answered: the closest entries to pick from (or a word to ask otherwise) and a person; after
    `max_misses` in a row, on to `on_miss` or to people. Never the same offer over and over."""
    run, language = turn.run, turn.language
    run.misses += 1
    run.block_state = {}
    if run.misses >= block.max_misses:
        if block.on_miss:
            run.status = BotRun.Status.RUNNING
            _go(turn, block.on_miss)
            _advance(turn)
        else:
            _hand_off(turn, Reason.NO_MATCH)
        return
    if found and found.matches and question_id is not None:
        offered = {_label(m.variant.question): m.entry.pk for m in found.matches}
        _say(turn, answers.phrase(answers.DID_YOU_MEAN, language), quick_replies=[*offered, _person(turn)], key=key)
        run.block_state = {"offered": offered, "question": question_id}
    else:
        _say(turn, answers.phrase(answers.NOT_FOUND, language), quick_replies=[_person(turn)], key=key)


def _entry(run: BotRun, entry_id: int) -> Entry | None:
    return Entry.objects.filter(pk=entry_id, workspace_id=run.workspace_id).prefetch_related("variants").first()


def _label(question: str) -> str:
    """A quick reply is at most 40 characters."""
    return question if len(question) <= 40 else question[:39].rstrip() + "…"


def _person(turn: Turn) -> str:
    return answers.phrase(answers.PERSON_BUTTON, turn.language)


def _ask(turn: Turn, block: AskBlock, text: str, *, key: str = "") -> None:
    labels = [c.label for c in block.choices]
    if turn.conversation.inbox.is_email:  # no buttons in an email: numbered options to answer with
        _say(turn, f"{text}\n\n{answers.numbered(block.choices)}" if labels else text, key=key)
    else:  # and a way to people, always
        _say(turn, text, quick_replies=[*labels, _person(turn)], key=key)
    turn.run.status = BotRun.Status.WAITING


def _cards(turn: Turn, block: MessageBlock) -> list[dict[str, object]]:
    cards: list[dict[str, object]] = [{"title": "", "image_url": block.image_url}] if block.image_url else []
    if card := block.card:
        values = _values(turn)
        links = [{"label": link.label, "url": link.url} for link in card.links]
        cards.append(
            {
                "title": render(card.title, values),
                "text": render(card.text, values),
                "image_url": card.image_url or "",
                "buttons": links,
            }
        )
    return cards


def _say(
    turn: Turn,
    text: str,
    *,
    cards: list[dict[str, object]] | None = None,
    quick_replies: list[str] | None = None,
    key: str = "",
) -> None:
    run = turn.run
    text = render(text, _values(turn))
    if not text and not cards:
        return
    conversation_actions.send_bot_message(
        turn.conversation,
        sender_name=run.bot.persona_name,
        sender_avatar=run.bot.avatar_link,
        text=text,
        quick_replies=quick_replies or None,
        cards=cards or None,
        client_id=f"bot:{run.public_id.hex[:20]}:{run.steps}:{run.retries}{key}",
    )


# Hand-off and the end


def _hand_off(
    turn: Turn, reason: str, *, team: str | None = None, assignee: str | None = None, detail: str = ""
) -> None:
    """The conversation goes to people, with the reason shown to them; a team or operator that is gone
    leaves it to whoever is on duty."""
    workspace_id = turn.conversation.workspace_id
    to_team = Team.objects.filter(workspace_id=workspace_id, public_id=team).first() if team else None
    to_member = Member.objects.filter(workspace_id=workspace_id, public_id=assignee).first() if assignee else None
    if (team and to_team is None) or (assignee and to_member is None):
        reason, detail = Reason.FLOW_ERROR, detail or "the team or operator to hand over to is gone"
    if not turn.people_available:
        _say_away(turn)
    _end(turn, BotRun.Status.HANDED_OFF, reason, team=to_team, assignee=to_member, detail=detail)


def _say_away(turn: Turn) -> None:
    """Nobody answers now: the visitor learns when they will, and where (their email, if it is known)."""
    email = _values(turn)["contact"].get("email")
    with translation.override(turn.language):
        if email:
            line = gettext(
                "Our team is away right now. We'll answer here as soon as we're back, and by email to %(email)s."
            )
            line %= {"email": email}
        else:
            line = gettext(
                "Our team is away right now. Leave your email here and we'll answer you there as soon as we're back."
            )
    _say(turn, line, key="away")


def _end(
    turn: Turn,
    status: str,
    reason: str,
    *,
    team: Team | None = None,
    assignee: Member | None = None,
    detail: str = "",
) -> None:
    run = turn.run
    run.status, run.reason, run.ended_at = status, reason, timezone.now()
    _save(run)
    with translation.override(None):  # the note is for operators, in the server's language
        names = {"bot": run.bot.name, "why": BotRun.Reason(reason).label}
        if status == BotRun.Status.COMPLETED:
            line = gettext("%(bot)s finished its flow.") % names
        elif status == BotRun.Status.STOPPED:
            line = gettext("%(bot)s stopped: %(why)s.") % names
        else:
            line = gettext("%(bot)s handed the conversation over: %(why)s.") % names
    if detail:
        line = f"{line} ({detail})"
    conversation_actions.hand_off_conversation(turn.conversation, assignee=assignee, team=team, line=line)


# Values


def _values(turn: Turn) -> dict[str, dict[str, object]]:
    contact = turn.conversation.visitor.contact
    fields = {name: getattr(contact, name) for name in ("name", "email", "phone", "company")} if contact else {}
    visitor = turn.conversation.visitor
    return {
        "contact": {**(contact.attributes if contact else {}), **fields},
        "var": turn.run.variables,
        "visitor": {"language": turn.language, "page_url": visitor.current_url},
    }


def _known(turn: Turn, path: str | None) -> bool:
    if not path:
        return False
    kind, _, key = path.partition(".")
    value = _values(turn)["contact" if kind == "contact" else "var"].get(key)
    return value not in (None, "", [])


def _remember(turn: Turn, path: str, value: object) -> None:
    kind, _, key = path.partition(".")
    if kind == "var":
        turn.run.variables = {**turn.run.variables, key: value}
        return
    visitor = turn.conversation.visitor
    visitor.contact = contact_actions.record_answer(visitor, key, value)


def _holds(turn: Turn, rule: Rule) -> bool:
    if rule.op in ("is_true", "is_false"):
        return conditions.fact(turn.conversation, rule.field, rule.value) == (rule.op == "is_true")
    values = _values(turn)
    if rule.field == "language":
        actual: object = turn.language
    elif rule.field == "page_url":
        actual = values["visitor"]["page_url"]
    elif rule.field in ("time", "weekday"):
        actual = conditions.local_clock(turn.conversation)[rule.field]
    else:
        kind, _, key = rule.field.partition(".")
        actual = values["contact" if kind == "contact" else "var"].get(key)
    given, expected = str(actual if actual is not None else "").casefold(), rule.value.casefold()
    if rule.field == "time" and rule.op in ("greater", "less"):  # "09:30" < "18:00" as text, too
        return given > expected if rule.op == "greater" else given < expected
    match rule.op:
        case "is_set":
            return given != ""
        case "is_not_set":
            return given == ""
        case "equals":
            return given == expected
        case "not_equals":
            return given != expected
        case "contains":
            return expected in given
        case "not_contains":
            return expected not in given
    try:
        number, bound = float(given), float(expected)
    except ValueError:
        return False
    return number > bound if rule.op == "greater" else number < bound


def _default_retry(turn: Turn, block: AskBlock) -> str:
    with translation.override(turn.language):
        messages = {
            "email": gettext("That does not look like an email address. Could you check it?"),
            "phone": gettext("That does not look like a phone number. Please write it with the country code."),
            "number": gettext("Please answer with a number."),
            "date": gettext("Please write the date like 31.12.2026."),
            "choice": gettext("Please pick one of the options."),
            "multi_choice": gettext("Please pick from the options."),
            "file": gettext("Please attach the file with the paper clip."),
        }
        return f"{messages.get(block.kind, gettext('Sorry, I did not get that.'))} {block.text}"


# Loading and saving


def load_conversation(conversation_id: int) -> Conversation | None:
    return (
        Conversation.objects.select_related("visitor__contact", "inbox", "workspace").filter(pk=conversation_id).first()
    )


def _active_run(conversation_id: int | None = None, *, run_id: int | None = None, lock: bool = True) -> BotRun | None:
    """The conversation's running bot (or the run `run_id` while it runs), locked, with its conversation."""
    runs = BotRun.objects.select_for_update(of=("self",)) if lock else BotRun.objects.all()
    found = (
        runs.filter(status__in=BotRun.ACTIVE)
        .select_related(
            "bot", "version", "conversation__visitor__contact", "conversation__inbox", "conversation__workspace"
        )
        .defer("bot__draft", "version__flow")  # the flow comes parsed from flow_of's cache
    )
    return (found.filter(pk=run_id) if run_id else found.filter(conversation_id=conversation_id or 0)).first()


def _operator_wrote(conversation: Conversation) -> bool:
    return conversation.messages.filter(author_kind=Message.AuthorKind.OPERATOR, private=False).exists()


def _save(run: BotRun, *, touch: bool = True) -> None:
    """`touch`: the run did something (silence is counted from its last change)."""
    if touch:
        run.updated_at = timezone.now()
    run.save()
