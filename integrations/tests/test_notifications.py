"""Operators get an email for an assignment or a mention they missed while away, and only then."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from conversations import actions
from conversations.models import Notification
from integrations.notifications import email_missed_notification
from workspaces import actions as workspace_actions
from workspaces.models import Member


@pytest.fixture(autouse=True)
def _public_url(settings):
    settings.PUBLIC_URL = "https://chat.shop.example.com"


@pytest.fixture
def conversation(visitor):
    return actions.send_visitor_message(visitor, text="Where is my order?", client_id="v1").message.conversation


def away(member: Member) -> None:
    Member.objects.filter(pk=member.pk).update(connected=False)


def online(member: Member) -> None:
    Member.objects.filter(pk=member.pk).update(connected=True, availability=Member.Availability.ONLINE)


def test_a_mention_missed_while_away_is_emailed_with_the_note_and_a_link(member, agent, conversation):
    away(agent)
    actions.add_note(member, conversation, text="@Carl can you check the courier?", client_id=None)
    notification = Notification.objects.get(recipient=agent)

    assert email_missed_notification(notification.pk) is True

    [email] = mail.outbox
    assert email.to == [agent.user.email]
    assert email.subject == "Anna mentioned you in the conversation with " + conversation.visitor.display_name
    assert "@Carl can you check the courier?" in email.body
    assert f"https://chat.shop.example.com/inbox/c/{conversation.public_id.hex}/" in email.body


def test_an_assignment_is_emailed_to_an_operator_who_is_away(member, agent, conversation):
    away(agent)
    actions.assign_conversation(member, conversation, assignee=agent, team=None)

    assert email_missed_notification(Notification.objects.get(recipient=agent).pk) is True
    assert mail.outbox[0].subject.startswith("Anna assigned you the conversation with")


def test_no_email_when_online_already_read_or_turned_off(member, agent, conversation):
    actions.assign_conversation(member, conversation, assignee=agent, team=None)
    notification = Notification.objects.get(recipient=agent)

    online(agent)
    assert email_missed_notification(notification.pk) is False

    away(agent)
    workspace_actions.set_notification_preferences(agent, desktop=True, sound=True, email=False, digest=True)
    assert email_missed_notification(notification.pk) is False

    workspace_actions.set_notification_preferences(agent, desktop=True, sound=True, email=True, digest=True)
    actions.mark_notifications_read(agent)
    assert email_missed_notification(notification.pk) is False
    assert mail.outbox == []


def test_a_notification_schedules_the_check_a_little_later(
    member, agent, conversation, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        actions.assign_conversation(member, conversation, assignee=agent, team=None)

    task = DBTaskResult.objects.get(task_path="integrations.tasks.email_missed_notification")
    assert task.args_kwargs["args"] == [Notification.objects.get().pk]
    assert timedelta(seconds=100) < task.run_after - timezone.now() <= timedelta(minutes=2)


def test_the_profile_page_switches_the_emails_off(agent, django_user_model):
    from django.test import Client

    client = Client()
    client.force_login(agent.user)

    client.post("/settings/profile/notifications/", {"notify_desktop": "on", "notify_sound": "on"})

    assert Member.objects.get(pk=agent.pk).notify_email is False
