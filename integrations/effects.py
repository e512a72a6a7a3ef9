"""What integrations do when events happen: registered in IntegrationsConfig.ready."""

from django.utils import timezone

from conversations.events import ConversationAssigned, ConversationCreated, MessageCreated, NotificationCreated
from conversations.models import Message
from integrations import continuity
from integrations.models import SlackWebhook
from integrations.notifications import NOTIFY_AFTER
from integrations.tasks import announce_conversation, email_missed_notification
from realtime.effects import on

REPLY_KINDS = (Message.AuthorKind.OPERATOR, Message.AuthorKind.BOT)


@on(MessageCreated)
def email_the_reply(event: MessageCreated) -> None:
    if not event.private and event.author_kind in REPLY_KINDS:
        continuity.check_replies_soon(event.conversation_id)


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
