"""Channel-layer group names. A group name is never a credential: consumers
authorise before they join."""

from uuid import UUID


def operators_group(workspace_public_id: UUID) -> str:
    return f"operators.{workspace_public_id.hex}"


def visitor_group(visitor_public_id: UUID) -> str:
    return f"visitor.{visitor_public_id.hex}"
