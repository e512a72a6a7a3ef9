"""Events reach the outside only after their transaction commits."""

from pathlib import Path

import pytest
from django.db import transaction

from conversations import actions
from conversations.events import MessageCreated
from realtime import fanout
from realtime.events import ALL_EVENTS


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
