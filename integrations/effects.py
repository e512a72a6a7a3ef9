"""What integrations do when events happen: registered in IntegrationsConfig.ready."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from conversations.events import ConversationAssigned, ConversationCreated, MessageCreated, NotificationCreated
from conversations.models import Message
from integrations.models import SlackWebhook
from integrations.notifications import NOTIFY_AFTER
from integrations.tasks import announce_conversation, email_missed_notification, email_unseen_replies
from realtime.effects import on

REPLY_KINDS = (Message.AuthorKind.OPERATOR, Message.AuthorKind.BOT)


@on(MessageCreated)
def check_later_whether_to_email(event: MessageCreated) -> None:
    """A reply to the visitor: look again once they have had time to read it in the widget."""
    if event.private or event.author_kind not in REPLY_KINDS or settings.EMAIL_REPLIES_AFTER_SECONDS <= 0:
        return
    run_after = timezone.now() + timedelta(seconds=settings.EMAIL_REPLIES_AFTER_SECONDS)
    email_unseen_replies.using(run_after=run_after).enqueue(event.conversation_id)


@on(NotificationCreated)
def email_if_still_unread_later(event: NotificationCreated) -> None:
    """An assignment or mention: email it if its operator is away and has not read it a while later."""
    email_missed_notification.using(run_after=timezone.now() + NOTIFY_AFTER).enqueue(event.notification_id)


@on(ConversationCreated)
def tell_slack_of_a_new_conversation(event: ConversationCreated) -> None:
    if SlackWebhook.objects.filter(workspace_id=event.workspace_id).exists():
        announce_conversation.enqueue(event.conversation_id)


@on(ConversationAssigned)
def tell_slack_of_an_assignment(event: ConversationAssigned) -> None:
    if (event.assignee_id or event.team_id) and SlackWebhook.objects.filter(workspace_id=event.workspace_id).exists():
        announce_conversation.enqueue(event.conversation_id, event.assignee_id, event.team_id)
