"""The demo workspace `parley demo` serves: one shop, one inbox, one operator."""

from dataclasses import dataclass

from django.db import transaction

from accounts import actions as account_actions
from accounts.models import User
from workspaces import actions
from workspaces.models import Inbox, Workspace

DEMO_WORKSPACE = "Demo Shop"
DEMO_EMAIL = "operator@demo.parley.local"
DEMO_PASSWORD = "parley-demo"  # noqa: S105 - the published demo login


@dataclass(frozen=True)
class Demo:
    workspace: Workspace
    inbox: Inbox
    operator: User


@transaction.atomic
def seed_demo(*, origins: list[str]) -> Demo:
    """Create the demo once; later runs only allow the given site origins too."""
    operator = User.objects.filter(email=DEMO_EMAIL).first() or account_actions.create_user(
        email=DEMO_EMAIL, name="Alex from Demo Shop", password=DEMO_PASSWORD
    )
    workspace = Workspace.objects.filter(name=DEMO_WORKSPACE, members__user=operator).first()
    if workspace is None:
        workspace = actions.create_workspace(name=DEMO_WORKSPACE, owner=operator, owner_display_name="Alex")
    inbox = workspace.inboxes.order_by("created_at").first() or actions.create_inbox(
        workspace, name="Demo Shop website", allowed_origins=[]
    )
    missing = [o for o in origins if o not in inbox.allowed_origins]
    if missing:
        inbox.allowed_origins = [*inbox.allowed_origins, *missing]
        inbox.save(update_fields=["allowed_origins"])
    return Demo(workspace, inbox, operator)
