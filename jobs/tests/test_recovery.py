"""A task left running by a worker that stopped beating is queued again; a live worker's long task is not."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from jobs import recovery
from jobs.models import WorkerBeat
from jobs.worker import make_worker

pytestmark = pytest.mark.django_db
ran: list[str] = []


@task()
def remember(word: str) -> None:
    ran.append(word)


def running(word: str, *, worker: str, minutes_ago: float) -> DBTaskResult:
    """`remember(word)` as a worker that claimed it `minutes_ago` leaves it."""
    result = DBTaskResult.objects.get(pk=remember.enqueue(word).id)
    DBTaskResult.objects.filter(pk=result.pk).update(
        status=TaskResultStatus.RUNNING,
        started_at=timezone.now() - timedelta(minutes=minutes_ago),
        worker_ids=[worker],
    )
    return result


def beating(worker: str, *, minutes_ago: float) -> None:
    WorkerBeat.objects.create(worker_id=worker, beat_at=timezone.now() - timedelta(minutes=minutes_ago))


def status(result: DBTaskResult) -> str:
    return DBTaskResult.objects.get(pk=result.pk).status


def test_a_task_whose_worker_stopped_runs_again():
    beating("host-1", minutes_ago=5)  # killed five minutes ago
    left = running("left behind", worker="host-1", minutes_ago=6)
    ran.clear()

    assert recovery.requeue_abandoned() == 1
    assert recovery.requeue_abandoned() == 0  # queued once

    assert status(left) == TaskResultStatus.READY
    worker = make_worker()
    claimed, _ = worker.claim_next()
    worker.run_task(claimed)
    assert ran == ["left behind"] and status(left) == TaskResultStatus.SUCCESSFUL


def test_a_live_workers_long_task_and_a_task_just_claimed_are_left_alone():
    beating("host-2", minutes_ago=0.2)
    long = running("long", worker="host-2", minutes_ago=30)
    just = running("just claimed", worker="host-3", minutes_ago=0.1)  # its worker has not beaten yet

    assert recovery.requeue_abandoned() == 0
    assert status(long) == status(just) == TaskResultStatus.RUNNING


def test_a_worker_says_it_is_alive_and_long_gone_workers_are_forgotten():
    beating("host-old", minutes_ago=2 * 24 * 60)

    recovery.beat()
    recovery.requeue_abandoned()

    assert list(WorkerBeat.objects.values_list("worker_id", flat=True)) == [recovery.WORKER_ID]
    assert make_worker().worker_id == recovery.WORKER_ID  # what its tasks are marked with
