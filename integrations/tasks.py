"""Background work of integrations (the Django Tasks API)."""

from django_tasks import task

from conversations.models import Conversation
from integrations import notifications
from workspaces.models import Member, Team


@task()
def email_unseen_replies(conversation_id: int) -> None:
    from integrations import continuity  # it enqueues these tasks

    continuity.email_unseen_replies(conversation_id)


@task()
def deliver_email(outbound_id: int) -> None:
    from integrations import continuity

    continuity.deliver(outbound_id)


@task()
def email_missed_notification(notification_id: int) -> None:
    notifications.email_missed_notification(notification_id)


@task()
def post_to_slack(workspace_id: int, text: str, attempt: int = 1) -> None:
    from integrations import slack  # it enqueues this task

    slack.post(workspace_id, text, attempt)


@task()
def announce_conversation(conversation_id: int, assignee_id: int | None = None, team_id: int | None = None) -> None:
    from integrations import slack

    conversation = Conversation.objects.select_related("visitor__contact").get(pk=conversation_id)
    assignee = Member.objects.filter(pk=assignee_id).first() if assignee_id else None
    team = Team.objects.filter(pk=team_id).first() if team_id else None
    slack.post(conversation.workspace_id, slack.slack_text(conversation, assignee=assignee, team=team))
