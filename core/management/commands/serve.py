import gc
import signal
from types import FrameType

import uvicorn
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection

from core.db import require_migrated
from core.sqlite.checkpoints import Checkpointer
from integrations.smtp import make_controller
from jobs.worker import start_embedded_worker
from visitors import ingest


class Command(BaseCommand):
    help = "Serve HTTP and websockets (uvicorn). In embedded mode also runs background jobs and, if set, SMTP."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--log-level", default="warning")

    def handle(self, *, host: str, port: int, log_level: str, **options: object) -> None:
        serve(host, port, log_level=log_level)


def serve(host: str, port: int, *, log_level: str = "warning") -> None:
    require_migrated()
    if connection.vendor == "sqlite":  # before the threads below open their connections
        Checkpointer(settings.DATABASES["default"]["NAME"]).start()
    if settings.EMBEDDED_WORKER:
        start_embedded_worker()
    ingest.writer.start()  # tracking rows are written in batches by a thread of this process
    if settings.SMTP_RECEIVER_PORT:  # visitors' email answers, pushed live by this process's sockets
        make_controller(settings.SMTP_RECEIVER_HOST, settings.SMTP_RECEIVER_PORT).start()
    # uvicorn drains requests on SIGTERM, puts this handler back and raises the signal again as it returns:
    # exiting through SystemExit (not the default, immediate death) lets the finally below store the rows.
    signal.signal(signal.SIGTERM, _exit_after_drain)
    gc.collect()
    gc.freeze()  # what is loaded by now lives as long as the process: full collections need not walk it again
    try:
        uvicorn.run(
            "parley.asgi:application",
            host=host,
            port=port,
            log_level=log_level,
            lifespan="off",
            ws_ping_interval=20,
            ws_ping_timeout=20,
            proxy_headers=True,
            # Frames are small fragments: compressing each costs both ends CPU, and every socket kept zlib state.
            ws_per_message_deflate=False,
        )
    finally:
        # uvicorn returns once SIGTERM / SIGINT has drained the requests: store every queued tracking row.
        ingest.flush()


def _exit_after_drain(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)
