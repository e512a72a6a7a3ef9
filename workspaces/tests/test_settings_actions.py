"""Rules of the settings actions: invitations, roles, inbox access, teams, profile."""

from datetime import timedelta
from functools import partial

import pytest
from django.utils import timezone

from accounts import actions as account_actions
from accounts.models import User
from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from core.tests.fixtures import make_operator
from workspaces import actions
from workspaces.events import MemberAccessChanged
from workspaces.models import Invitation, Member, Team
from workspaces.queries import InvitationUnavailable, list_pending_invitations


def new_user(email: str) -> User:
    return account_actions.create_user(email=email, name=email.split("@")[0].title(), password="s3cret-pass")


@pytest.fixture
def agent(workspace) -> Member:
    return actions.add_member(workspace, new_user("carl@shop.example.com"), role="agent")


@pytest.fixture
def second_admin(workspace) -> Member:
    return actions.add_member(workspace, new_user("dora@shop.example.com"), role="admin")


@pytest.fixture(autouse=True)
def fast_passwords(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def emitted(callbacks) -> list[object]:
    return [cb.args[0] for cb in callbacks if isinstance(cb, partial)]


# Invitations


def test_an_admin_creates_a_single_use_invitation_valid_for_seven_days(member):
    invitation = actions.create_invitation(member, role="agent")

    assert invitation.workspace_id == member.workspace_id and invitation.role == "agent"
    assert invitation.created_by == member
    assert timedelta(days=7) - (invitation.expires_at - timezone.now()) < timedelta(minutes=1)
    assert len(invitation.token) >= 24
    assert list_pending_invitations(member) == [invitation]


def test_an_agent_cannot_create_an_invitation(agent):
    with pytest.raises(Forbidden):
        actions.create_invitation(agent, role="agent")

    assert not Invitation.objects.exists()


def test_an_invitation_needs_a_known_role(member):
    with pytest.raises(InvalidInput):
        actions.create_invitation(member, role="owner")


def test_accepting_makes_the_user_a_member_with_the_invited_role(member):
    invitation = actions.create_invitation(member, role="admin")
    user = new_user("eve@example.com")

    joined = actions.accept_invitation(user, token=invitation.token)

    assert (joined.workspace_id, joined.user_id, joined.role) == (member.workspace_id, user.pk, "admin")
    invitation.refresh_from_db()
    assert invitation.accepted_by == joined
    assert list_pending_invitations(member) == []


def test_an_invitation_is_single_use(member):
    invitation = actions.create_invitation(member, role="agent")
    actions.accept_invitation(new_user("eve@example.com"), token=invitation.token)

    with pytest.raises(InvitationUnavailable) as raised:
        actions.accept_invitation(new_user("fred@example.com"), token=invitation.token)

    assert raised.value.status == 410 and raised.value.code == "invitation_used"
    assert member.workspace.members.count() == 2


def test_a_used_invitation_stays_closed_after_its_member_is_removed(member):
    invitation = actions.create_invitation(member, role="agent")
    joined = actions.accept_invitation(new_user("eve@example.com"), token=invitation.token)
    actions.remove_member(member, joined)

    with pytest.raises(InvitationUnavailable):
        actions.accept_invitation(new_user("fred@example.com"), token=invitation.token)


def test_an_expired_invitation_cannot_be_accepted(member):
    invitation = actions.create_invitation(member, role="agent")
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    with pytest.raises(InvitationUnavailable) as raised:
        actions.accept_invitation(new_user("eve@example.com"), token=invitation.token)

    assert raised.value.code == "invitation_expired"
    assert list_pending_invitations(member) == []


def test_a_revoked_invitation_cannot_be_accepted(member):
    invitation = actions.create_invitation(member, role="agent")

    actions.revoke_invitation(member, invitation)

    with pytest.raises(InvitationUnavailable) as raised:
        actions.accept_invitation(new_user("eve@example.com"), token=invitation.token)
    assert raised.value.code == "invitation_revoked"
    assert list_pending_invitations(member) == []


def test_an_unknown_token_is_not_found(db):
    with pytest.raises(NotFound):
        actions.accept_invitation(new_user("eve@example.com"), token="no-such-token")


def test_a_member_cannot_accept_an_invitation_to_their_own_workspace(member):
    invitation = actions.create_invitation(member, role="agent")

    with pytest.raises(Conflict):
        actions.accept_invitation(member.user, token=invitation.token)

    invitation.refresh_from_db()
    assert invitation.accepted_by is None and invitation.revoked_at is None


def test_a_used_invitation_cannot_be_revoked(member):
    invitation = actions.create_invitation(member, role="agent")
    actions.accept_invitation(new_user("eve@example.com"), token=invitation.token)

    with pytest.raises(Conflict):
        actions.revoke_invitation(member, Invitation.objects.get(pk=invitation.pk))


def test_an_agent_cannot_revoke_an_invitation(member, agent):
    invitation = actions.create_invitation(member, role="agent")

    with pytest.raises(Forbidden):
        actions.revoke_invitation(agent, invitation)

    assert list_pending_invitations(member) == [invitation]


def test_another_workspace_cannot_revoke_an_invitation(member, other_member):
    invitation = actions.create_invitation(member, role="agent")

    with pytest.raises(NotFound):
        actions.revoke_invitation(other_member, invitation)

    assert list_pending_invitations(member) == [invitation]


def test_signing_up_from_an_invitation_makes_the_account_and_the_membership(member):
    invitation = actions.create_invitation(member, role="agent")

    joined = actions.sign_up_with_invitation(
        token=invitation.token, name="  Eve  Adams ", email="Eve@Example.com", password="a-long-passphrase-42"
    )

    assert joined.user.email == "eve@example.com" and joined.user.check_password("a-long-passphrase-42")
    assert (joined.display_name, joined.role, joined.workspace_id) == ("Eve Adams", "agent", member.workspace_id)


def test_signing_up_checks_the_password_and_makes_nothing_when_it_is_weak(member):
    invitation = actions.create_invitation(member, role="agent")

    with pytest.raises(InvalidInput):
        actions.sign_up_with_invitation(token=invitation.token, name="Eve", email="eve@example.com", password="123")

    assert not User.objects.filter(email="eve@example.com").exists()
    assert list_pending_invitations(member) == [invitation]


def test_signing_up_from_a_dead_link_makes_no_account(member):
    invitation = actions.create_invitation(member, role="agent")
    actions.revoke_invitation(member, invitation)

    with pytest.raises(InvitationUnavailable):
        actions.sign_up_with_invitation(
            token=invitation.token, name="Eve", email="eve@example.com", password="a-long-passphrase-42"
        )

    assert not User.objects.filter(email="eve@example.com").exists()


# Roles and removal


def test_the_last_admin_cannot_become_an_agent(member):
    with pytest.raises(Conflict) as raised:
        actions.change_role(member, member, role="agent")

    assert raised.value.code == "last_admin"
    member.refresh_from_db()
    assert member.role == "admin"


def test_an_admin_can_step_down_when_another_admin_remains(member, second_admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        actions.change_role(member, member, role="agent")

    assert Member.objects.get(pk=member.pk).role == "agent"
    assert emitted(callbacks) == [MemberAccessChanged(member.workspace_id, member.pk)]


def test_an_admin_promotes_an_agent_and_open_sockets_hear_of_it(member, agent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        actions.change_role(member, agent, role="admin")

    assert Member.objects.get(pk=agent.pk).role == "admin"
    assert emitted(callbacks) == [MemberAccessChanged(agent.workspace_id, agent.pk)]


def test_keeping_the_same_role_changes_nothing(member, agent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        actions.change_role(member, agent, role="agent")

    assert emitted(callbacks) == []


def test_an_agent_cannot_change_roles(member, agent):
    with pytest.raises(Forbidden):
        actions.change_role(agent, agent, role="admin")

    assert Member.objects.get(pk=agent.pk).role == "agent"


def test_a_role_must_be_admin_or_agent(member, agent):
    with pytest.raises(InvalidInput):
        actions.change_role(member, agent, role="owner")


def test_another_workspace_cannot_change_a_role(member, agent, other_member):
    with pytest.raises(NotFound):
        actions.change_role(other_member, agent, role="admin")

    assert Member.objects.get(pk=agent.pk).role == "agent"


def test_an_admin_removes_an_agent(member, agent, django_capture_on_commit_callbacks):
    agent_pk = agent.pk

    with django_capture_on_commit_callbacks() as callbacks:
        actions.remove_member(member, agent)

    assert not Member.objects.filter(pk=agent_pk).exists()
    assert User.objects.filter(pk=agent.user_id).exists()
    assert emitted(callbacks) == [MemberAccessChanged(member.workspace_id, agent_pk)]


def test_removing_yourself_is_refused(member, second_admin):
    with pytest.raises(InvalidInput):
        actions.remove_member(member, member)

    assert Member.objects.filter(pk=member.pk).exists()


def test_the_last_admin_cannot_be_removed(member, second_admin):
    # given an admin whose role was taken away after their page loaded
    actions.change_role(second_admin, Member.objects.get(pk=member.pk), role="agent")

    with pytest.raises(Conflict):
        actions.remove_member(member, second_admin)  # `member` still thinks they are an admin

    assert Member.objects.filter(pk=second_admin.pk, role="admin").exists()


def test_an_agent_cannot_remove_anyone(member, agent):
    with pytest.raises(Forbidden):
        actions.remove_member(agent, member)

    assert Member.objects.filter(pk=member.pk).exists()


def test_another_workspace_cannot_remove_a_member(agent, other_member):
    with pytest.raises(NotFound):
        actions.remove_member(other_member, agent)

    assert Member.objects.filter(pk=agent.pk).exists()


# Inbox access


def test_an_admin_chooses_the_inboxes_an_agent_works(member, agent, inbox, django_capture_on_commit_callbacks):
    second = actions.create_inbox(member.workspace, name="Docs", allowed_origins=["https://docs.example.com"])
    assert set(agent.inboxes.all()) == {inbox, second}

    with django_capture_on_commit_callbacks() as callbacks:
        actions.set_member_inboxes(member, agent, inbox_ids=[second.public_id.hex, second.public_id.hex])

    assert list(agent.inboxes.all()) == [second]
    assert emitted(callbacks) == [MemberAccessChanged(agent.workspace_id, agent.pk)]


def test_an_agent_can_be_left_with_no_inbox(member, agent, inbox):
    actions.set_member_inboxes(member, agent, inbox_ids=[])

    assert list(agent.inboxes.all()) == []


def test_an_inbox_of_another_workspace_cannot_be_given(member, agent, inbox, other_inbox):
    with pytest.raises(NotFound):
        actions.set_member_inboxes(member, agent, inbox_ids=[other_inbox.public_id.hex])

    assert list(agent.inboxes.all()) == [inbox]


def test_an_agent_cannot_choose_inboxes(agent, inbox):
    with pytest.raises(Forbidden):
        actions.set_member_inboxes(agent, agent, inbox_ids=[])

    assert list(agent.inboxes.all()) == [inbox]


def test_another_workspace_cannot_choose_inboxes(agent, inbox, other_member):
    with pytest.raises(NotFound):
        actions.set_member_inboxes(other_member, agent, inbox_ids=[])

    assert list(agent.inboxes.all()) == [inbox]


# Teams


def test_an_admin_creates_a_team(member):
    team = actions.create_team(member, name="  Sales   team ")

    assert (team.name, team.workspace_id) == ("Sales team", member.workspace_id)


def test_team_names_are_unique_in_a_workspace_whatever_the_case(member, other_member):
    actions.create_team(member, name="Sales")
    actions.create_team(other_member, name="Sales")  # another workspace may use the name

    with pytest.raises(Conflict) as raised:
        actions.create_team(member, name="sales")

    assert raised.value.status == 409 and "already exists" in raised.value.detail
    assert Team.objects.filter(workspace=member.workspace).count() == 1


@pytest.mark.parametrize("name", ["", "   ", "x" * 81])
def test_a_team_name_has_a_length(member, name):
    with pytest.raises(InvalidInput):
        actions.create_team(member, name=name)


def test_renaming_a_team_keeps_names_unique(member):
    sales = actions.create_team(member, name="Sales")
    actions.create_team(member, name="Support")

    with pytest.raises(Conflict):
        actions.rename_team(member, sales, name="SUPPORT")
    renamed = actions.rename_team(member, Team.objects.get(pk=sales.pk), name="SALES")

    assert renamed.name == "SALES"


def test_an_admin_sets_team_members_and_deletes_the_team(member, agent):
    team = actions.create_team(member, name="Sales")

    actions.set_team_members(member, team, member_ids=[agent.public_id.hex, member.public_id.hex])
    assert set(team.members.all()) == {member, agent}
    actions.delete_team(member, team)

    assert not Team.objects.exists()


def test_a_member_of_another_workspace_cannot_join_a_team(member, other_member):
    team = actions.create_team(member, name="Sales")

    with pytest.raises(NotFound):
        actions.set_team_members(member, team, member_ids=[other_member.public_id.hex])

    assert list(team.members.all()) == []


def test_agents_cannot_manage_teams(member, agent):
    team = actions.create_team(member, name="Sales")

    for attempt in (
        lambda: actions.create_team(agent, name="Support"),
        lambda: actions.rename_team(agent, team, name="Support"),
        lambda: actions.set_team_members(agent, team, member_ids=[agent.public_id.hex]),
        lambda: actions.delete_team(agent, team),
    ):
        with pytest.raises(Forbidden):
            attempt()

    assert [(t.name, list(t.members.all())) for t in Team.objects.all()] == [("Sales", [])]


def test_another_workspace_cannot_touch_a_team(member, other_member):
    team = actions.create_team(member, name="Sales")

    with pytest.raises(NotFound):
        actions.rename_team(other_member, team, name="Mine")
    with pytest.raises(NotFound):
        actions.delete_team(other_member, team)

    assert Team.objects.get().name == "Sales"


# Profile


def test_a_member_changes_their_display_name(member):
    actions.update_profile(member, display_name="  Anna   K. ")

    assert Member.objects.get(pk=member.pk).display_name == "Anna K."


@pytest.mark.parametrize("name", ["", "  ", "x" * 151])
def test_a_display_name_has_a_length(member, name):
    with pytest.raises(InvalidInput):
        actions.update_profile(member, display_name=name)

    assert Member.objects.get(pk=member.pk).display_name == member.display_name


def test_make_operator_gives_a_separate_workspace(member):
    other = make_operator("zed@else.example.com", "Else")

    assert other.workspace_id != member.workspace_id


def test_a_removed_members_sockets_still_hear_that_their_access_changed(
    member, agent, django_capture_on_commit_callbacks
):
    # the fan-out cannot load a deleted member by id, so the event carries the row as its subject
    with django_capture_on_commit_callbacks() as callbacks:
        actions.remove_member(member, agent)

    (delivery,) = [cb for cb in callbacks if isinstance(cb, partial)]
    assert delivery.args[1] is agent and agent.public_id is not None
