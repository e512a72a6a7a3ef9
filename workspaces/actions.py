from django.db import transaction
from django.utils import timezone

from accounts.models import User
from workspaces.models import Inbox, Member, Workspace


@transaction.atomic
def create_workspace(*, name: str, owner: User, owner_display_name: str = "") -> Workspace:
    workspace = Workspace.objects.create(name=name)
    add_member(workspace, owner, role=Member.Role.ADMIN, display_name=owner_display_name or owner.name)
    return workspace


def add_member(workspace: Workspace, user: User, *, role: str, display_name: str = "") -> Member:
    return Member.objects.create(workspace=workspace, user=user, role=role, display_name=display_name or user.name)


def create_inbox(workspace: Workspace, *, name: str, allowed_origins: list[str]) -> Inbox:
    return Inbox.objects.create(
        workspace=workspace, name=name, allowed_origins=[o.rstrip("/") for o in allowed_origins]
    )


def revoke_inbox_key(inbox: Inbox) -> None:
    Inbox.objects.filter(pk=inbox.pk, revoked_at=None).update(revoked_at=timezone.now())
