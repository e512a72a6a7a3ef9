"""Channel-layer group names. A group name is never a credential: consumers
authorise before they join."""

from uuid import UUID


def operators_group(workspace_public_id: UUID) -> str:
    """Every inbox page of the workspace: what the whole team sees (presence)."""
    return f"operators.{workspace_public_id.hex}"


def inbox_group(inbox_public_id: UUID) -> str:
    """Inbox pages of members who may see this inbox: list rows of its conversations."""
    return f"inbox.{inbox_public_id.hex}"


def member_group(member_public_id: UUID) -> str:
    """Every inbox page of one member: their notifications, and word that their access changed."""
    return f"member.{member_public_id.hex}"


def conversation_group(conversation_public_id: UUID) -> str:
    """Inbox pages with this conversation open: its feed and header."""
    return f"conversation.{conversation_public_id.hex}"


def visitor_group(visitor_public_id: UUID) -> str:
    """Every widget of the visitor."""
    return f"visitor.{visitor_public_id.hex}"
