"""Events of the workspaces domain. Catalogue: docs/events.md."""

from dataclasses import dataclass


@dataclass(frozen=True)
class MemberPresenceChanged:
    name = "member.presence_changed"
    workspace_id: int
    member_id: int
    presence: str  # online | away


@dataclass(frozen=True)
class MemberAccessChanged:
    """The inboxes a member may see changed: their open sockets re-check their groups."""

    name = "member.access_changed"
    workspace_id: int
    member_id: int
