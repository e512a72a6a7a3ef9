"""Reads of workspaces and who may see what in them."""

from typing import Any
from uuid import UUID

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from conversations.models import CannedResponse, Tag
from core.errors import DomainError, Forbidden, NotFound
from core.ids import get_by_public_id
from workspaces.models import Inbox, Invitation, Member, Team


def get_current_member(user: Any) -> Member | None:
    """The signed-in user's membership: their first workspace (switching between several comes later)."""
    if user is None or not user.is_authenticated:
        return None
    return Member.objects.select_related("workspace", "user").filter(user=user).order_by("created_at", "id").first()


def visible_inboxes(member: Member) -> QuerySet[Inbox]:
    """Admins see every inbox of their workspace; agents the inboxes they work."""
    inboxes = Inbox.objects.filter(workspace_id=member.workspace_id)
    return inboxes if member.is_admin else inboxes.filter(members=member)


def conversation_scope(member: Member) -> Q:
    """The filter on conversations (or anything with `workspace` and `inbox`) the member may see."""
    scope = Q(workspace_id=member.workspace_id)
    if not member.is_admin:
        scope &= Q(inbox_id__in=Inbox.members.through.objects.filter(member_id=member.pk).values("inbox_id"))
    return scope


def require_admin(member: Member) -> None:
    if not member.is_admin:
        raise Forbidden("Only workspace admins can do this.")


def list_members(member: Member) -> list[Member]:
    return list(Member.objects.filter(workspace_id=member.workspace_id).select_related("user").order_by("display_name"))


def list_teams(member: Member) -> list[Team]:
    return list(Team.objects.filter(workspace_id=member.workspace_id).order_by("name"))


def get_member(member: Member, public_id: str | UUID) -> Member:
    """A member of the same workspace."""
    qs = Member.objects.filter(workspace_id=member.workspace_id).select_related("user")
    return get_by_public_id(qs, public_id, "Operator")


def get_team(member: Member, public_id: str | UUID) -> Team:
    return get_by_public_id(Team.objects.filter(workspace_id=member.workspace_id), public_id, "Team")


def get_inbox(member: Member, public_id: str | UUID) -> Inbox:
    """An inbox the member may see."""
    return get_by_public_id(visible_inboxes(member), public_id, "Inbox")


# Settings pages


class InvitationUnavailable(DomainError):
    """The link existed but can no longer be used: expired, used or revoked."""

    status = 410
    code = "invitation_unavailable"


def open_invitation(token: str, *, for_update: bool = False) -> Invitation:
    """The invitation behind a link, if it can still be accepted."""
    qs = Invitation.objects.select_related("workspace")
    if for_update:
        qs = qs.select_for_update()
    invitation = qs.filter(token=token).first() if token else None
    if invitation is None:
        raise NotFound(_("This invitation link is not valid. Check that you copied all of it."))
    if invitation.accepted_by_id is not None:
        raise InvitationUnavailable(_("This invitation has already been used."), code="invitation_used")
    if invitation.revoked_at is not None:
        raise InvitationUnavailable(_("This invitation has been withdrawn."), code="invitation_revoked")
    if invitation.expires_at <= timezone.now():
        raise InvitationUnavailable(_("This invitation has expired."), code="invitation_expired")
    return invitation


def is_member(user: Any, workspace_id: int) -> bool:
    return bool(user.is_authenticated) and Member.objects.filter(workspace_id=workspace_id, user=user).exists()


def list_pending_invitations(member: Member) -> list[Invitation]:
    """Invitations of the workspace that can still be accepted, newest first."""
    return list(
        Invitation.objects.filter(
            workspace_id=member.workspace_id, accepted_by=None, revoked_at=None, expires_at__gt=timezone.now()
        )
        .select_related("created_by")
        .order_by("-created_at", "-id")
    )


def get_invitation(member: Member, public_id: str | UUID) -> Invitation:
    return get_by_public_id(Invitation.objects.filter(workspace_id=member.workspace_id), public_id, "Invitation")


def list_members_with_access(member: Member) -> list[Member]:
    """Members of the workspace with their inboxes and teams, for the members page."""
    return list(
        Member.objects.filter(workspace_id=member.workspace_id)
        .select_related("user")
        .prefetch_related(Prefetch("inboxes", queryset=Inbox.objects.order_by("name")), "teams")
        .order_by("display_name", "id")
    )


def list_workspace_inboxes(member: Member) -> list[Inbox]:
    """Every inbox of the workspace (what an admin hands out), by name."""
    return list(Inbox.objects.filter(workspace_id=member.workspace_id).order_by("name", "id"))


def list_teams_with_members(member: Member) -> list[Team]:
    members = Member.objects.order_by("display_name", "id")
    return list(
        Team.objects.filter(workspace_id=member.workspace_id)
        .prefetch_related(Prefetch("members", queryset=members))
        .order_by("name", "id")
    )


def list_tags_with_counts(member: Member) -> list[Tag]:
    """Tags of the workspace by name, each with `conversation_count`."""
    return list(
        Tag.objects.filter(workspace_id=member.workspace_id)
        .annotate(conversation_count=Count("conversations"))
        .order_by("name", "id")
    )


def list_reply_templates(member: Member) -> list[CannedResponse]:
    """Reply templates of the workspace by shortcut, with their authors."""
    return list(
        CannedResponse.objects.filter(workspace_id=member.workspace_id)
        .select_related("created_by")
        .order_by("shortcut", "id")
    )


def get_reply_template(member: Member, public_id: str | UUID) -> CannedResponse:
    qs = CannedResponse.objects.filter(workspace_id=member.workspace_id).select_related("created_by")
    return get_by_public_id(qs, public_id, "Reply template")


def can_edit_reply_template(member: Member, response: CannedResponse) -> bool:
    return member.is_admin or response.created_by_id == member.pk
