"""Every settings route, walked with each role, an outsider and nobody.

A route added without a row in AGENT_MAY_POST or ADMIN_ONLY_POST fails the walk.
"""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from contacts import actions as contact_actions
from contacts.models import Segment
from conversations import actions as conversation_actions
from conversations.models import CannedResponse, Tag
from core.tests.fixtures import make_agent
from workspaces import actions
from workspaces.models import Invitation, Member, Team

# Routes whose POST an agent may make (their own profile, templates they write).
AGENT_MAY_POST = {"settings", "members", "teams", "tags", "templates", "template_create", "profile"} | {
    "profile_name",
    "profile_availability",
    "profile_notifications",
    "member",
    "team",
    "tag",
    "template",
    "segments",
    "segment",
    "attributes",
    "attribute",
    "segment_condition",  # GET only: an empty row of the rule builder
}
ADMIN_ONLY_POST = {
    "member_role",
    "member_inboxes",
    "member_remove",
    "invitation_create",
    "invitation_revoke",
    "team_create",
    "team_rename",
    "team_members",
    "team_delete",
    "tag_create",
    "tag_update",
    "tag_delete",
    "template_update",  # another member's template: only its author or an admin
    "template_delete",
    "segment_create",
    "segment_update",
    "segment_delete",
    "segment_preview",
    "attribute_create",
    "attribute_update",
    "attribute_delete",
}


def settings_routes() -> list[tuple[str, str]]:
    """(name, path pattern) of every route under /settings/."""
    root = next(p for p in get_resolver().url_patterns if getattr(p, "namespace", None) == "workspaces")
    assert isinstance(root, URLResolver)
    settings = next(p for p in root.url_patterns if isinstance(p, URLResolver))
    routes = []
    for pattern in settings.url_patterns:
        assert isinstance(pattern, URLPattern) and pattern.name
        routes.append((pattern.name, "/settings/" + str(pattern.pattern)))
    return routes


def client_for(member: Member) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


@pytest.fixture
def ids(member, inbox) -> dict[str, str]:
    """One row of each kind in Anna's workspace; the template is Anna's."""
    agent = make_agent(member.workspace, "dan@shop.example.com")
    return {
        "member_id": agent.public_id.hex,
        "invitation_id": actions.create_invitation(member, role="agent").public_id.hex,
        "team_id": actions.create_team(member, name="Sales").public_id.hex,
        "tag_id": conversation_actions.create_tag(member, name="VIP").public_id.hex,
        "template_id": conversation_actions.save_canned_response(member, shortcut="hi", text="Hi!").public_id.hex,
        "segment_id": contact_actions.create_segment(
            member,
            name="Russian speakers",
            rules={"conditions": [{"kind": "language", "op": "starts_with", "value": "ru"}]},
        ).public_id.hex,
        "attribute_id": contact_actions.create_attribute(
            member, key="plan", label="Plan", type="list", options=["free", "pro"]
        ).public_id.hex,
    }


def fill(route: str, ids: dict[str, str]) -> str:
    return re.sub(r"<str:(\w+)>", lambda m: ids[m[1]], route)


def snapshot() -> tuple:
    return (
        sorted(Member.objects.values_list("public_id", "role", "display_name")),
        sorted(Team.objects.values_list("name", flat=True)),
        sorted(Tag.objects.values_list("name", "colour")),
        sorted(CannedResponse.objects.values_list("shortcut", "text")),
        sorted(Invitation.objects.values_list("public_id", "revoked_at", "accepted_by")),
        sorted((name, str(rules)) for name, rules in Segment.objects.values_list("name", "rules")),
    )


def test_every_route_is_classified():
    names = {name for name, _ in settings_routes()}
    assert names == AGENT_MAY_POST | ADMIN_ONLY_POST


@pytest.mark.parametrize(("name", "route"), settings_routes())
def test_signed_out_visitors_are_sent_to_sign_in(name, route, ids):
    responses = [Client().get(fill(route, ids)), Client().post(fill(route, ids))]
    allowed = [r for r in responses if r.status_code != 405]  # a method the route does not take reveals nothing
    assert allowed and all(r.status_code == 302 and "/accounts/login/" in r["Location"] for r in allowed)


@pytest.mark.parametrize(("name", "route"), [(n, r) for n, r in settings_routes() if "<" in r])
def test_an_outsider_naming_our_rows_gets_not_found_and_changes_nothing(name, route, ids, other_member):
    before = snapshot()
    client = client_for(other_member)

    for response in (client.get(fill(route, ids)), client.post(fill(route, ids), {"name": "X", "role": "admin"})):
        assert response.status_code in (404, 405), (name, response.status_code)
    assert snapshot() == before


@pytest.mark.parametrize(("name", "route"), [(n, r) for n, r in settings_routes() if n in ADMIN_ONLY_POST])
def test_an_agent_cannot_manage(name, route, ids, agent):
    before = snapshot()

    response = client_for(agent).post(fill(route, ids), {"name": "X", "role": "admin", "shortcut": "x", "text": "x"})

    assert response.status_code == 403, (name, response.status_code)
    assert snapshot() == before


@pytest.mark.parametrize(("name", "route"), [(n, r) for n, r in settings_routes() if "<" not in r])
def test_workspace_wide_pages_show_an_outsider_none_of_our_rows(name, route, ids, other_member):
    response = client_for(other_member).get(fill(route, ids), follow=True)

    assert response.status_code in (200, 405)
    page = response.content.decode()
    assert not any(value in page for value in ids.values())
