"""What bots do when events happen: registered in BotsConfig.ready."""

from datetime import timedelta

from django.db.models import BigIntegerField
from django.utils import timezone

from bots.models import Bot, BotRun
from bots.tasks import hear_visitor, operator_took_over, start_bot, start_proactive_bot
from bots.triggers import bot_for
from conversations.events import ConversationCreated, MessageCreated
from conversations.models import Message
from core.compiled import CompiledQuery, Param
from realtime.effects import on
from visitors.events import VisitorActed


@on(ConversationCreated)
def start_a_bot(event: ConversationCreated) -> None:
    started = Bot.objects.filter(
        workspace_id=event.workspace_id, enabled=True, published__isnull=False, trigger=Bot.Trigger.CONVERSATION_STARTED
    )
    if started.exists():
        start_bot.enqueue(event.conversation_id)


@on(VisitorActed)
def write_first(event: VisitorActed) -> None:
    """A page, an event or a return some bot waits for: it opens the conversation."""
    if (bot := bot_for(event)) is None:
        return
    if seconds := int(bot.config.get("after_seconds", 0)):  # time on the page: look again then
        start_proactive_bot.using(run_after=timezone.now() + timedelta(seconds=seconds)).enqueue(
            bot.bot_id, event.visitor_id
        )
    else:
        start_proactive_bot.enqueue(bot.bot_id, event.visitor_id)


# Asked on every message: compiled once.
ACTIVE_RUN = CompiledQuery(
    lambda: BotRun.objects.filter(
        conversation_id=Param("conversation", BigIntegerField()), status__in=BotRun.ACTIVE
    ).only("pk")[:1]
)


@on(MessageCreated)
def tell_the_bot(event: MessageCreated) -> None:
    """A visitor's message is the answer its bot waits for; an operator's reply takes over from the bot."""
    if event.private or event.author_kind not in (Message.AuthorKind.VISITOR, Message.AuthorKind.OPERATOR):
        return
    if ACTIVE_RUN.first(conversation=event.conversation_id) is None:
        return
    if event.author_kind == Message.AuthorKind.VISITOR:
        hear_visitor.enqueue(event.conversation_id)
    else:
        operator_took_over.enqueue(event.conversation_id)
