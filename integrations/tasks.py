"""Background work of integrations (the Django Tasks API)."""

from django_tasks import task

from integrations import notifications


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
