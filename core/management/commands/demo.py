import os

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from core.management.commands.serve import serve
from workspaces.demo import DEMO_EMAIL, DEMO_PASSWORD, DEMO_TEAMMATE_EMAIL, seed_demo

LOCAL = ("127.0.0.1", "localhost")
ALL_INTERFACES = "0.0.0.0"  # noqa: S104 - only compared with, never bound here


class Command(BaseCommand):
    help = "Migrate, seed the Demo Shop workspace and serve it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-serve", action="store_true", help="Prepare the demo and exit.")

    def handle(self, *, host: str, port: int, no_serve: bool, **options: object) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        hosts = LOCAL if host in (*LOCAL, ALL_INTERFACES) else (host,)
        base = f"http://{hosts[0]}:{port}"
        if "PUBLIC_URL" not in os.environ:  # links in emails and the demo shop's order service follow --port
            settings.PUBLIC_URL = base
        demo = seed_demo(origins=[f"http://{h}:{port}" for h in hosts])
        self.stdout.write(
            "\n".join(
                [
                    "",
                    self.style.SUCCESS("Parley is ready."),
                    f"  Demo shop (the visitor):  {base}/demo/",
                    f"  Inbox (the operator):     {base}/inbox/",
                    f"  Operator login:           {DEMO_EMAIL} / {DEMO_PASSWORD}",
                    f"  Teammate (agent) login:   {DEMO_TEAMMATE_EMAIL} / {DEMO_PASSWORD}",
                    f"  Widget key:               {demo.inbox.widget_key}",
                    "",
                    "Open the demo shop in one browser and the inbox in another (or a private window).",
                    "Press Ctrl+C to stop.",
                    "",
                ]
            )
        )
        if not no_serve:
            serve(host, port)
