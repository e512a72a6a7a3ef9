"""Work that runs on a timer rather than on an event.

Runs next to the job worker: a thread of `parley serve` in embedded mode, of
each `parley worker` in scale-out mode. Every periodic action is idempotent
and locks what it changes, so several workers ticking at once do no harm.
"""

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from django.db import close_old_connections

from conversations.actions import wake_snoozed_conversations
from integrations.digest import send_daily_digests
from integrations.email_channel import poll_mailboxes
from jobs.recovery import beat, requeue_abandoned
from workspaces.actions import sweep_presence

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Periodic:
    every: float  # seconds
    run: Callable[[], object]


SCHEDULE = (
    Periodic(every=15, run=wake_snoozed_conversations),  # a snooze ends within 15 s of its time
    Periodic(every=15, run=sweep_presence),  # an operator whose tabs went quiet shows away within 90 s
    Periodic(every=60, run=poll_mailboxes),  # mail of mailboxes read over IMAP lands within a minute
    Periodic(every=15, run=beat),  # this process's worker is alive
    Periodic(every=60, run=requeue_abandoned),  # a task whose worker stopped runs again within 3 minutes
    Periodic(every=300, run=send_daily_digests),  # each digest goes out within 5 minutes of DIGEST_HOUR
)


def tick(schedule: tuple[Periodic, ...], elapsed: float, step: float) -> None:
    """Run the jobs due at `elapsed` seconds; a failing job is logged and does not stop the others."""
    for job in schedule:
        if elapsed % job.every < step:
            try:
                job.run()
            except Exception:
                log.exception("Periodic job %s failed", job.run.__name__)
            finally:
                close_old_connections()


def start_clock(schedule: tuple[Periodic, ...] = SCHEDULE, *, step: float = 1.0) -> threading.Event:
    """Start the timer thread; set the returned event to stop it."""
    stop = threading.Event()

    def loop() -> None:
        elapsed = 0.0
        while not stop.wait(step):
            elapsed += step
            tick(schedule, elapsed, step)

    threading.Thread(target=loop, name="parley-clock", daemon=True).start()
    return stop
