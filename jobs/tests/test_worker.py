"""The worker runs a task as soon as it is enqueued, whichever process enqueues it, not at its next poll."""

import threading

import pytest
import redis
from django.test import override_settings
from django_tasks import task

from jobs import wakeup
from jobs.worker import make_worker
from tests.servers import REDIS_URL
from tests.services import require_redis

ran = threading.Event()


@task()
def note_it_ran() -> None:
    ran.set()


@pytest.mark.django_db(transaction=True)
def test_an_idle_worker_wakes_for_a_task_enqueued_in_its_process():
    ran.clear()
    worker = make_worker(interval=60)  # without the wake-up it would look again in a minute
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        threading.Event().wait(0.3)  # the worker found nothing and sleeps
        note_it_ran.enqueue()
        assert ran.wait(timeout=10), "the worker slept through the enqueued task"
    finally:
        worker.running = False
        wakeup.announce()
        thread.join(timeout=5)


def test_a_worker_process_is_woken_through_redis_by_another_process():
    require_redis()
    with override_settings(REDIS_URL=REDIS_URL):
        wakeup.listen_for_other_processes()
        threading.Event().wait(0.3)  # subscribed
        woken = threading.Thread(target=wakeup.wait, args=(30,), daemon=True)
        woken.start()
        redis.Redis.from_url(REDIS_URL).publish(wakeup.CHANNEL, b"")  # what another process's announce() sends
        woken.join(timeout=10)
        assert not woken.is_alive(), "the Redis message did not wake the worker"


counted = []


@task()
def count_it(n: int) -> None:
    counted.append(n)


@pytest.mark.django_db(transaction=True)
def test_tasks_waiting_together_run_one_after_another_without_a_wake_up():
    counted.clear()
    for n in range(3):
        count_it.enqueue(n)
    worker = make_worker(interval=60)
    wakeup.wait(0)  # the enqueues' wake-up is spent: only the queue itself says there is more

    claimed, more = worker.claim_next()
    assert claimed is not None and more
    worker.run_task(claimed)
    worker.run_task(worker.claim_next()[0])
    last, more = worker.claim_next()
    assert last is not None and not more  # after it the worker sleeps until a task is enqueued
    worker.run_task(last)

    assert counted == [0, 1, 2]
    assert worker.claim_next() == (None, False)
