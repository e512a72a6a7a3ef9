from datetime import timedelta

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actions import create_user
from accounts.models import User
from conversations.actions import assign_conversation
from core.errors import Conflict, InvalidInput, NotFound
from core.ids import get_by_public_id
from realtime.bus import emit
from workspaces.events import MemberAccessChanged, MemberPresenceChanged
from workspaces.models import Inbox, Invitation, Member, Team, Workspace
from workspaces.queries import open_invitation, require_admin


@transaction.atomic
def create_workspace(*, name: str, owner: User, owner_display_name: str = "") -> Workspace:
    workspace = Workspace.objects.create(name=name)
    add_member(workspace, owner, role=Member.Role.ADMIN, display_name=owner_display_name or owner.name)
    return workspace


def add_member(workspace: Workspace, user: User, *, role: str, display_name: str = "") -> Member:
    """A new member works every inbox of the workspace until an admin narrows that."""
    member = Member.objects.create(workspace=workspace, user=user, role=role, display_name=display_name or user.name)
    member.inboxes.add(*workspace.inboxes.all())
    return member


def create_inbox(
    workspace: Workspace, *, name: str, allowed_origins: list[str], channel: str = Inbox.Channel.WEB
) -> Inbox:
    """A new inbox is worked by every member until an admin narrows that."""
    inbox = Inbox.objects.create(
        workspace=workspace, name=name, channel=channel, allowed_origins=[o.rstrip("/") for o in allowed_origins]
    )
    inbox.members.add(*workspace.members.all())
    return inbox


def revoke_inbox_key(inbox: Inbox) -> None:
    Inbox.objects.filter(pk=inbox.pk, revoked_at=None).update(revoked_at=timezone.now())


# Presence: an operator is online while an inbox tab of theirs sends heartbeats and they have not set themselves away.

PRESENCE_TIMEOUT = timedelta(seconds=75)  # three missed heartbeats (docs/widget-api.md)


def _presence_changed(member: Member) -> None:
    emit(MemberPresenceChanged(member.workspace_id, member.pk, member.presence), subject=member)


def _lock_member(member: Member) -> Member:
    """The member as stored now: a socket or a form may hold an older copy."""
    return Member.objects.select_for_update().select_related("workspace", "user").get(pk=member.pk)


@transaction.atomic
def record_heartbeat(member: Member) -> Member:
    """An inbox tab of the member is open. Announces the member online if they were not."""
    member = _lock_member(member)
    was = member.presence
    member.connected, member.last_active_at = True, timezone.now()
    member.save(update_fields=["connected", "last_active_at"])
    if member.presence != was:
        _presence_changed(member)
    return member


@transaction.atomic
def set_availability(member: Member, availability: str) -> Member:
    if availability not in Member.Availability.values:
        raise InvalidInput("Availability must be online or away.")
    member = _lock_member(member)
    was = member.presence
    member.availability = availability
    member.save(update_fields=["availability"])
    if member.presence != was:
        _presence_changed(member)
    return member


@transaction.atomic
def sweep_presence() -> int:
    """Mark away the members whose tabs stopped sending heartbeats. Returns how many."""
    stale = list(
        Member.objects.select_for_update()
        .select_related("workspace")
        .filter(connected=True, last_active_at__lt=timezone.now() - PRESENCE_TIMEOUT)
    )
    for member in stale:
        was = member.presence
        member.connected = False
        member.save(update_fields=["connected"])
        if member.presence != was:
            _presence_changed(member)
    return len(stale)


@transaction.atomic
def set_notification_preferences(member: Member, *, desktop: bool, sound: bool, email: bool, digest: bool) -> Member:
    member.notify_desktop, member.notify_sound, member.notify_email = desktop, sound, email
    member.notify_digest = digest
    member.save(update_fields=["notify_desktop", "notify_sound", "notify_email", "notify_digest"])
    return member


# Settings: invitations, roles, inbox access, teams and profile. Admins manage; agents work.

INVITATION_LIFETIME = timedelta(days=7)


def _in_workspace(member: Member, row: Member | Team | Invitation, what: str) -> None:
    """Rows named by another workspace's member do not exist for them."""
    if row.workspace_id != member.workspace_id:
        raise NotFound(f"{what} not found.")


def _member_access_changed(target: Member) -> None:
    emit(MemberAccessChanged(target.workspace_id, target.pk), subject=target)


@transaction.atomic
def create_invitation(member: Member, *, role: str) -> Invitation:
    """A single-use link, valid for seven days, that makes whoever opens it a member with `role`."""
    require_admin(member)
    if role not in Member.Role.values:
        raise InvalidInput(_("The role must be admin or agent."))
    return Invitation.objects.create(
        workspace_id=member.workspace_id, role=role, created_by=member, expires_at=timezone.now() + INVITATION_LIFETIME
    )


@transaction.atomic
def revoke_invitation(member: Member, invitation: Invitation) -> Invitation:
    require_admin(member)
    _in_workspace(member, invitation, "Invitation")
    if invitation.accepted_by_id is not None:
        raise Conflict(_("This invitation has already been used."), code="invitation_used")
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
    return invitation


@transaction.atomic
def accept_invitation(user: User, *, token: str, display_name: str = "") -> Member:
    """Make `user` a member of the invitation's workspace; the invitation is then used up.

    Accepting also sets `revoked_at`, so the link stays closed even if the member who
    accepted it is later removed (which clears `accepted_by`).
    """
    invitation = open_invitation(token, for_update=True)
    if Member.objects.filter(workspace_id=invitation.workspace_id, user=user).exists():
        raise Conflict(_("You are already a member of this workspace."), code="already_member")
    joined = add_member(invitation.workspace, user, role=invitation.role, display_name=display_name.strip())
    invitation.accepted_by, invitation.revoked_at = joined, timezone.now()
    invitation.save(update_fields=["accepted_by", "revoked_at"])
    return joined


@transaction.atomic
def sign_up_with_invitation(*, token: str, name: str, email: str, password: str) -> Member:
    """A new user from an invitation link: the account and the membership, or neither."""
    open_invitation(token)  # fail before making an account for a dead link
    name = " ".join(name.split())
    if not 1 <= len(name) <= 150:
        raise InvalidInput(_("A name must be 1 to 150 characters long."))
    try:
        validate_password(password, User(email=email, name=name))
    except ValidationError as error:
        raise InvalidInput(" ".join(error.messages)) from None
    user = create_user(email=email, name=name, password=password)
    return accept_invitation(user, token=token)


def _lock_admins(member: Member) -> list[int]:
    """The workspace's admins, locked so two admins cannot demote each other at once."""
    admins = Member.objects.select_for_update().filter(workspace_id=member.workspace_id, role=Member.Role.ADMIN)
    return list(admins.values_list("pk", flat=True))


@transaction.atomic
def change_role(member: Member, target: Member, *, role: str) -> Member:
    require_admin(member)
    _in_workspace(member, target, "Operator")
    if role not in Member.Role.values:
        raise InvalidInput(_("The role must be admin or agent."))
    if role == target.role:
        return target
    if target.is_admin and _lock_admins(member) == [target.pk]:
        raise Conflict(
            _("%(name)s is the only admin. Make someone else an admin first.") % {"name": target.display_name},
            code="last_admin",
        )
    target.role = role
    target.save(update_fields=["role"])
    _member_access_changed(target)
    return target


@transaction.atomic
def remove_member(member: Member, target: Member) -> None:
    """Take someone out of the workspace; what they wrote stays, their assignments are cleared."""
    require_admin(member)
    _in_workspace(member, target, "Operator")
    if target.pk == member.pk:
        raise InvalidInput(_("You cannot remove yourself. Ask another admin to do it."), code="remove_self")
    if target.is_admin and _lock_admins(member) == [target.pk]:
        raise Conflict(_("The workspace must keep at least one admin."), code="last_admin")
    # Conversations still in play go back to the team, unassigned, where everyone sees them.
    for conversation in target.assigned_conversations.exclude(status="closed").select_related("team", "inbox"):
        assign_conversation(member, conversation, assignee=None, team=conversation.team)
    _member_access_changed(target)
    target.delete()


@transaction.atomic
def set_member_inboxes(member: Member, target: Member, *, inbox_ids: list[str]) -> Member:
    """The inboxes `target` works (admins see every inbox whatever this says)."""
    require_admin(member)
    _in_workspace(member, target, "Operator")
    workspace_inboxes = Inbox.objects.filter(workspace_id=member.workspace_id)
    inboxes = {inbox.pk: inbox for inbox in (get_by_public_id(workspace_inboxes, i, "Inbox") for i in inbox_ids)}
    target.inboxes.set(inboxes.values())
    _member_access_changed(target)
    return target


def _clean_team_name(member: Member, name: str, *, other_than: Team | None = None) -> str:
    name = " ".join(name.split())
    if not 1 <= len(name) <= 80:
        raise InvalidInput(_("A team name must be 1 to 80 characters long."))
    taken = Team.objects.filter(workspace_id=member.workspace_id, name__iexact=name)
    if other_than is not None:
        taken = taken.exclude(pk=other_than.pk)
    if taken.exists():
        raise Conflict(_("A team named “%(name)s” already exists.") % {"name": name}, code="team_exists")
    return name


@transaction.atomic
def create_team(member: Member, *, name: str) -> Team:
    require_admin(member)
    return Team.objects.create(workspace_id=member.workspace_id, name=_clean_team_name(member, name))


@transaction.atomic
def rename_team(member: Member, team: Team, *, name: str) -> Team:
    require_admin(member)
    _in_workspace(member, team, "Team")
    team.name = _clean_team_name(member, name, other_than=team)
    team.save(update_fields=["name"])
    return team


@transaction.atomic
def delete_team(member: Member, team: Team) -> None:
    """Conversations assigned to the team keep their assignee and lose the team."""
    require_admin(member)
    _in_workspace(member, team, "Team")
    team.delete()


@transaction.atomic
def set_team_members(member: Member, team: Team, *, member_ids: list[str]) -> Team:
    require_admin(member)
    _in_workspace(member, team, "Team")
    workspace_members = Member.objects.filter(workspace_id=member.workspace_id)
    chosen = {m.pk: m for m in (get_by_public_id(workspace_members, i, "Operator") for i in member_ids)}
    team.members.set(chosen.values())
    return team


@transaction.atomic
def update_profile(member: Member, *, display_name: str) -> Member:
    """The member's own name, shown to visitors next to their replies."""
    display_name = " ".join(display_name.split())
    if not 1 <= len(display_name) <= 150:
        raise InvalidInput(_("A display name must be 1 to 150 characters long."))
    member.display_name = display_name
    member.save(update_fields=["display_name"])
    return member
