from collections.abc import Mapping
from typing import Any

from workspaces.models import Member

SESSION_WORKSPACE = "workspace_id"


def get_current_member(user: Any, session: Mapping[str, Any]) -> Member | None:
    """The user's membership in the workspace chosen for this session, else their first one."""
    if user is None or not user.is_authenticated:
        return None
    members = Member.objects.select_related("workspace", "user").filter(user=user).order_by("created_at", "id")
    chosen = session.get(SESSION_WORKSPACE)
    return (members.filter(workspace__public_id=chosen).first() if chosen else None) or members.first()
