"""A bot talks in a conversation: it asks, checks and remembers answers, branches, hands over to people with
a reason, never loops, stops when an operator writes, and continues after a restart."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from bots import actions as bot_actions
from bots import answers, queries, runtime
from bots.models import Bot, BotRun
from contacts import actions as contact_actions
from contacts.models import AttributeDefinition
from conversations import actions
from conversations.models import Conversation, Message
from visitors.models import Visitor
from workspaces import actions as workspace_actions

pytestmark = pytest.mark.django_db

LEAD_FLOW = {
    "start": "hello",
    "blocks": [
        {
            "id": "hello",
            "type": "message",
            "text": "Hi! I am Mia. Two quick questions and you are with sales.",
            "next": "name",
        },
        {
            "id": "name",
            "type": "ask",
            "text": "Your name?",
            "save_to": "contact.name",
            "skip_if_known": True,
            "next": "email",
        },
        {
            "id": "email",
            "type": "ask",
            "kind": "email",
            "text": "Your work email, {{contact.name}}?",
            "save_to": "contact.email",
            "skip_if_known": True,
            "retry_text": "Hmm, that email does not look right. Try again?",
            "next": "size",
        },
        {
            "id": "size",
            "type": "ask",
            "kind": "choice",
            "text": "How many people work with you?",
            "choices": [{"label": "1-10", "next": "small"}, {"label": "11-200"}, {"label": "200+"}],
            "save_to": "contact.employees",
            "next": "lead",
        },
        {"id": "small", "type": "set", "assign": [{"target": "var.segment", "value": "small"}], "next": "lead"},
        {"id": "lead", "type": "goal", "name": "Lead collected", "next": "sales"},
        {"id": "sales", "type": "handoff", "text": "Thanks {{contact.name}}! Sales will answer here shortly."},
    ],
}


@pytest.fixture
def bot(member) -> Bot:
    AttributeDefinition.objects.create(workspace=member.workspace, key="employees", label="Employees", type="text")
    bot = bot_actions.create_bot(member, name="Lead bot", persona_name="Mia", flow=LEAD_FLOW)
    bot_actions.publish(member, bot)
    return bot_actions.set_enabled(member, bot, enabled=True)


def visitor_says(visitor, text: str, n: list[int] = [0]) -> BotRun | None:  # noqa: B006 - a counter for client ids
    n[0] += 1
    sent = actions.send_visitor_message(visitor, text=text, client_id=f"v{n[0]}-{text[:20]}")
    conversation = sent.message.conversation
    if not conversation.bot_runs.exists():
        return runtime.start_bot(conversation.pk)
    return runtime.hear_visitor(conversation.pk)


def bot_lines(visitor) -> list[str]:
    conversation = visitor.conversations.get()
    return list(conversation.messages.filter(author_kind=Message.AuthorKind.BOT).values_list("text", flat=True))


def run_of(visitor) -> BotRun:
    return BotRun.objects.get(conversation__visitor=visitor)


def test_the_lead_bot_collects_the_lead_and_hands_it_to_people(bot, visitor):
    visitor_says(visitor, "Hello, I want a quote")
    assert bot_lines(visitor) == ["Hi! I am Mia. Two quick questions and you are with sales.", "Your name?"]

    visitor_says(visitor, "Dana Frost")
    visitor_says(visitor, "dana@frost.example")
    visitor_says(visitor, "2")  # the second choice, typed as its number

    run = run_of(visitor)
    contact = Visitor.objects.get(pk=visitor.pk).contact
    assert (contact.name, contact.email, contact.attributes["employees"]) == (
        "Dana Frost",
        "dana@frost.example",
        "11-200",
    )
    assert run.status == BotRun.Status.HANDED_OFF and run.reason == BotRun.Reason.FLOW_HANDOFF
    assert run.goals == ["Lead collected"]
    assert bot_lines(visitor)[-3:] == [
        "Your work email, Dana Frost?",
        "How many people work with you?",
        "Thanks Dana Frost! Sales will answer here shortly.",
    ]
    bot_message = visitor.conversations.get().messages.filter(author_kind="bot").last()
    assert bot_message.author_name == "Mia"
    question = visitor.conversations.get().messages.get(text="How many people work with you?")
    assert question.rich == {"quick_replies": ["1-10", "11-200", "200+", "Talk to a person"]}
    note = visitor.conversations.get().messages.filter(author_kind="system", private=True).last()
    assert "Lead bot handed the conversation over: The flow handed over." in note.text


def test_what_is_known_is_not_asked_again(bot, visitor):
    contact_actions.identify_visitor(visitor, traits={"name": "Dana", "email": "dana@frost.example"}, signature=None)

    visitor_says(visitor, "Hi")

    assert bot_lines(visitor) == [
        "Hi! I am Mia. Two quick questions and you are with sales.",
        "How many people work with you?",
    ]


def test_a_choice_branches_and_sets_a_variable(bot, visitor):
    contact_actions.identify_visitor(visitor, traits={"name": "Dana", "email": "dana@frost.example"}, signature=None)
    visitor_says(visitor, "Hi")

    visitor_says(visitor, "1-10")

    run = run_of(visitor)
    assert run.variables == {"segment": "small"} and run.status == BotRun.Status.HANDED_OFF


def test_a_wrong_answer_is_asked_again_then_handed_to_a_person_never_looping(bot, visitor):
    contact_actions.identify_visitor(visitor, traits={"name": "Dana"}, signature=None)
    visitor_says(visitor, "Hi")

    visitor_says(visitor, "no email for you")
    visitor_says(visitor, "still no")
    assert run_of(visitor).status == BotRun.Status.WAITING
    visitor_says(visitor, "nope")

    run = run_of(visitor)
    assert run.status == BotRun.Status.HANDED_OFF and run.reason == BotRun.Reason.VALIDATION_FAILED
    assert bot_lines(visitor).count("Hmm, that email does not look right. Try again?") == 2
    visitor_says(visitor, "anyone there?")
    assert len(bot_lines(visitor)) == 4  # the bot said nothing more


@pytest.mark.parametrize(
    "text", ["I want to talk to a human", "Позовите оператора, пожалуйста", "¿Puedo hablar con un humano?", "人工客服"]
)
def test_asking_for_a_person_in_any_language_hands_over_at_once(bot, visitor, text):
    visitor_says(visitor, "Hi")

    visitor_says(visitor, text)

    run = run_of(visitor)
    assert run.status == BotRun.Status.HANDED_OFF and run.reason == BotRun.Reason.VISITOR_ASKED


def test_an_operator_who_writes_stops_the_bot_at_once(bot, visitor, member):
    visitor_says(visitor, "Hi")
    conversation = visitor.conversations.get()

    actions.reply_to_conversation(member, conversation, text="Hi, Anna here, I'll help you.", client_id=None)
    runtime.operator_took_over(conversation.pk)
    visitor_says(visitor, "Dana")

    run = run_of(visitor)
    assert run.status == BotRun.Status.STOPPED and run.reason == BotRun.Reason.OPERATOR_TOOK_OVER
    assert bot_lines(visitor) == ["Hi! I am Mia. Two quick questions and you are with sales.", "Your name?"]


def test_an_answer_heard_before_the_takeover_task_still_stops_the_bot(bot, visitor, member):
    visitor_says(visitor, "Hi")
    actions.reply_to_conversation(member, visitor.conversations.get(), text="Anna here.", client_id=None)

    visitor_says(visitor, "Dana")  # its task runs before the operator's

    assert run_of(visitor).status == BotRun.Status.STOPPED
    assert len(bot_lines(visitor)) == 2


def test_no_bot_starts_where_an_operator_wrote_first_or_when_none_is_on(bot, member, visitor, inbox):
    conversation = actions.start_conversation(member, visitor, text="Can I help?", client_id=None).message.conversation
    actions.send_visitor_message(visitor, text="Yes", client_id="x")
    assert runtime.start_bot(conversation.pk) is None

    bot_actions.set_enabled(member, bot, enabled=False)
    from visitors import actions as visitor_actions

    other = visitor_actions.create_visitor(inbox, user_agent="Test", language="en")
    started = actions.send_visitor_message(other, text="Hi", client_id="y").message.conversation
    assert runtime.start_bot(started.pk) is None


def test_a_bot_limited_to_another_inbox_stays_out(bot, member, visitor, workspace):
    elsewhere = workspace_actions.create_inbox(workspace, name="Other site", allowed_origins=["https://x.example"])
    bot.inboxes.set([elsewhere])

    assert visitor_says(visitor, "Hi") is None


def test_live_conversations_keep_the_version_they_started_with(bot, member, visitor):
    visitor_says(visitor, "Hi")
    changed = {
        **LEAD_FLOW,
        "blocks": [{**b, "text": "Name please?"} if b["id"] == "name" else b for b in LEAD_FLOW["blocks"]],
    }
    bot_actions.save_draft(member, bot, changed)
    bot_actions.publish(member, bot)

    visitor_says(visitor, "Dana")

    assert run_of(visitor).version.number == 1
    assert "Your work email, Dana?" in bot_lines(visitor)


def test_a_restart_mid_flow_continues_where_it_stopped(bot, visitor):
    visitor_says(visitor, "Hi")
    queries._flows.clear()  # a new process: nothing of the run is in memory

    visitor_says(visitor, "Dana")

    assert bot_lines(visitor)[-1] == "Your work email, Dana?"


def test_a_retried_step_sends_nothing_twice(bot, visitor):
    visitor_says(visitor, "Hi")
    run = run_of(visitor)
    BotRun.objects.filter(pk=run.pk).update(status=BotRun.Status.RUNNING, block="hello", steps=0)

    runtime.hear_visitor(run.conversation_id)  # nothing new from the visitor: the run is only saved
    run.refresh_from_db()
    runtime._advance(runtime.Turn(run, Conversation.objects.get(pk=run.conversation_id), runtime.flow_of(run.version)))

    assert bot_lines(visitor).count("Your name?") == 1


def test_a_team_deleted_after_publishing_fails_safe(member, visitor):
    sales = workspace_actions.create_team(member, name="Sales")
    flow = {
        "start": "a",
        "blocks": [{"id": "a", "type": "handoff", "team": sales.public_id.hex, "text": "One moment."}],
    }
    bot = bot_actions.create_bot(member, name="Router", persona_name="Mia", flow=flow)
    bot_actions.publish(member, bot)
    bot_actions.set_enabled(member, bot, enabled=True)
    sales.delete()

    visitor_says(visitor, "Hi")

    run = run_of(visitor)
    assert run.status == BotRun.Status.HANDED_OFF and run.reason == BotRun.Reason.FLOW_ERROR
    note = visitor.conversations.get().messages.filter(author_kind="system").last()
    assert "gone" in note.text


def test_a_hand_off_to_a_team_assigns_it(member, visitor):
    sales = workspace_actions.create_team(member, name="Sales")
    flow = {"start": "a", "blocks": [{"id": "a", "type": "handoff", "team": sales.public_id.hex}]}
    bot = bot_actions.create_bot(member, name="Router", persona_name="Mia", flow=flow)
    bot_actions.publish(member, bot)
    bot_actions.set_enabled(member, bot, enabled=True)

    visitor_says(visitor, "Hi")

    assert visitor.conversations.get().team == sales


def test_an_end_block_may_close_the_conversation(member, visitor):
    flow = {"start": "a", "blocks": [{"id": "a", "type": "end", "text": "Bye!", "close": True}]}
    bot = bot_actions.create_bot(member, name="Closer", persona_name="Mia", flow=flow)
    bot_actions.publish(member, bot)
    bot_actions.set_enabled(member, bot, enabled=True)

    visitor_says(visitor, "Hi")

    assert visitor.conversations.get().status == Conversation.Status.CLOSED
    assert run_of(visitor).status == BotRun.Status.COMPLETED


def test_conditions_branch_on_language_and_attributes(member, visitor):
    flow = {
        "start": "c",
        "blocks": [
            {
                "id": "c",
                "type": "condition",
                "rules": [
                    {"field": "language", "op": "equals", "value": "ru", "next": "ru"},
                    {"field": "contact.email", "op": "contains", "value": "@corp.", "next": "corp"},
                ],
                "next": "other",
            },
            {"id": "ru", "type": "end", "text": "Привет!"},
            {"id": "corp", "type": "end", "text": "Hello, corporate friend."},
            {"id": "other", "type": "end", "text": "Hello!"},
        ],
    }
    bot = bot_actions.create_bot(member, name="Greeter", persona_name="Mia", flow=flow)
    bot_actions.publish(member, bot)
    bot_actions.set_enabled(member, bot, enabled=True)
    contact_actions.identify_visitor(visitor, traits={"email": "dana@corp.example"}, signature=None)

    visitor_says(visitor, "Hi")

    assert bot_lines(visitor) == ["Hello, corporate friend."]


def test_events_queue_the_bots_turns(bot, visitor, member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sent = actions.send_visitor_message(visitor, text="Hi", client_id="e1")
    runtime.start_bot(sent.message.conversation_id)
    with django_capture_on_commit_callbacks(execute=True):
        actions.send_visitor_message(visitor, text="Dana", client_id="e2")
        actions.reply_to_conversation(member, sent.message.conversation, text="Hello", client_id=None)

    paths = list(DBTaskResult.objects.order_by("enqueued_at").values_list("task_path", flat=True))
    assert [p for p in paths if p.startswith("bots.")] == [
        "bots.tasks.start_bot",
        "bots.tasks.check_silence",  # the bot asked a question
        "bots.tasks.hear_visitor",
        "bots.tasks.operator_took_over",
    ]


def test_email_conversations_get_numbered_options_instead_of_buttons(bot, member, settings):
    from integrations import actions as integration_actions
    from integrations import mailroom
    from integrations.inbound import parse_email

    settings.INBOUND_EMAIL_DOMAIN = "in.parley.example"
    integration_actions.create_email_inbox(member, name="Support", address="support@shop.example.com")
    raw = b"From: Dana <dana@frost.example>\r\nTo: support@shop.example.com\r\nSubject: Hi\r\n\r\nHello\r\n"
    conversation_id = mailroom.receive(parse_email(raw)).conversation_id

    runtime.start_bot(conversation_id)

    question = Message.objects.filter(conversation_id=conversation_id, author_kind="bot").last()
    assert question.text == "How many people work with you?\n\n1. 1-10\n2. 11-200\n3. 200+"
    assert question.rich == {}


# Silence


def silence_check(run: BotRun) -> tuple[int]:
    task = DBTaskResult.objects.filter(task_path="bots.tasks.check_silence").latest("enqueued_at")
    return tuple(task.args_kwargs["args"])  # type: ignore[return-value]


def quiet_for(run: BotRun, minutes: int) -> None:
    """The visitor has said nothing for `minutes` since the run last changed."""
    BotRun.objects.filter(pk=run.pk).update(updated_at=timezone.now() - timedelta(minutes=minutes))


def test_a_silent_visitor_is_reminded_once_then_handed_to_people(bot, visitor):
    visitor_says(visitor, "Hi")
    run = run_of(visitor)
    first = DBTaskResult.objects.get(task_path="bots.tasks.check_silence")
    assert 9 * 60 < (first.run_after - run.updated_at).total_seconds() < 10 * 60 + 1

    quiet_for(run, 10)
    runtime.check_silence(*silence_check(run))
    assert bot_lines(visitor)[-1] == "Are you still there? Just answer here when you are ready."
    quiet_for(run, 30)
    runtime.check_silence(*silence_check(run))

    run.refresh_from_db()
    assert run.status == BotRun.Status.HANDED_OFF and run.reason == BotRun.Reason.SILENT
    assert bot_lines(visitor).count("Are you still there? Just answer here when you are ready.") == 1


def test_questions_while_a_check_is_pending_leave_no_other(bot, visitor):
    visitor_says(visitor, "Hi")
    visitor_says(visitor, "Dana")  # and the bot asks the next question

    assert DBTaskResult.objects.filter(task_path="bots.tasks.check_silence").count() == 1


def test_an_answer_in_time_moves_the_silence_check_to_the_new_question(bot, visitor):
    visitor_says(visitor, "Hi")
    pending = silence_check(run_of(visitor))
    quiet_for(run_of(visitor), 8)
    visitor_says(visitor, "Dana")  # two minutes before the check: the bot asks the next question

    assert runtime.check_silence(*pending) is None  # nothing said: the visitor answered
    run = run_of(visitor)
    assert run.status == BotRun.Status.WAITING
    moved = DBTaskResult.objects.filter(task_path="bots.tasks.check_silence").latest("enqueued_at")
    assert moved.run_after == run.silence_check_at == run.updated_at + timedelta(minutes=10)
    assert bot_lines(visitor)[-1] != "Are you still there? Just answer here when you are ready."


def test_a_bot_may_close_a_silent_conversation_instead(bot, visitor):
    Bot.objects.filter(pk=bot.pk).update(close_when_silent=True, remind_after_minutes=0)
    visitor_says(visitor, "Hi")

    quiet_for(run_of(visitor), 30)
    runtime.check_silence(*silence_check(run_of(visitor)))

    assert visitor.conversations.get().status == Conversation.Status.CLOSED
    assert run_of(visitor).reason == BotRun.Reason.SILENT


# Abuse


CALM = "I am here to help, and I will do my best. Let's keep it friendly, please."


def test_a_rude_message_gets_a_calm_answer_and_repeats_go_to_people(bot, visitor):
    visitor_says(visitor, "Hi")

    visitor_says(visitor, "you stupid idiot")
    assert bot_lines(visitor)[-1] == CALM and run_of(visitor).status == BotRun.Status.WAITING
    visitor_says(visitor, "ты дурак")

    run = run_of(visitor)
    assert run.status == BotRun.Status.HANDED_OFF and run.reason == BotRun.Reason.ABUSE
    assert bot_lines(visitor).count(CALM) == 1


def test_the_business_adds_its_own_words_for_any_language(bot, visitor):
    Bot.objects.filter(pk=bot.pk).update(blocked_words=["muunuud", "go away"], abuse_limit=1)
    visitor_says(visitor, "Hi")

    visitor_says(visitor, "Та нар MUUNUUD шүү")

    assert run_of(visitor).reason == BotRun.Reason.ABUSE


def test_ordinary_answers_are_not_abuse(bot, visitor):
    visitor_says(visitor, "Hi")

    visitor_says(visitor, "Dana Scunthorpe")

    assert run_of(visitor).status == BotRun.Status.WAITING and run_of(visitor).abuse_count == 0


# Operators in charge


def test_an_operator_takes_over_and_hands_back_from_the_header(bot, visitor, operator_client):
    visitor_says(visitor, "Hi")
    conversation = visitor.conversations.get()
    cid = conversation.public_id.hex
    page = operator_client.get(f"/inbox/c/{cid}/").content.decode()
    assert "Lead bot is answering" in page and "Take over" in page

    header = operator_client.post(f"/inbox/c/{cid}/bot/take-over/").content.decode()
    assert run_of(visitor).reason == BotRun.Reason.OPERATOR_TOOK_OVER
    assert "Hand back to Lead bot" in header
    visitor_says(visitor, "I am Dana")  # said to the operator: not the bot's business
    assert len(bot_lines(visitor)) == 2

    header = operator_client.post(f"/inbox/c/{cid}/bot/hand-back/").content.decode()

    assert "Lead bot is answering" in header
    assert run_of(visitor).status == BotRun.Status.WAITING
    assert bot_lines(visitor)[-1] == "Your name?"  # asked again
    visitor_says(visitor, "Dana")
    assert bot_lines(visitor)[-1] == "Your work email, Dana?"
    note = conversation.messages.filter(author_kind="system", text__contains="handed the conversation back")
    assert note.exists()


def test_what_the_operator_wrote_before_handing_back_does_not_stop_the_bot(bot, visitor, member):
    visitor_says(visitor, "Hi")
    conversation = visitor.conversations.get()
    actions.reply_to_conversation(member, conversation, text="Let me check that for you.", client_id=None)
    runtime.operator_took_over(conversation.pk)

    runtime.hand_back(member, conversation)
    visitor_says(visitor, "Dana")

    assert run_of(visitor).status == BotRun.Status.WAITING
    assert bot_lines(visitor)[-1] == "Your work email, Dana?"


def test_nothing_to_hand_back_is_a_clear_conflict(bot, visitor, operator_client):
    visitor_says(visitor, "Hi")
    cid = visitor.conversations.get().public_id.hex

    running = operator_client.post(f"/inbox/c/{cid}/bot/hand-back/")
    assert running.status_code == 409 and "already answering" in running.content.decode()


def test_another_workspace_cannot_touch_the_bot(bot, visitor, other_member):
    from django.test import Client

    visitor_says(visitor, "Hi")
    client = Client()
    client.force_login(other_member.user)

    response = client.post(f"/inbox/c/{visitor.conversations.get().public_id.hex}/bot/take-over/")

    assert response.status_code == 404 and run_of(visitor).is_active


@pytest.mark.parametrize("language", sorted(answers.PERSON_BUTTON))
def test_every_question_offers_a_person_in_the_visitors_language_and_the_button_works(bot, visitor, language):
    visitor.language = language
    visitor.save()
    visitor_says(visitor, "Hello")
    question = visitor.conversations.get().messages.filter(author_kind="bot").last()
    button = answers.PERSON_BUTTON[language]
    assert question.rich["quick_replies"][-1] == button

    run = visitor_says(visitor, button)

    assert run.status == BotRun.Status.HANDED_OFF and run.reason == BotRun.Reason.VISITOR_ASKED
