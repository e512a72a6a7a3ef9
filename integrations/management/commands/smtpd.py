import signal
import threading

from django.core.management.base import BaseCommand, CommandParser

from core.db import require_migrated
from integrations.smtp import make_controller


class Command(BaseCommand):
    help = "Receive email over SMTP: answers to reply addresses and the mail of connected mailboxes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=2525)

    def handle(self, *, host: str, port: int, **options: object) -> None:
        require_migrated()
        controller = make_controller(host, port)
        controller.start()
        self.stdout.write(f"Receiving email on {host}:{port}")
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        stop.wait()
        controller.stop()
