"""Runs background tasks (the Django Tasks API, database backend).

Scale-out mode runs `parley worker` processes; embedded mode runs the same
loop in a daemon thread of `parley serve`, so one process is a whole install.
"""

import threading

from django.db import OperationalError, close_old_connections
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from jobs import recovery, wakeup
from jobs.clock import start_clock


class PromptWorker(Worker):
    """django-tasks-db's worker, except that between polls it sleeps only until a task is enqueued, and after a
    task it looks for the next one only if one was already waiting (a task enqueued meanwhile wakes it)."""

    def run(self) -> None:
        while self.running:
            close_old_connections()
            claimed, more = self.claim_next()
            if claimed is not None:
                self.run_task(claimed)
            close_old_connections()
            if self.running and not more:
                wakeup.wait(self.interval)

    def claim_next(self) -> tuple[DBTaskResult | None, bool]:
        """The next ready task, claimed, and whether another was ready behind it."""
        ready = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        with exclusive_transaction(ready.db):
            try:
                found = list(ready.select_for_update(skip_locked=True)[:2])  # in the queue's order (Meta.ordering)
            except OperationalError as error:
                if is_locked_database_exception(error):
                    return None, False  # another writer holds SQLite: try again after the wait
                raise
            if not found:
                return None, False
            found[0].claim(self.worker_id)  # so no other worker runs it
            return found[0], len(found) > 1


def make_worker(*, interval: float = 1.0) -> PromptWorker:
    return PromptWorker(
        queue_names=["*"],
        interval=interval,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=recovery.WORKER_ID,  # the id the process's clock beats for
        excluded_queue_names=[],
    )


def start_embedded_worker() -> threading.Thread:
    """The job worker and the clock as threads of the server process."""
    start_clock()
    thread = threading.Thread(target=make_worker().run, name="parley-jobs", daemon=True)
    thread.start()
    return thread
