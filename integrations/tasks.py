"""Background work of integrations (the Django Tasks API)."""

from django_tasks import task


@task()
def email_unseen_replies(conversation_id: int) -> None:
    from integrations import continuity  # it enqueues these tasks

    continuity.email_unseen_replies(conversation_id)


@task()
def deliver_email(outbound_id: int) -> None:
    from integrations import continuity

    continuity.deliver(outbound_id)
