from getpass import getpass

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accounts import actions as account_actions
from core.errors import DomainError
from workspaces import actions as workspace_actions
from workspaces.models import Member, Workspace


class Command(BaseCommand):
    help = "Create an operator account and add it to a workspace (created when it does not exist)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", required=True)
        parser.add_argument("--name", required=True)
        parser.add_argument("--workspace", required=True, help="Workspace name.")
        parser.add_argument("--role", choices=[r.value for r in Member.Role], default=Member.Role.ADMIN)
        parser.add_argument("--password", help="Asked for when omitted.")

    @transaction.atomic
    def handle(
        self, *, email: str, name: str, workspace: str, role: str, password: str | None, **options: object
    ) -> None:
        password = password or getpass("Password: ")
        if len(password) < 8:
            raise CommandError("The password must be at least 8 characters long.")
        try:
            user = account_actions.create_user(email=email, name=name, password=password)
        except DomainError as error:
            raise CommandError(error.detail) from None
        existing = Workspace.objects.filter(name=workspace).first()
        if existing:
            workspace_actions.add_member(existing, user, role=role)
        else:
            workspace_actions.create_workspace(name=workspace, owner=user)
        self.stdout.write(self.style.SUCCESS(f"Operator {user.email} can now sign in to {workspace}."))
