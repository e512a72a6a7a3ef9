"""Tasks a worker was running when it stopped (a restart, a crash, a killed container) run again.

Each process running the job worker says it is alive every few seconds from its clock thread (`beat`), also
while a long task runs. A task still marked running by a worker that has not beaten for DEAD_AFTER is queued
again (`requeue_abandoned`), so a visitor's message a bot was answering, or an email being sent, is not
dropped by a restart. Tasks therefore run at least once: each is written to be safe to run again (a step
that had committed finds its work done).
"""

import logging
import os
import socket
from datetime import timedelta

from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from jobs import wakeup
from jobs.models import WorkerBeat

logger = logging.getLogger(__name__)

WORKER_ID = f"{socket.gethostname()}-{os.getpid()}"  # one job worker per process
DEAD_AFTER = timedelta(minutes=2)
FORGET_AFTER = timedelta(days=1)


def beat() -> None:
    WorkerBeat.objects.update_or_create(worker_id=WORKER_ID, defaults={"beat_at": timezone.now()})


def requeue_abandoned() -> int:
    """Queue again what dead workers left running; how many tasks."""
    now = timezone.now()
    alive = set(WorkerBeat.objects.filter(beat_at__gte=now - DEAD_AFTER).values_list("worker_id", flat=True))
    requeued = 0
    for result in DBTaskResult.objects.running().filter(started_at__lt=now - DEAD_AFTER):
        if result.worker_ids and result.worker_ids[-1] in alive:
            continue  # a long task of a live worker
        left = DBTaskResult.objects.filter(pk=result.pk, status=TaskResultStatus.RUNNING, started_at=result.started_at)
        if left.update(status=TaskResultStatus.READY, started_at=None):  # one clock requeues it
            logger.warning(
                "task %s %s: its worker %s stopped; queued again", result.task_path, result.pk, result.worker_ids[-1:]
            )
            requeued += 1
    WorkerBeat.objects.filter(beat_at__lt=now - FORGET_AFTER).delete()
    if requeued:
        wakeup.announce()
    return requeued
