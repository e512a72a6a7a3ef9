"""Runs background tasks (the Django Tasks API, database backend).

Scale-out mode runs `parley worker` processes; embedded mode runs the same
loop in a daemon thread of `parley serve`, so one process is a whole install.
"""

import socket
import threading

from django_tasks_db.management.commands.db_worker import Worker

from jobs.clock import start_clock


def make_worker(*, interval: float = 1.0) -> Worker:
    return Worker(
        queue_names=["*"],
        interval=interval,
        batch=False,
        backend_name="default",
        startup_delay=True,
        max_tasks=None,
        worker_id=f"{socket.gethostname()}-{threading.get_native_id()}",
        excluded_queue_names=[],
    )


def start_embedded_worker() -> threading.Thread:
    """The job worker and the clock as threads of the server process."""
    start_clock()
    thread = threading.Thread(target=make_worker().run, name="parley-jobs", daemon=True)
    thread.start()
    return thread
