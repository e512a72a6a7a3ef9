"""Reads of bots."""

from uuid import UUID

from bots.flow import Flow, Known
from bots.models import BotVersion
from contacts.models import AttributeDefinition
from workspaces.models import Member, Team

_flows: dict[UUID, Flow] = {}


def flow_of(version: BotVersion) -> Flow:
    """The version's flow; versions never change, so each is parsed once per process."""
    flow = _flows.get(version.public_id)
    if flow is None:
        if len(_flows) > 1000:
            _flows.clear()
        flow = _flows[version.public_id] = Flow.model_validate(version.flow)
    return flow


def known_in(workspace_id: int) -> Known:
    """What a flow of this workspace may refer to."""
    return Known(
        attributes=frozenset(
            AttributeDefinition.objects.filter(workspace_id=workspace_id).values_list("key", flat=True)
        ),
        teams=frozenset(
            t.hex for t in Team.objects.filter(workspace_id=workspace_id).values_list("public_id", flat=True)
        ),
        members=frozenset(
            m.hex for m in Member.objects.filter(workspace_id=workspace_id).values_list("public_id", flat=True)
        ),
    )
