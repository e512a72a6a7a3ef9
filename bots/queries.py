"""Reads of bots."""

from uuid import UUID

from bots.flow import Flow, Known
from bots.models import Bot, BotVersion
from contacts.models import AttributeDefinition, Segment
from core.ids import get_by_public_id
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


def forget_flow(version: BotVersion) -> None:
    """A version that existed only for a while (the editor's test chat)."""
    _flows.pop(version.public_id, None)


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
        segments=frozenset(Segment.objects.filter(workspace_id=workspace_id).values_list("name", flat=True)),
    )


def list_bots(member: Member) -> list[Bot]:
    return list(Bot.objects.filter(workspace_id=member.workspace_id).select_related("published").order_by("name", "pk"))


def get_bot(member: Member, public_id: str | UUID) -> Bot:
    """A bot of the member's workspace (members may look at every bot)."""
    return get_by_public_id(Bot.objects.filter(workspace_id=member.workspace_id), public_id, "Bot")


def get_version(bot: Bot, public_id: str | UUID) -> BotVersion:
    return get_by_public_id(bot.versions.all(), public_id, "Version")
