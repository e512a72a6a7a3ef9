"""Presence: online while a tab sends heartbeats and the operator has not set themselves away."""

from datetime import timedelta

import pytest
from django.utils import timezone

from workspaces import actions
from workspaces.events import MemberPresenceChanged
from workspaces.models import Member


@pytest.fixture
def announced(monkeypatch) -> list[MemberPresenceChanged]:
    seen: list[MemberPresenceChanged] = []
    monkeypatch.setattr(actions, "emit", lambda event, subject=None: seen.append(event))
    return seen


def test_a_first_heartbeat_announces_the_operator_online_once(member, announced):
    actions.record_heartbeat(member)
    actions.record_heartbeat(member)

    assert [e.presence for e in announced] == ["online"]
    assert Member.objects.get(pk=member.pk).presence == "online"


def test_an_operator_who_sets_themselves_away_shows_away_with_a_tab_open(member, announced):
    actions.record_heartbeat(member)

    actions.set_availability(member, "away")
    actions.record_heartbeat(member)

    assert [e.presence for e in announced] == ["online", "away"]


def test_tabs_that_went_quiet_are_swept_away_and_recent_ones_stay(member, agent, announced):
    actions.record_heartbeat(member)
    actions.record_heartbeat(agent)
    Member.objects.filter(pk=member.pk).update(last_active_at=timezone.now() - timedelta(seconds=76))

    assert actions.sweep_presence() == 1

    assert [(e.member_id, e.presence) for e in announced[2:]] == [(member.pk, "away")]
    assert Member.objects.get(pk=agent.pk).presence == "online"


def test_sweeping_someone_already_away_announces_nothing(member, announced):
    actions.record_heartbeat(member)
    actions.set_availability(member, "away")
    Member.objects.filter(pk=member.pk).update(last_active_at=timezone.now() - timedelta(minutes=5))

    actions.sweep_presence()

    assert [e.presence for e in announced] == ["online", "away"]
    assert not Member.objects.get(pk=member.pk).connected


def test_an_unknown_availability_is_refused(member):
    from core.errors import InvalidInput

    with pytest.raises(InvalidInput):
        actions.set_availability(member, "asleep")
