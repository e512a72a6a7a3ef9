from typing import Any

from workspaces.models import Member


def get_current_member(user: Any) -> Member | None:
    """The signed-in user's membership: their first workspace (switching between several comes later)."""
    if user is None or not user.is_authenticated:
        return None
    return Member.objects.select_related("workspace", "user").filter(user=user).order_by("created_at", "id").first()
