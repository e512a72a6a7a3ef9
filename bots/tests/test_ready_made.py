"""Every ready-made bot installs in one click and works end to end."""

import threading
from collections.abc import Iterator
from datetime import timedelta
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from bots import ready_made, runtime
from bots.flow import KnowledgeBlock, check_flow
from bots.models import Bot, BotRun
from bots.queries import known_in
from contacts import actions as contact_actions
from contacts.models import Task
from conversations import actions
from conversations.models import Conversation, Message
from knowledge import actions as knowledge_actions
from knowledge.reports import knowledge_report
from visitors.models import Visitor
from widget.models import WidgetSettings

pytestmark = pytest.mark.django_db


def install(member, key: str) -> Bot:
    bot = ready_made.install(member, key)
    for other in Bot.objects.exclude(pk=bot.pk):  # one bot at a time in these tests
        Bot.objects.filter(pk=other.pk).update(enabled=False)
    return bot


class Chat:
    """A visitor talking to the bot, the tasks the worker would run done in place."""

    def __init__(self, visitor: Visitor) -> None:
        self.visitor, self.n = visitor, 0

    def say(self, text: str) -> None:
        self.n += 1
        sent = actions.send_visitor_message(self.visitor, text=text, client_id=f"r{self.n}")
        conversation = sent.message.conversation
        if not conversation.bot_runs.exists():
            runtime.start_bot(conversation.pk)
        else:
            runtime.hear_visitor(conversation.pk)
        self._finish_web_calls()

    def _finish_web_calls(self) -> None:
        for task in DBTaskResult.objects.filter(task_path="bots.tasks.call_web_service"):
            task.delete()
            runtime.call_web_service(*task.args_kwargs["args"])

    @property
    def conversation(self) -> Conversation:
        return Conversation.objects.filter(visitor=self.visitor).latest("created_at")

    @property
    def bot_said(self) -> list[str]:
        return list(self.conversation.messages.filter(author_kind="bot").values_list("text", flat=True))

    @property
    def run(self) -> BotRun:
        return BotRun.objects.filter(conversation=self.conversation).latest("pk")


def test_each_one_installs_published_and_on(member):
    for key in ready_made.READY_MADE:
        bot = ready_made.install(member, key)
        assert bot.enabled and bot.published is not None and bot.published.number == 1


def test_lead_qualification(member, visitor):
    install(member, "lead_qualification")
    chat = Chat(visitor)

    for answer in ["Hello", "Dana Frost", "+1 415 555 0132", "dana@frost.example", "Frost & Co", "11-50"]:
        chat.say(answer)

    contact = Visitor.objects.get(pk=visitor.pk).contact
    assert (contact.name, contact.phone, contact.email, contact.company) == (
        "Dana Frost",
        "+14155550132",
        "dana@frost.example",
        "Frost & Co",
    )
    assert contact.attributes["employees"] == "11-50"
    assert chat.conversation.team.name == "Sales"
    assert (
        Task.objects.get(contact=contact).title == "Follow up with Dana Frost (Frost & Co, 11-50 people): send an offer"
    )
    assert chat.run.goals == ["Lead qualified"] and chat.run.reason == BotRun.Reason.FLOW_HANDOFF


def test_faq_menu_answers_loops_through_the_menu_and_ends(member, visitor):
    install(member, "faq_menu")
    chat = Chat(visitor)

    chat.say("hi")
    chat.say("Returns")
    chat.say("Yes")
    chat.say("2")  # Returns again, by its number
    chat.say("No, thanks")

    assert chat.bot_said.count("Hi! What can I help you with?") == 2
    assert chat.bot_said[-1] == "Glad I could help. Have a great day!"
    assert chat.conversation.status == Conversation.Status.CLOSED


def test_abandoned_cart_reminder(member, visitor):
    bot = install(member, "abandoned_cart")

    run = runtime.start_proactive_bot(bot.pk, visitor.pk)
    assert run is not None
    typing = DBTaskResult.objects.get(task_path="bots.tasks.continue_run")
    runtime.continue_run(*typing.args_kwargs["args"])
    chat = Chat(visitor)
    chat.say("I'll use the code")

    assert chat.bot_said[0] == "Still deciding? Here is 5% off your first order: WELCOME5"
    assert chat.run.goals == ["Cart coupon taken"] and chat.run.status == BotRun.Status.COMPLETED


def test_promo_giveaway_collects_the_email(member, visitor):
    bot = install(member, "promo_giveaway")
    assert bot.trigger_config == {"url_contains": "/products/"}

    runtime.start_proactive_bot(bot.pk, visitor.pk)
    chat = Chat(visitor)
    chat.say("Yes, please")
    chat.say("dana@frost.example")

    assert Visitor.objects.get(pk=visitor.pk).contact.email == "dana@frost.example"
    assert "GIFT10" in chat.bot_said[-1] and chat.run.goals == ["Email collected"]


@pytest.mark.parametrize(
    ("answers", "passed"),
    [(["More than 3", "Fluent", "Yes"], True), (["Less than 1", "Basic", "Yes"], False)],
)
def test_job_prescreening_scores_and_routes(member, visitor, answers, passed):
    install(member, "job_prescreening")
    contact_actions.identify_visitor(visitor, traits={"email": "sam@cv.example"}, signature=None)
    chat = Chat(visitor)

    for answer in ["Hi", "Sam Lee", *answers]:
        chat.say(answer)

    if passed:
        assert chat.run.variables["score"] == 6 and chat.conversation.team.name == "HR"
        assert Task.objects.get().title == "Interview Sam Lee (sam@cv.example), screening score 6"
    else:
        assert chat.run.variables["score"] == 1 and chat.conversation.team is None
        assert "we'll keep your details" in chat.bot_said[-1] and not Task.objects.exists()


@pytest.fixture
def live_server_url(settings) -> Iterator[str]:
    """This Django app on a port, for the HTTP block to call the demo shop's order service."""

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = make_server("127.0.0.1", 0, WSGIHandler(), handler_class=Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.PUBLIC_URL = f"http://127.0.0.1:{server.server_port}"
    yield settings.PUBLIC_URL
    server.shutdown()


def test_order_status_asks_the_shops_order_service(member, visitor, live_server_url):
    install(member, "order_status")
    chat = Chat(visitor)

    chat.say("Hi")
    chat.say("1042")
    assert chat.bot_said[-2:] == ["Order 1042 is shipped. It arrives on Friday.", "Anything else?"]
    chat.say("Another order")
    chat.say("9999")

    assert chat.bot_said[-2:] == ["I couldn't find order 9999.", "Anything else?"]
    assert chat.run.goals == ["Order status told"]
    assert Message.objects.filter(author_kind="bot").count() == 6


def test_an_unknown_template_is_a_clear_error(member):
    with pytest.raises(Exception, match="no such ready-made bot"):
        ready_made.install(member, "nope")


@pytest.fixture
def shop_answers(member) -> Bot:
    """The ready-made answering bot over a small shop's knowledge base."""
    for question, answer in [
        ("How long does delivery take?", "Orders ship within 2 business days."),
        ("Can I pay by card?", "Yes, all cards."),
        ("Do you gift wrap orders?", "Yes, for $3."),
    ]:
        knowledge_actions.create_entry(member, language="en", question=question, answer=answer)
    return install(member, "faq_answers")


LOYALTY = "Сіздерде жеңілдік карталары бар ма?"  # loyalty cards, in Kazakh: nothing about them
SOMETHING_ELSE = "Маған басқа нәрсе керек еді, рақмет"
ANSWERED = "Did this answer your question?"


def test_answers_from_the_knowledge_base_is_a_valid_flow_that_hands_off_on_no_match(workspace):
    flow = check_flow(ready_made.definition("faq_answers")["flow"], known_in(workspace.pk))

    block = flow.block(flow.start)
    assert isinstance(block, KnowledgeBlock) and block.max_misses == 2
    assert block.on_miss is None and block.next is None  # misses: people (no_match); helped: "anything else?"
    assert block.text == ""  # the opening message is its first question; all it says is in the visitor's language


def test_answers_from_the_knowledge_base_answer_question_after_question_then_hand_off_after_two_misses(
    visitor, shop_answers
):
    chat = Chat(visitor)

    chat.say("When will my order arrive?")  # the message that opens the chat is the first question
    chat.say("Yes, thanks")
    chat.say("Can I pay by card?")
    assert chat.bot_said == [
        "Orders ship within 2 business days.",
        ANSWERED,
        "Glad it helped! Anything else?",
        "Yes, all cards.",
        ANSWERED,
    ]
    assert chat.run.status == BotRun.Status.WAITING
    chat.say(LOYALTY)  # a miss: it says so and waits
    assert chat.run.status == BotRun.Status.WAITING
    chat.say(SOMETHING_ELSE)  # the second miss in a row

    assert (chat.run.status, chat.run.reason) == (BotRun.Status.HANDED_OFF, BotRun.Reason.NO_MATCH)
    assert len(chat.bot_said) == 6  # one miss said, then straight to people: no second offer


def test_answers_from_the_knowledge_base_count_an_unhelpful_answer_as_a_miss(visitor, shop_answers):
    chat = Chat(visitor)

    chat.say("When will my order arrive?")
    chat.say("No")
    chat.say(LOYALTY)

    assert (chat.run.status, chat.run.reason) == (BotRun.Status.HANDED_OFF, BotRun.Reason.NO_MATCH)
    assert chat.bot_said[2:] == [
        "Sorry, I couldn't find an answer to that. Try asking in other words, or talk to a person."
    ]


def test_answers_from_the_knowledge_base_ask_for_an_email_when_nobody_is_in(inbox, visitor, shop_answers):
    WidgetSettings.objects.create(inbox=inbox, availability="presence")  # and no operator is online

    chat = Chat(visitor)
    chat.say(LOYALTY)
    chat.say(SOMETHING_ELSE)

    assert chat.run.reason == BotRun.Reason.NO_MATCH
    assert chat.bot_said[-1] == (
        "Our team is away right now. Leave your email here and we'll answer you there as soon as we're back."
    )


def test_answers_from_the_knowledge_base_close_a_chat_its_visitor_left_once_answered(workspace, visitor, shop_answers):
    chat = Chat(visitor)
    chat.say("When will my order arrive?")
    chat.say("Yes, thanks")

    for quiet_minutes in (10, 30):  # reminded once, then the conversation closed: nobody on the team bothered
        BotRun.objects.filter(pk=chat.run.pk).update(updated_at=timezone.now() - timedelta(minutes=quiet_minutes))
        check = DBTaskResult.objects.filter(task_path="bots.tasks.check_silence").latest("enqueued_at")
        runtime.check_silence(*check.args_kwargs["args"])

    assert (chat.run.status, chat.run.reason) == (BotRun.Status.COMPLETED, BotRun.Reason.SILENT)
    assert chat.conversation.status == Conversation.Status.CLOSED
    report = knowledge_report(workspace)
    assert (report.answered_conversations, report.deflected, report.handed_off) == (1, 1, {})
