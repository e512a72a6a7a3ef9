"""Events reach the outside only after their transaction commits."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from conversations import actions, live
from conversations.events import MessageCreated
from conversations.models import Conversation, Message
from core.tests.garbage import left_for_the_collector
from realtime import fanout, pages
from realtime.bus import delivered_together
from realtime.events import ALL_EVENTS
from realtime.groups import conversation_group, inbox_group
from realtime.pages import page_group


@pytest.fixture
def delivered(monkeypatch) -> list[object]:
    seen: list[object] = []
    monkeypatch.setattr(fanout, "deliver", lambda event, subject=None: seen.append(event))
    return seen


def test_events_are_delivered_on_commit(visitor, delivered, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sent = actions.send_visitor_message(visitor, text="Hi", client_id="1")

    names = [type(e).__name__ for e in delivered]
    assert names == ["ConversationCreated", "MessageCreated"]
    assert delivered[1] == MessageCreated(
        visitor.workspace_id, sent.message.conversation_id, visitor.pk, sent.message.pk, "visitor"
    )


def test_a_rolled_back_change_emits_nothing(visitor, delivered, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        actions.send_visitor_message(visitor, text="Hi", client_id="1")
        raise RuntimeError("boom")

    assert delivered == []


def test_a_retry_emits_nothing(visitor, delivered, django_capture_on_commit_callbacks):
    actions.send_visitor_message(visitor, text="Hi", client_id="1")

    with django_capture_on_commit_callbacks(execute=True):
        actions.send_visitor_message(visitor, text="Hi", client_id="1")

    assert delivered == []


def test_every_event_is_in_the_catalogue():
    catalogue = (Path(__file__).resolve().parents[2] / "docs" / "events.md").read_text()

    for event in ALL_EVENTS:
        assert f"`{event.name}`" in catalogue, event.name


@pytest.fixture
def everyone_listens(monkeypatch) -> None:
    """Every visitor has the widget open and every operator group an English page, so every push is built."""
    english = lambda layer, group: not group.endswith(".ru")  # noqa: E731
    monkeypatch.setattr(fanout, "may_have_members", english)
    monkeypatch.setattr(pages, "may_have_members", english)


@pytest.fixture
def published(monkeypatch, everyone_listens) -> list[tuple[fanout.Push, ...]]:
    calls: list[tuple[fanout.Push, ...]] = []
    monkeypatch.setattr(fanout, "_publish", lambda *audiences: calls.append(_flat(audiences)))
    return calls


def test_messages_committed_together_reach_the_inbox_as_one_update(
    member, visitor, published, django_capture_on_commit_callbacks
):
    conversation = actions.send_visitor_message(visitor, text="Hi", client_id="1").message.conversation

    @delivered_together
    def answer_twice() -> None:
        with django_capture_on_commit_callbacks(execute=True):
            actions.reply_to_conversation(member, conversation, text="Shipping takes 5 days.", client_id=None)
            actions.reply_to_conversation(member, conversation, text="Anything else?", client_id=None)
        assert published == []  # held until the function returns

    answer_twice()

    [pushes] = published
    operators = [message["html"] for group, message in pushes if message["type"] == "push.html"]
    assert len(operators) == 2  # one list row, one feed fragment with both
    row, feed = operators
    assert "Anything else?" in row and "Shipping takes" not in row
    assert "Shipping takes 5 days." in feed and "Anything else?" in feed
    widget = [message["payload"]["message"]["text"] for group, message in pushes if message["type"] == "push.json"]
    assert widget == ["Shipping takes 5 days.", "Anything else?"]


def test_other_events_between_messages_keep_their_order(
    member, visitor, monkeypatch, everyone_listens, django_capture_on_commit_callbacks
):
    conversation = actions.send_visitor_message(visitor, text="Hi", client_id="1").message.conversation
    seen: list[str] = []
    monkeypatch.setattr(fanout, "deliver", lambda event, subject=None: seen.append(type(event).__name__))
    monkeypatch.setattr(fanout, "_publish", lambda *audiences: seen.append(_message_texts(_flat(audiences))))

    @delivered_together
    def reply_close_reply() -> None:
        with django_capture_on_commit_callbacks(execute=True):
            actions.reply_to_conversation(member, conversation, text="Done.", client_id=None)
            actions.close_conversation(member, conversation)
        with django_capture_on_commit_callbacks(execute=True):
            actions.reply_to_conversation(member, conversation, text="One more thing.", client_id=None)

    reply_close_reply()

    assert seen == ["Done.", "ConversationClosed", "One more thing."]


def _flat(audiences: tuple[list[fanout.Push], ...]) -> tuple[fanout.Push, ...]:
    return tuple(push for audience in audiences for push in audience)


def _message_texts(pushes: tuple[fanout.Push, ...]) -> str:
    return " ".join(m["payload"]["message"]["text"] for _group, m in pushes if m["type"] == "push.json")


def test_a_new_messages_row_carries_the_conversations_tags(visitor, published, django_capture_on_commit_callbacks):
    conversation = actions.send_visitor_message(visitor, text="Hi", client_id="1").message.conversation
    actions.tag_conversation_by_bot(conversation, ["wholesale", "billing"])

    with django_capture_on_commit_callbacks(execute=True):
        actions.send_visitor_message(visitor, text="About my order", client_id="2")

    [pushes] = published
    row = next(message["html"] for group, message in pushes if group.startswith("inbox"))
    assert "About my order" in row
    assert row.index(">billing<") < row.index(">wholesale<")  # in name order, as the list shows them


@pytest.fixture
def rendered(monkeypatch) -> list[str]:
    """Which fragments fan-out renders."""
    names: list[str] = []

    def counted(name: str) -> Callable[..., str]:
        render = getattr(live, name)

        def counting(*args: Any, **kwargs: Any) -> str:
            names.append(name)
            return render(*args, **kwargs)

        return counting

    for name in ("row_html", "feed_html"):
        monkeypatch.setattr(live, name, counted(name))
    return names


@pytest.fixture
def open_pages():
    """Join channel-layer groups as open pages do; leave them afterwards."""
    layer, joined = get_channel_layer(), []

    def join(group: str) -> None:
        async_to_sync(layer.group_add)(group, f"page!{len(joined)}")
        joined.append(group)

    yield join
    for n, group in enumerate(joined):
        async_to_sync(layer.group_discard)(group, f"page!{n}")


def test_a_message_nobody_listens_for_renders_nothing(visitor, rendered, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        actions.send_visitor_message(visitor, text="Anyone there?", client_id="1")

    assert rendered == []


def test_a_message_renders_only_what_open_pages_show(
    member, visitor, rendered, open_pages, django_capture_on_commit_callbacks
):
    conversation = actions.send_visitor_message(visitor, text="Hi", client_id="1").message.conversation
    open_pages(page_group(inbox_group(conversation.inbox.public_id), "en"))  # an inbox page, this conversation not open

    with django_capture_on_commit_callbacks(execute=True):
        actions.send_visitor_message(visitor, text="Still there?", client_id="2")
    assert rendered == ["row_html"]

    open_pages(page_group(conversation_group(conversation.public_id), "en"))  # now open on a page
    with django_capture_on_commit_callbacks(execute=True):
        actions.send_visitor_message(visitor, text="Hello?", client_id="3")
    assert rendered == ["row_html", "row_html", "feed_html"]


def test_a_delivered_message_is_freed_without_the_garbage_collector(transactional_db, visitor, everyone_listens):
    # Committed for real (no test transaction holds the on-commit callbacks and their message)
    actions.send_visitor_message(visitor, text="Hi", client_id="1")

    def another() -> None:
        actions.send_visitor_message(visitor, text="Anyone there?", client_id="2")

    assert left_for_the_collector(another, (Conversation, Message)) == []


def test_a_message_asks_once_which_languages_pages_read(
    visitor, monkeypatch, published, django_capture_on_commit_callbacks
):
    asked: list[object] = []

    def languages_read(layer: object) -> list[str]:  # over Redis, a round trip
        asked.append(layer)
        return ["en"]

    monkeypatch.setattr(fanout, "languages_read", languages_read)
    monkeypatch.setattr(pages, "languages_read", languages_read)

    with django_capture_on_commit_callbacks(execute=True):
        actions.send_visitor_message(visitor, text="Hi", client_id="1")

    [pushes] = published
    assert sorted(group.split(".")[0] for group, _message in pushes) == ["conversation", "inbox", "visitor"]
    assert len(asked) == 1
