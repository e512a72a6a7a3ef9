"""Conditions on the world beyond the conversation: segments, business hours, operators online, the time
where the business is; checked at save, and failing safe when a segment disappears."""

from datetime import UTC, datetime

import pytest
from django.utils import timezone

from bots import runtime
from bots.actions import FlowRejected
from bots.models import Bot, BotRun
from bots.tests.test_blocks import run_bot, said
from contacts import actions as contact_actions
from conversations import actions
from widget.models import WidgetSettings
from workspaces.models import Member

pytestmark = pytest.mark.django_db

ALWAYS_OPEN = {str(day): [["00:00", "24:00"]] for day in range(7)}
WEEKDAYS_9_TO_18 = {str(day): [["09:00", "18:00"]] for day in range(5)}


def branching(*rules: str) -> list[dict]:
    """A condition block whose rules lead to messages saying which rule held; "none" when none did."""
    parsed = []
    for n, line in enumerate(rules):
        field, op, *value = line.split(maxsplit=2)
        parsed.append({"field": field, "op": op, "value": value[0] if value else "", "next": f"r{n}"})
    return [
        {"id": "check", "type": "condition", "rules": parsed, "next": "none"},
        *({"id": f"r{n}", "type": "end", "text": f"rule {n}"} for n in range(len(rules))),
        {"id": "none", "type": "end", "text": "none"},
    ]


def start_afresh(visitor) -> None:
    """A new conversation, with only the next bot on."""
    visitor.conversations.all().delete()
    Bot.objects.update(enabled=False)


@pytest.fixture
def at(monkeypatch):
    """Pretend it is `moment` (UTC)."""

    def travel(moment: datetime) -> None:
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return travel


@pytest.fixture
def vip(member):
    rules = {"match": "all", "conditions": [{"kind": "field", "field": "email", "op": "contains", "value": "@vip."}]}
    return contact_actions.create_segment(member, name="VIP", rules=rules)


def test_a_contact_in_the_segment_takes_its_branch(member, visitor, vip):
    visitor.contact = contact_actions.record_answer(visitor, "email", "ann@vip.example")
    visitor.save()
    assert said(run_bot(member, visitor, branching("segment is_true VIP"))) == ["rule 0"]


def test_an_anonymous_visitor_is_in_no_segment(member, visitor, vip):
    assert said(run_bot(member, visitor, branching("segment is_true VIP", "segment is_false VIP"))) == ["rule 1"]


def test_a_segment_deleted_after_publishing_hands_over_with_the_reason(member, visitor, vip):
    ask = {"id": "wait", "type": "ask", "text": "Ready?", "next": "check"}
    run = run_bot(member, visitor, [ask, *branching("segment is_true VIP")])
    vip.delete()
    actions.send_visitor_message(visitor, text="yes", client_id="v2")
    runtime.hear_visitor(run.conversation_id)
    run.refresh_from_db()
    assert run.status == BotRun.Status.HANDED_OFF and run.reason == BotRun.Reason.FLOW_ERROR


def test_an_unknown_segment_or_a_wrong_operator_is_refused_at_save(member, visitor):
    with pytest.raises(FlowRejected) as rejected:
        run_bot(member, visitor, branching("segment is_true Nobody"))
    assert "Nobody" in rejected.value.errors[0].message
    with pytest.raises(FlowRejected):
        run_bot(member, visitor, branching("business_hours equals yes"))
    with pytest.raises(FlowRejected):
        run_bot(member, visitor, branching("time greater 25:00"))
    with pytest.raises(FlowRejected):
        run_bot(member, visitor, branching("weekday equals someday"))
    with pytest.raises(FlowRejected):
        run_bot(member, visitor, branching("var.x is_true"))


def test_business_hours_follow_the_inbox_schedule(member, visitor, inbox, at):
    at(datetime(2026, 12, 5, 12, 0, tzinfo=UTC))  # a Saturday, 13:00 in Berlin
    WidgetSettings.objects.create(
        inbox=inbox, availability="hours", time_zone="Europe/Berlin", weekly_hours=WEEKDAYS_9_TO_18
    )
    assert said(run_bot(member, visitor, branching("business_hours is_true", "business_hours is_false"))) == ["rule 1"]


def test_within_business_hours(member, visitor, inbox, at):
    at(datetime(2026, 12, 7, 12, 0, tzinfo=UTC))  # a Monday, 13:00 in Berlin
    WidgetSettings.objects.create(
        inbox=inbox, availability="hours", time_zone="Europe/Berlin", weekly_hours=WEEKDAYS_9_TO_18
    )
    assert said(run_bot(member, visitor, branching("business_hours is_true"))) == ["rule 0"]


def test_operators_online(member, visitor):
    assert said(run_bot(member, visitor, branching("operators_online is_true"))) == ["none"]
    Member.objects.filter(pk=member.pk).update(connected=True, availability=Member.Availability.ONLINE)
    start_afresh(visitor)
    assert said(run_bot(member, visitor, branching("operators_online is_true"))) == ["rule 0"]


def test_time_and_weekday_where_the_business_is(member, visitor, inbox, at):
    at(datetime(2026, 12, 5, 19, 30, tzinfo=UTC))  # Saturday 20:30 in Berlin
    WidgetSettings.objects.create(inbox=inbox, time_zone="Europe/Berlin", weekly_hours=ALWAYS_OPEN)
    rules = ("time less 09:00", "weekday equals mon", "time greater 20:00")
    assert said(run_bot(member, visitor, branching(*rules))) == ["rule 2"]
    start_afresh(visitor)
    assert said(run_bot(member, visitor, branching("weekday equals sat"))) == ["rule 0"]


# Nobody available: the away branch, or a hand-over that says when the answer comes


def away(inbox) -> None:
    """The inbox answers only when an operator is online, and nobody is."""
    WidgetSettings.objects.create(inbox=inbox, availability="presence")


HANDOFF_OR_ASK = [
    {"id": "sales", "type": "handoff", "text": "Passing you to sales.", "when_away": "leave_email"},
    {
        "id": "leave_email",
        "type": "ask",
        "kind": "email",
        "text": "We're away: your email?",
        "save_to": "contact.email",
    },
]


def test_a_handoff_while_away_takes_the_away_branch(member, visitor, inbox):
    away(inbox)
    run = run_bot(member, visitor, HANDOFF_OR_ASK)
    assert said(run) == ["We're away: your email?"] and run.status == BotRun.Status.WAITING


def test_with_online_operators_the_handoff_happens(member, visitor, inbox):
    away(inbox)
    Member.objects.filter(pk=member.pk).update(connected=True, availability=Member.Availability.ONLINE)
    run = run_bot(member, visitor, HANDOFF_OR_ASK)
    assert said(run) == ["Passing you to sales."] and run.status == BotRun.Status.HANDED_OFF


def test_a_handover_while_away_tells_the_visitor_when_and_where_the_answer_comes(member, visitor, inbox):
    away(inbox)
    run = run_bot(member, visitor, [{"id": "sales", "type": "handoff", "text": "Passing you to sales."}])
    assert said(run) == [
        "Passing you to sales.",
        "Our team is away right now. Leave your email here and we'll answer you there as soon as we're back.",
    ]
    assert run.status == BotRun.Status.HANDED_OFF


def test_the_away_notice_names_a_known_email(member, visitor, inbox):
    away(inbox)
    visitor.contact = contact_actions.record_answer(visitor, "email", "ann@example.com")
    visitor.save()
    run = run_bot(member, visitor, [{"id": "sales", "type": "handoff"}])
    assert said(run) == [
        "Our team is away right now. We'll answer here as soon as we're back, and by email to ann@example.com."
    ]


def test_a_recorded_event_puts_the_contact_in_the_segments_that_ask_for_it(member, visitor):
    rules = {"match": "all", "conditions": [{"kind": "event", "op": "did", "name": "lead_qualified"}]}
    contact_actions.create_segment(member, name="Qualified leads", rules=rules)
    visitor.contact = contact_actions.record_answer(visitor, "email", "ann@example.com")
    visitor.save()
    blocks = [
        {"id": "mark", "type": "set", "record_events": ["lead_qualified"], "next": "check"},
        *branching("segment is_true Qualified leads"),
    ]
    assert said(run_bot(member, visitor, blocks)) == ["rule 0"]
    assert visitor.events.get().name == "lead_qualified"


def test_an_event_name_with_spaces_is_refused_at_save(member, visitor):
    with pytest.raises(FlowRejected):
        run_bot(member, visitor, [{"id": "mark", "type": "set", "record_events": ["lead qualified"]}])
