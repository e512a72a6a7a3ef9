import gc
import signal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from core.db import require_migrated
from jobs import wakeup
from jobs.clock import start_clock
from jobs.worker import make_worker
from realtime import push_loop


class Command(BaseCommand):
    help = "Run background jobs (scale-out mode; embedded `serve` runs them itself)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls when idle.")

    def handle(self, *, interval: float, **options: object) -> None:
        require_migrated()
        start_clock()
        push_loop.run_own()  # websocket pushes (over Redis) from this process's tasks
        if settings.REDIS_URL:  # enqueued by a server process: woken through Redis
            wakeup.listen_for_other_processes()
        worker = make_worker(interval=interval)
        gc.collect()
        gc.freeze()  # as `serve` does: full collections skip what start-up loaded
        signal.signal(signal.SIGTERM, worker.shutdown)
        signal.signal(signal.SIGINT, worker.shutdown)
        worker.run()
