"""Operators hear by email of what they missed while away: a conversation handed to them, a mention.

The check waits NOTIFY_AFTER: an operator who is online, or reads the notification in the inbox meanwhile,
gets no email.
"""

from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse

from conversations.models import Notification
from workspaces.models import Member

NOTIFY_AFTER = timedelta(minutes=2)


def email_missed_notification(notification_id: int) -> bool:
    """Send the email when it is still unread and its operator away and willing; whether it was sent."""
    notification = (
        Notification.objects.select_related("recipient__user", "actor", "conversation__visitor", "message")
        .filter(pk=notification_id, read_at=None)
        .first()
    )
    if notification is None:
        return False
    recipient = notification.recipient
    if not recipient.notify_email or recipient.presence == Member.Availability.ONLINE:
        return False
    link = settings.PUBLIC_URL + reverse("conversations:conversation", args=[notification.conversation.public_id.hex])
    context = {"notification": notification, "link": link, "workspace": recipient.workspace}
    subject = render_to_string("integrations/email/notification_subject.txt", context).strip()
    body = render_to_string("integrations/email/notification.txt", context)
    EmailMessage(subject=subject, body=body, to=[recipient.user.email]).send()
    return True
