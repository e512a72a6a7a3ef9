"""The morning digest lists, once a day, the conversations each operator should answer."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from accounts.models import User
from conversations import actions
from conversations.models import Conversation
from core.tests.fixtures import SITE, make_agent
from integrations.digest import SHOWN, send_daily_digests
from visitors import actions as visitor_actions
from workspaces import actions as workspace_actions
from workspaces.models import Member

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_digest_settings")]
ZONE = ZoneInfo("UTC")
MORNING = datetime(2026, 12, 3, 8, 30, tzinfo=ZONE)


@pytest.fixture
def _digest_settings(settings):
    settings.DIGEST_HOUR = 8
    settings.TIME_ZONE = "UTC"
    settings.PUBLIC_URL = "https://chat.shop.example.com"


def waiting(inbox, text: str) -> Conversation:
    visitor = visitor_actions.create_visitor(inbox, user_agent="Test", language="en")
    return actions.send_visitor_message(visitor, text=text, client_id="d1").message.conversation


def digests_to(address: str) -> list[mail.EmailMessage]:
    return [m for m in mail.outbox if m.to == [address]]


def test_nothing_goes_out_before_the_hour(member, inbox):
    waiting(inbox, "Hello?")

    assert send_daily_digests(MORNING.replace(hour=7, minute=59)) == 0
    assert mail.outbox == []


def test_each_operator_gets_what_is_theirs_to_answer(member, inbox, workspace, other_member):
    agent = make_agent(workspace, "sam@shop.example.com")
    other_inbox = workspace_actions.create_inbox(workspace, name="Wholesale", allowed_origins=["https://b.example"])
    other_inbox.members.remove(agent)
    waiting(inbox, "Is the blue mug in stock?")
    for_agent = waiting(inbox, "Where is my order 1042?")
    actions.assign_conversation(member, for_agent, assignee=agent, team=None)
    for_admin = waiting(inbox, "Can I pay by invoice?")
    actions.assign_conversation(member, for_admin, assignee=member, team=None)
    waiting(other_inbox, "Wholesale prices?")  # the agent does not work this inbox
    answered = waiting(inbox, "Thanks!")
    actions.reply_to_conversation(member, answered, text="You're welcome", client_id=None)
    closed = waiting(inbox, "Bye")
    actions.close_conversation(member, closed)
    snoozed = waiting(inbox, "Back in a week")
    actions.snooze_conversation(member, snoozed, until=timezone.now() + timedelta(days=7))
    rival_inbox = workspace_actions.create_inbox(other_member.workspace, name="Rival", allowed_origins=[SITE])
    waiting(rival_inbox, "Rival question")  # another workspace

    assert send_daily_digests(MORNING) == 3

    [to_agent] = digests_to("sam@shop.example.com")
    assert to_agent.subject == "Shop: 2 conversations are waiting for an answer"
    assert "Is the blue mug in stock?" in to_agent.body and "Where is my order 1042?" in to_agent.body
    assert "Can I pay by invoice?" not in to_agent.body and "Wholesale prices?" not in to_agent.body
    assert f"https://chat.shop.example.com/inbox/c/{for_agent.public_id.hex}/" in to_agent.body
    [to_admin] = digests_to("anna@shop.example.com")
    assert "Can I pay by invoice?" in to_admin.body and "Wholesale prices?" in to_admin.body
    assert "Where is my order 1042?" not in to_admin.body  # someone else's
    assert "Thanks!" not in to_admin.body and "Bye" not in to_admin.body and "Back in a week" not in to_admin.body
    assert "Rival question" not in to_admin.body + to_agent.body
    [to_rival] = digests_to("boris@rival.example.com")
    assert to_rival.subject == "Rival: 1 conversation is waiting for an answer"


def test_once_a_day_and_again_the_next_day(member, inbox):
    waiting(inbox, "Hello?")

    assert send_daily_digests(MORNING) == 1
    assert send_daily_digests(MORNING + timedelta(hours=3)) == 0
    assert send_daily_digests(MORNING + timedelta(days=1)) == 1
    assert len(mail.outbox) == 2


def test_nothing_waiting_sends_nothing_but_counts_as_done(member, inbox):
    assert send_daily_digests(MORNING) == 0
    waiting(inbox, "Hello?")

    assert send_daily_digests(MORNING + timedelta(hours=1)) == 0  # not checked again today
    assert Member.objects.get(pk=member.pk).digest_sent_on == MORNING.date()


def test_an_operator_who_turned_it_off_gets_none(member, inbox):
    workspace_actions.set_notification_preferences(member, desktop=True, sound=True, email=True, digest=False)
    waiting(inbox, "Hello?")

    assert send_daily_digests(MORNING) == 0


def test_an_inactive_user_gets_none(member, inbox):
    User.objects.filter(pk=member.user_id).update(is_active=False)
    waiting(inbox, "Hello?")

    assert send_daily_digests(MORNING) == 0
    assert mail.outbox == []


def test_a_member_another_worker_claimed_today_is_left_alone(member, inbox):
    waiting(inbox, "Hello?")
    Member.objects.filter(pk=member.pk).update(digest_sent_on=MORNING.date())

    assert send_daily_digests(MORNING) == 0
    assert mail.outbox == []


def test_many_waiting_shows_the_oldest_and_counts_the_rest(member, inbox):
    for n in range(SHOWN + 3):
        conversation = waiting(inbox, f"Question number {n}")
        Conversation.objects.filter(pk=conversation.pk).update(waiting_since=MORNING - timedelta(hours=100 - n))

    send_daily_digests(MORNING)

    [digest] = mail.outbox
    assert digest.subject == f"Shop: {SHOWN + 3} conversations are waiting for an answer"
    assert "Question number 0" in digest.body and f"Question number {SHOWN - 1}" in digest.body
    assert f"Question number {SHOWN}" not in digest.body
    assert "And 3 more." in digest.body and "?assignee=unassigned" in digest.body
    assert "waiting 4\xa0days" in digest.body  # timesince keeps numbers with their units


def test_one_failing_address_does_not_stop_the_others(member, inbox, workspace, settings):
    make_agent(workspace, "sam@shop.example.com")
    waiting(inbox, "Hello?")
    settings.EMAIL_BACKEND = "integrations.tests.test_digest.RefusingSam"

    assert send_daily_digests(MORNING) == 1
    assert [m.to for m in mail.outbox] == [["anna@shop.example.com"]]


def test_one_conversation_reads_in_the_singular(member, inbox):
    waiting(inbox, "Hello?")

    send_daily_digests(MORNING)

    assert mail.outbox[0].subject == "Shop: 1 conversation is waiting for an answer"


@override_settings(DIGEST_HOUR=8)
def test_the_hour_is_local_time(member, inbox, settings):
    settings.TIME_ZONE = "Asia/Almaty"  # UTC+5
    waiting(inbox, "Hello?")

    assert send_daily_digests(datetime(2026, 12, 3, 2, 30, tzinfo=ZONE)) == 0  # 7:30 in Almaty
    assert send_daily_digests(datetime(2026, 12, 3, 3, 30, tzinfo=ZONE)) == 1  # 8:30 in Almaty


class RefusingSam:
    """An email backend whose server refuses one recipient."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        from django.core.mail.backends.locmem import EmailBackend

        self.inner = EmailBackend()

    def send_messages(self, messages):  # type: ignore[no-untyped-def]
        if any("sam@shop.example.com" in m.to for m in messages):
            raise ConnectionRefusedError("550 no such user")
        return self.inner.send_messages(messages)
