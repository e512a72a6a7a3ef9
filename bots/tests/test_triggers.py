"""Bots that write first: on a page, on an event the site reports, to a visitor who comes back."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from bots import actions as bot_actions
from bots import runtime
from bots.models import Bot, BotRun
from conversations import actions
from conversations.models import Message
from visitors import actions as visitor_actions
from visitors import ingest
from visitors.activity import PageViewIn, TrackIn
from visitors.models import Visitor
from workspaces import actions as workspace_actions

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tracking_in_test_thread")]

CART = {
    "start": "nudge",
    "blocks": [
        {"id": "nudge", "type": "message", "text": "Still thinking? Here is 5% off: MUG5", "next": "done"},
        {"id": "done", "type": "goal", "name": "Coupon shown"},
    ],
}


def proactive(member, trigger: str, config: dict[str, str | int], *, inboxes=()) -> Bot:
    bot = bot_actions.create_bot(member, name="Cart saver", persona_name="Mia", flow=CART)
    bot_actions.publish(member, bot)
    bot_actions.set_enabled(member, bot, enabled=True)
    return bot_actions.set_trigger(member, bot, trigger=trigger, config=config, inboxes=list(inboxes))


def act(visitor, *events, django_capture_on_commit_callbacks) -> list[tuple[int, int]]:
    """Report activity as the widget does; the bot starts queued (returns their arguments)."""
    DBTaskResult.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        visitor_actions.record_activity(visitor, list(events))
        ingest.flush()
    tasks = DBTaskResult.objects.filter(task_path="bots.tasks.start_proactive_bot")
    return [tuple(t.args_kwargs["args"]) for t in tasks]  # type: ignore[misc]


def event(name: str) -> TrackIn:
    return TrackIn(name, {}, "https://shop.example.com/cart", timezone.now())


def page(url: str) -> PageViewIn:
    return PageViewIn(url, "Page", "", timezone.now())


def test_a_reported_event_starts_the_bot_which_writes_first(member, visitor, django_capture_on_commit_callbacks):
    proactive(member, Bot.Trigger.CUSTOM_EVENT, {"event": "cart_abandoned"})

    assert (
        act(visitor, event("product_viewed"), django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
        == []
    )
    [started] = act(
        visitor, event("cart_abandoned"), django_capture_on_commit_callbacks=django_capture_on_commit_callbacks
    )
    run = runtime.start_proactive_bot(*started)

    assert run is not None and run.goals == ["Coupon shown"]
    conversation = visitor.conversations.get()
    assert list(conversation.messages.values_list("author_kind", "text")) == [
        ("bot", "Still thinking? Here is 5% off: MUG5"),
        ("system", "Cart saver handed the conversation over: The flow ended."),
    ]


def test_once_per_visitor_and_never_into_a_conversation_under_way(member, visitor, inbox):
    bot = proactive(member, Bot.Trigger.CUSTOM_EVENT, {"event": "cart_abandoned"})
    first = runtime.start_proactive_bot(bot.pk, visitor.pk)
    actions.close_conversation(member, visitor.conversations.get())

    assert first is not None
    assert runtime.start_proactive_bot(bot.pk, visitor.pk) is None  # this visitor had it
    chatting = visitor_actions.create_visitor(inbox, user_agent="Test", language="en")
    actions.send_visitor_message(chatting, text="Hi, a question", client_id="c1")
    assert runtime.start_proactive_bot(bot.pk, chatting.pk) is None
    assert not BotRun.objects.filter(conversation__visitor=chatting).exists()


def test_a_page_address_starts_it(member, visitor, django_capture_on_commit_callbacks):
    bot = proactive(member, Bot.Trigger.PAGE_VISITED, {"url_contains": "/pricing"})
    capture = django_capture_on_commit_callbacks

    assert act(visitor, page("https://shop.example.com/"), django_capture_on_commit_callbacks=capture) == []
    assert act(visitor, page("https://shop.example.com/pricing?x=1"), django_capture_on_commit_callbacks=capture) == [
        (bot.pk, visitor.pk)
    ]


def test_a_returning_visitor_starts_it(member, visitor, django_capture_on_commit_callbacks):
    bot = proactive(member, Bot.Trigger.RETURNING_VISITOR, {})
    capture = django_capture_on_commit_callbacks
    assert act(visitor, page("https://shop.example.com/"), django_capture_on_commit_callbacks=capture) == []

    Visitor.objects.filter(pk=visitor.pk).update(last_seen_at=timezone.now() - timedelta(hours=5))
    visitor.refresh_from_db()

    assert act(visitor, page("https://shop.example.com/"), django_capture_on_commit_callbacks=capture) == [
        (bot.pk, visitor.pk)
    ]


def test_a_bot_turned_off_or_for_another_inbox_stays_quiet(
    member, visitor, workspace, django_capture_on_commit_callbacks
):
    elsewhere = workspace_actions.create_inbox(workspace, name="Other", allowed_origins=["https://o.example"])
    bot = proactive(member, Bot.Trigger.CUSTOM_EVENT, {"event": "cart_abandoned"}, inboxes=[elsewhere])
    capture = django_capture_on_commit_callbacks
    assert act(visitor, event("cart_abandoned"), django_capture_on_commit_callbacks=capture) == []

    bot_actions.set_trigger(
        member, bot, trigger=Bot.Trigger.CUSTOM_EVENT, config={"event": "cart_abandoned"}, inboxes=[]
    )
    bot_actions.set_enabled(member, bot, enabled=False)
    assert act(visitor, event("cart_abandoned"), django_capture_on_commit_callbacks=capture) == []


@pytest.mark.parametrize(
    ("trigger", "config", "message"),
    [
        (Bot.Trigger.CUSTOM_EVENT, {"event": ""}, "Name the event"),
        (Bot.Trigger.CUSTOM_EVENT, {"event": "has spaces"}, "Name the event"),
        (Bot.Trigger.PAGE_VISITED, {}, "Say which pages"),
        ("sometimes", {}, "Pick when the bot starts."),
    ],
)
def test_bad_triggers_are_refused_clearly(member, trigger, config, message):
    bot = bot_actions.create_bot(member, name="Cart saver", persona_name="Mia", flow=CART)

    with pytest.raises(Exception, match=message):
        bot_actions.set_trigger(member, bot, trigger=trigger, config=config, inboxes=[])


def test_the_widget_gets_the_bots_first_message_live(member, visitor):
    bot = proactive(member, Bot.Trigger.CUSTOM_EVENT, {"event": "cart_abandoned"})

    runtime.start_proactive_bot(bot.pk, visitor.pk)

    message = Message.objects.get(author_kind="bot")
    assert message.author_name == "Mia" and message.conversation.visitor_id == visitor.pk


def test_after_seconds_on_a_page_it_writes_only_if_the_visitor_stayed(
    member, visitor, django_capture_on_commit_callbacks
):
    bot = proactive(member, Bot.Trigger.PAGE_VISITED, {"url_contains": "/pricing", "after_seconds": "30"})
    capture = django_capture_on_commit_callbacks
    act(visitor, page("https://shop.example.com/pricing"), django_capture_on_commit_callbacks=capture)
    task = DBTaskResult.objects.get(task_path="bots.tasks.start_proactive_bot")
    assert 29 <= (task.run_after - task.enqueued_at).total_seconds() <= 31  # looked at again in 30 seconds

    assert runtime.start_proactive_bot(bot.pk, visitor.pk) is None  # too early: nobody has stayed 30 s yet

    visitor.page_views.update(created_at=timezone.now() - timedelta(seconds=31))
    Visitor.objects.filter(pk=visitor.pk).update(last_seen_at=timezone.now())
    visitor.refresh_from_db()
    assert runtime.start_proactive_bot(bot.pk, visitor.pk) is not None


def test_after_seconds_on_a_page_nothing_is_said_to_a_visitor_who_left(
    member, visitor, django_capture_on_commit_callbacks
):
    bot = proactive(member, Bot.Trigger.PAGE_VISITED, {"url_contains": "/pricing", "after_seconds": "30"})
    capture = django_capture_on_commit_callbacks
    act(visitor, page("https://shop.example.com/pricing"), django_capture_on_commit_callbacks=capture)
    visitor.page_views.update(created_at=timezone.now() - timedelta(seconds=31), duration_seconds=5)  # left it

    assert runtime.start_proactive_bot(bot.pk, visitor.pk) is None
    act(visitor, page("https://shop.example.com/about"), django_capture_on_commit_callbacks=capture)
    visitor.page_views.update(created_at=timezone.now() - timedelta(seconds=31))
    assert runtime.start_proactive_bot(bot.pk, visitor.pk) is None  # on another page now


def test_seconds_on_a_page_must_be_a_sensible_number(member):
    from core.errors import InvalidInput

    for bad in ("-1", "lots", "3601"):
        with pytest.raises(InvalidInput):
            proactive(member, Bot.Trigger.PAGE_VISITED, {"url_contains": "/pricing", "after_seconds": bad})
