"""The `parley` command: the project's own commands first, then every Django one."""

import os
import sys

COMMANDS = {
    "demo": "migrate, seed the Demo Shop workspace and serve it (--port N)",
    "serve": "serve HTTP and websockets (--host, --port)",
    "worker": "run background jobs (scale-out mode)",
    "smtpd": "receive email over SMTP: answers to reply addresses, mail of connected mailboxes (--host, --port)",
    "createoperator": "create an operator account in a workspace",
}


def usage() -> str:
    lines = ["usage: parley <command> [options]", "", "commands:"]
    lines += [f"  {name:<16}{text}" for name, text in COMMANDS.items()]
    lines += [
        "",
        "Every Django management command works too (parley migrate, parley shell, …).",
        "parley <command> --help shows a command's options.",
    ]
    return "\n".join(lines)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parley.settings")
    args = sys.argv[1:]
    if not args or args[0] in {"-h", "--help", "help"}:
        print(usage())
        return
    from django.core.management import execute_from_command_line

    execute_from_command_line(["parley", *args])


if __name__ == "__main__":
    main()
