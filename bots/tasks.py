"""Background work of bots (the Django Tasks API): each turn of a run is one task."""

from django_tasks import task

from bots import runtime


@task()
def start_bot(conversation_id: int) -> None:
    runtime.start_bot(conversation_id)


@task()
def hear_visitor(conversation_id: int) -> None:
    runtime.hear_visitor(conversation_id)


@task()
def operator_took_over(conversation_id: int) -> None:
    runtime.operator_took_over(conversation_id)
