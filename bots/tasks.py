"""Background work of bots (the Django Tasks API): each turn of a run is one task, and what it says reaches the
inbox as one update."""

from django_tasks import task

from realtime.bus import delivered_together


@task()
@delivered_together
def start_bot(conversation_id: int) -> None:
    from bots import runtime  # it enqueues these tasks

    runtime.start_bot(conversation_id)


@task()
@delivered_together
def start_proactive_bot(bot_id: int, visitor_id: int) -> None:
    from bots import runtime

    runtime.start_proactive_bot(bot_id, visitor_id)


@task()
@delivered_together
def hear_visitor(conversation_id: int) -> None:
    from bots import runtime

    runtime.hear_visitor(conversation_id)


@task()
@delivered_together
def operator_took_over(conversation_id: int) -> None:
    from bots import runtime

    runtime.operator_took_over(conversation_id)


@task()
@delivered_together
def continue_run(run_id: int, step: int) -> None:
    """After a typing pause."""
    from bots import runtime

    runtime.continue_run(run_id, step)


@task()
@delivered_together
def call_web_service(run_id: int, step: int) -> None:
    """The HTTP block's call, outside any transaction: a slow service never holds the database."""
    from bots import runtime

    runtime.call_web_service(run_id, step)


@task()
@delivered_together
def check_silence(run_id: int) -> None:
    from bots import runtime

    runtime.check_silence(run_id)
