"""What integrations do when events happen: registered in IntegrationsConfig.ready."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from conversations.events import ConversationAssigned, ConversationCreated, MessageCreated, NotificationCreated
from conversations.models import Conversation, Message
from integrations.models import SlackWebhook
from integrations.notifications import NOTIFY_AFTER
from integrations.tasks import announce_conversation, email_missed_notification, email_unseen_replies
from realtime.effects import on
from workspaces.models import Inbox

REPLY_KINDS = (Message.AuthorKind.OPERATOR, Message.AuthorKind.BOT)


@on(MessageCreated)
def email_the_reply(event: MessageCreated) -> None:
    """A reply to the visitor: in an email inbox it goes out now; from the web widget, look again once they
    have had time to read it there."""
    if event.private or event.author_kind not in REPLY_KINDS:
        return
    if Conversation.objects.filter(pk=event.conversation_id, inbox__channel=Inbox.Channel.EMAIL).exists():
        email_unseen_replies.enqueue(event.conversation_id)
    elif settings.EMAIL_REPLIES_AFTER_SECONDS > 0:
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
