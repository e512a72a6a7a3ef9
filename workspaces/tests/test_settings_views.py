"""The settings pages and the invitation page, as admins, agents, strangers and newcomers use them."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts import actions as account_actions
from accounts.models import User
from conversations import actions as conversation_actions
from conversations.models import CannedResponse, Tag
from visitors.actions import create_visitor
from workspaces import actions
from workspaces.models import Invitation, Member, Team


def new_user(email: str) -> User:
    return account_actions.create_user(email=email, name=email.split("@")[0].title(), password="s3cret-pass")


def client_for(member: Member) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


@pytest.fixture
def agent(workspace) -> Member:
    return actions.add_member(workspace, new_user("carl@shop.example.com"), role="agent")


@pytest.fixture
def agent_client(agent) -> Client:
    return client_for(agent)


@pytest.fixture
def other_client(other_member) -> Client:
    return client_for(other_member)


@pytest.fixture
def team(member) -> Team:
    return actions.create_team(member, name="Sales")


@pytest.fixture
def tag(member) -> Tag:
    return conversation_actions.create_tag(member, name="Refund", colour="#ff0000")


@pytest.fixture
def reply_template(member) -> CannedResponse:
    return conversation_actions.save_canned_response(member, shortcut="hello", text="Hi {{contact.name}}!")


@pytest.fixture
def invitation(member) -> Invitation:
    return actions.create_invitation(member, role="agent")


def html(response) -> str:
    return response.content.decode()


# Pages


def test_settings_need_a_signed_in_member(db):
    response = Client().get("/settings/members/")

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_settings_root_opens_the_members_page(operator_client):
    response = operator_client.get("/settings/")

    assert response.status_code == 302 and response["Location"] == "/settings/members/"


def test_the_members_page_lists_people_with_role_presence_and_inboxes(operator_client, member, agent, inbox):
    other_inbox = actions.create_inbox(member.workspace, name="Docs site", allowed_origins=["https://docs.example"])
    actions.set_member_inboxes(member, agent, inbox_ids=[other_inbox.public_id.hex])

    page = html(operator_client.get("/settings/members/"))

    row = page[page.index(f'id="member-{agent.public_id.hex}"') :]
    row = row[: row.index("</tr>")]
    assert "Carl" in row and "carl@shop.example.com" in row and "Agent" in row and "Away" in row
    assert "Docs site" in row and "Website" not in row
    assert "Create invitation link" in page and "Manage" in page
    assert "Back to the inbox" in page


def test_an_agent_sees_the_members_read_only(agent_client, agent):
    page = html(agent_client.get("/settings/members/"))

    assert "anna@shop.example.com" in page
    assert "Create invitation link" not in page and "Manage" not in page


@pytest.mark.parametrize(
    "url",
    [
        "/settings/members/",
        "/settings/members/{agent}/",
        "/settings/teams/",
        "/settings/teams/{team}/",
        "/settings/tags/",
        "/settings/tags/{tag}/",
        "/settings/templates/",
        "/settings/templates/{template}/",
        "/settings/profile/",
    ],
)
@pytest.mark.parametrize("who", ["admin", "agent"])
def test_every_settings_page_renders_for_admins_and_agents(who, url, member, agent, team, tag, reply_template):
    ids = {"agent": agent.public_id.hex, "team": team.public_id.hex, "tag": tag.public_id.hex}
    client = client_for(member if who == "admin" else agent)

    response = client.get(url.format(**ids, template=reply_template.public_id.hex))

    assert response.status_code == 200
    assert 'class="settings-nav"' in html(response)


def test_empty_lists_say_so(operator_client):
    assert "No teams yet" in html(operator_client.get("/settings/teams/"))
    assert "No tags yet" in html(operator_client.get("/settings/tags/"))
    assert "No reply templates yet" in html(operator_client.get("/settings/templates/"))
    assert "No pending invitations" in html(operator_client.get("/settings/members/"))


def test_tags_show_their_colour_and_how_many_conversations_have_them(operator_client, member, tag, visitor):
    conversation = conversation_actions.send_visitor_message(visitor, text="hi", client_id="1").message.conversation
    conversation.tags.add(tag)

    page = html(operator_client.get("/settings/tags/"))

    row = page[page.index(f'id="tag-{tag.public_id.hex}"') :]
    assert "background: #ff0000" in row[: row.index("</tr>")] and "<td>1</td>" in row[: row.index("</tr>")]


def test_the_templates_page_explains_placeholders(operator_client, reply_template):
    page = html(operator_client.get("/settings/templates/"))

    assert "/hello" in page and "Hi {{contact.name}}!" in page
    for placeholder in ("{{contact.name}}", "{{contact.email}}", "{{operator.name}}", "{{workspace.name}}"):
        assert placeholder in page


# Admin actions through the pages


def test_an_admin_changes_a_role(operator_client, agent):
    response = operator_client.post(f"/settings/members/{agent.public_id.hex}/role/", {"role": "admin"}, follow=True)

    assert response.status_code == 200 and "Carl is now an admin." in html(response)
    assert Member.objects.get(pk=agent.pk).role == "admin"


def test_demoting_the_last_admin_shows_why_and_changes_nothing(operator_client, member):
    response = operator_client.post(f"/settings/members/{member.public_id.hex}/role/", {"role": "agent"})

    assert response.status_code == 409
    assert "only admin" in html(response) and 'data-error-code="last_admin"' in html(response)
    assert Member.objects.get(pk=member.pk).role == "admin"


def test_an_unknown_role_is_a_field_error(operator_client, agent):
    response = operator_client.post(f"/settings/members/{agent.public_id.hex}/role/", {"role": "owner"})

    assert response.status_code == 422 and "Select a valid choice" in html(response)
    assert Member.objects.get(pk=agent.pk).role == "agent"


def test_removing_yourself_is_refused_with_a_message(operator_client, member):
    response = operator_client.post(f"/settings/members/{member.public_id.hex}/remove/")

    assert response.status_code == 422 and "cannot remove yourself" in html(response)
    assert Member.objects.filter(pk=member.pk).exists()


def test_an_admin_removes_an_agent(operator_client, agent):
    response = operator_client.post(f"/settings/members/{agent.public_id.hex}/remove/", follow=True)

    assert response.status_code == 200 and "Carl was removed" in html(response)
    assert not Member.objects.filter(pk=agent.pk).exists()


def test_an_admin_chooses_an_agents_inboxes_with_checkboxes(operator_client, member, agent, inbox):
    docs = actions.create_inbox(member.workspace, name="Docs", allowed_origins=["https://docs.example"])

    page = html(operator_client.get(f"/settings/members/{agent.public_id.hex}/"))
    assert f'value="{docs.public_id.hex}" checked' in page
    response = operator_client.post(
        f"/settings/members/{agent.public_id.hex}/inboxes/", {"inboxes": [docs.public_id.hex]}
    )

    assert response.status_code == 302
    assert list(agent.inboxes.all()) == [docs]


def test_an_admin_manages_teams(operator_client, member, agent):
    assert operator_client.post("/settings/teams/new/", {"name": "Sales"}).status_code == 302
    team = Team.objects.get(name="Sales")
    url = f"/settings/teams/{team.public_id.hex}"

    assert operator_client.post(f"{url}/rename/", {"name": "Deals"}).status_code == 302
    assert operator_client.post(f"{url}/members/", {"members": [agent.public_id.hex]}).status_code == 302
    team.refresh_from_db()
    assert team.name == "Deals" and list(team.members.all()) == [agent]
    assert "Carl" in html(operator_client.get("/settings/teams/"))

    assert operator_client.post(f"{url}/delete/").status_code == 302
    assert not Team.objects.exists()


def test_a_duplicate_team_name_is_a_conflict_and_keeps_what_was_typed(operator_client, team):
    response = operator_client.post("/settings/teams/new/", {"name": "SALES"})

    assert response.status_code == 409
    assert "already exists" in html(response) and 'value="SALES"' in html(response)
    assert Team.objects.count() == 1


def test_a_blank_team_name_is_shown_next_to_the_field(operator_client):
    response = operator_client.post("/settings/teams/new/", {"name": ""})

    assert response.status_code == 422 and "field__error" in html(response)
    assert not Team.objects.exists()


def test_an_admin_creates_recolours_and_deletes_a_tag(operator_client):
    assert operator_client.post("/settings/tags/new/", {"name": "VIP", "colour": "#00AA00"}).status_code == 302
    tag = Tag.objects.get()
    assert tag.colour == "#00aa00"

    response = operator_client.post(
        f"/settings/tags/{tag.public_id.hex}/update/", {"name": "Gold", "colour": "#ffd700"}
    )
    assert response.status_code == 302
    tag.refresh_from_db()
    assert (tag.name, tag.colour) == ("Gold", "#ffd700")

    assert operator_client.post(f"/settings/tags/{tag.public_id.hex}/delete/").status_code == 302
    assert not Tag.objects.exists()


def test_a_bad_tag_colour_is_a_field_error(operator_client, tag):
    response = operator_client.post(f"/settings/tags/{tag.public_id.hex}/update/", {"name": "Refund", "colour": "red"})

    assert response.status_code == 422 and "A colour looks like" in html(response)
    tag.refresh_from_db()
    assert tag.colour == "#ff0000"


def test_a_duplicate_tag_is_a_conflict(operator_client, tag):
    response = operator_client.post("/settings/tags/new/", {"name": "refund", "colour": "#000000"})

    assert response.status_code == 409 and "already exists" in html(response)
    assert Tag.objects.count() == 1


def test_an_admin_creates_and_revokes_an_invitation(operator_client, member):
    response = operator_client.post("/settings/invitations/", {"role": "agent"}, follow=True)

    invitation = Invitation.objects.get()
    assert f"http://testserver/invite/{invitation.token}/" in html(response)
    response = operator_client.post(f"/settings/invitations/{invitation.public_id.hex}/revoke/", follow=True)
    assert "Invitation revoked" in html(response) and invitation.token not in html(response)
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None


# Agents: read-only where admins manage


def _admin_posts(agent: Member, team: Team, tag: Tag, invitation: Invitation, member: Member) -> list[tuple[str, dict]]:
    return [
        (f"/settings/members/{member.public_id.hex}/role/", {"role": "agent"}),
        (f"/settings/members/{member.public_id.hex}/remove/", {}),
        (f"/settings/members/{agent.public_id.hex}/inboxes/", {"inboxes": []}),
        ("/settings/invitations/", {"role": "admin"}),
        (f"/settings/invitations/{invitation.public_id.hex}/revoke/", {}),
        ("/settings/teams/new/", {"name": "Support"}),
        (f"/settings/teams/{team.public_id.hex}/rename/", {"name": "Support"}),
        (f"/settings/teams/{team.public_id.hex}/members/", {"members": [agent.public_id.hex]}),
        (f"/settings/teams/{team.public_id.hex}/delete/", {}),
        ("/settings/tags/new/", {"name": "New", "colour": "#000000"}),
        (f"/settings/tags/{tag.public_id.hex}/update/", {"name": "New", "colour": "#000000"}),
        (f"/settings/tags/{tag.public_id.hex}/delete/", {}),
    ]


def _snapshot(member: Member) -> dict[str, object]:
    workspace = member.workspace
    return {
        "members": sorted(Member.objects.filter(workspace=workspace).values_list("pk", "role")),
        "inboxes": sorted(Member.inboxes.through.objects.values_list("member_id", "inbox_id")),
        "invitations": sorted(Invitation.objects.values_list("pk", "revoked_at")),
        "teams": sorted(Team.objects.values_list("pk", "name")),
        "team_members": sorted(Team.members.through.objects.values_list("team_id", "member_id")),
        "tags": sorted(Tag.objects.values_list("pk", "name", "colour")),
        "templates": sorted(CannedResponse.objects.values_list("pk", "shortcut", "text")),
    }


def test_agents_get_403_on_every_admin_post_and_nothing_changes(
    agent_client, agent, team, tag, invitation, member, inbox
):
    before = _snapshot(member)

    for url, data in _admin_posts(agent, team, tag, invitation, member):
        response = agent_client.post(url, data)
        assert response.status_code == 403, url
        assert "Only workspace admins" in html(response), url

    assert _snapshot(member) == before


def test_an_agent_adds_a_reply_template_and_cannot_change_an_admins(agent_client, agent, reply_template):
    response = agent_client.post("/settings/templates/new/", {"shortcut": "/Bye", "text": "Bye"})
    assert response.status_code == 302
    mine = CannedResponse.objects.get(shortcut="bye")
    assert mine.created_by == agent

    url = f"/settings/templates/{reply_template.public_id.hex}"
    assert agent_client.post(f"{url}/update/", {"shortcut": "hello", "text": "Changed"}).status_code == 403
    assert agent_client.post(f"{url}/delete/").status_code == 403
    assert "Only its author or an admin" in html(agent_client.get(f"{url}/"))
    assert CannedResponse.objects.get(pk=reply_template.pk).text == "Hi {{contact.name}}!"

    assert (
        agent_client.post(
            f"/settings/templates/{mine.public_id.hex}/update/", {"shortcut": "bye", "text": "Ciao"}
        ).status_code
        == 302
    )
    assert agent_client.post(f"/settings/templates/{mine.public_id.hex}/delete/").status_code == 302
    assert not CannedResponse.objects.filter(pk=mine.pk).exists()


def test_a_duplicate_shortcut_is_a_conflict(operator_client, reply_template):
    response = operator_client.post("/settings/templates/new/", {"shortcut": "hello", "text": "x"})

    assert response.status_code == 409 and "/hello is already used" in html(response)
    assert CannedResponse.objects.count() == 1


# Another workspace's member naming our ids


def test_a_foreign_member_gets_404_everywhere_and_nothing_changes(
    other_client, member, agent, team, tag, invitation, reply_template, inbox
):
    before = _snapshot(member)
    template_url = f"/settings/templates/{reply_template.public_id.hex}"
    posts = [*_admin_posts(agent, team, tag, invitation, member)]
    posts = [
        (url, data)
        for url, data in posts
        if url not in ("/settings/invitations/", "/settings/teams/new/", "/settings/tags/new/")
    ]
    posts += [(f"{template_url}/update/", {"shortcut": "x", "text": "y"}), (f"{template_url}/delete/", {})]
    gets = [
        f"/settings/members/{agent.public_id.hex}/",
        f"/settings/teams/{team.public_id.hex}/",
        f"/settings/tags/{tag.public_id.hex}/",
        f"{template_url}/",
    ]

    for url, data in posts:
        assert other_client.post(url, data).status_code == 404, url
    for url in gets:
        assert other_client.get(url).status_code == 404, url

    assert _snapshot(member) == before


def test_an_inbox_of_another_workspace_is_not_found(operator_client, agent, inbox, other_inbox):
    response = operator_client.post(
        f"/settings/members/{agent.public_id.hex}/inboxes/", {"inboxes": [other_inbox.public_id.hex]}
    )

    assert response.status_code == 404 and "Inbox not found" in html(response)
    assert list(agent.inboxes.all()) == [inbox]


def test_a_malformed_id_is_not_found(operator_client):
    assert operator_client.get("/settings/teams/not-an-id/").status_code == 404


def test_posts_need_the_csrf_token(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member.user)

    response = client.post("/settings/teams/new/", {"name": "Sales"})

    assert response.status_code == 403
    assert not Team.objects.exists()


# Profile


def test_a_member_sets_name_availability_and_notifications(agent_client, agent):
    assert agent_client.post("/settings/profile/name/", {"display_name": "Carlos"}).status_code == 302
    assert agent_client.post("/settings/profile/availability/", {"availability": "away"}).status_code == 302
    assert agent_client.post("/settings/profile/notifications/", {"notify_sound": "on"}).status_code == 302

    agent.refresh_from_db()
    assert (agent.display_name, agent.availability) == ("Carlos", "away")
    assert (agent.notify_desktop, agent.notify_sound, agent.notify_email, agent.notify_digest) == (
        False,
        True,
        False,
        False,
    )
    page = html(agent_client.get("/settings/profile/"))
    assert 'value="Carlos"' in page and 'value="away" id="id_availability_1" required checked' in page


def test_the_morning_digest_is_a_profile_preference(agent_client, agent):
    page = html(agent_client.get("/settings/profile/"))
    assert 'name="notify_digest" id="id_notify_digest" checked' in page  # on for newcomers
    assert "Email me a morning digest of the conversations waiting for an answer" in page

    agent_client.post("/settings/profile/notifications/", {"notify_email": "on"})
    agent.refresh_from_db()
    assert (agent.notify_email, agent.notify_digest) == (True, False)

    agent_client.post("/settings/profile/notifications/", {"notify_digest": "on"})
    agent.refresh_from_db()
    assert (agent.notify_email, agent.notify_digest) == (False, True)


def test_a_blank_display_name_is_a_field_error(agent_client, agent):
    response = agent_client.post("/settings/profile/name/", {"display_name": ""})

    assert response.status_code == 422 and "field__error" in html(response)
    assert Member.objects.get(pk=agent.pk).display_name == "Carl"


def test_an_unknown_availability_is_a_field_error(agent_client, agent):
    response = agent_client.post("/settings/profile/availability/", {"availability": "gone"})

    assert response.status_code == 422
    assert Member.objects.get(pk=agent.pk).availability == "online"


# Invitation page


def test_a_newcomer_signs_up_from_an_invitation_link_and_lands_in_the_inbox(operator_client, member):
    operator_client.post("/settings/invitations/", {"role": "agent"})
    link = f"/invite/{Invitation.objects.get().token}/"
    newcomer = Client()

    page = newcomer.get(link)
    assert page.status_code == 200 and "Join Shop" in html(page)
    assert f'href="/accounts/login/?next={link}"' in html(page)

    mismatch = newcomer.post(
        link,
        {
            "name": "Eve",
            "email": "eve@example.com",
            "password": "a-long-passphrase-42",
            "password_confirmation": "other",
        },
    )
    assert mismatch.status_code == 422 and "The two passwords differ" in html(mismatch)
    weak = newcomer.post(
        link, {"name": "Eve", "email": "eve@example.com", "password": "123", "password_confirmation": "123"}
    )
    assert weak.status_code == 422 and "too short" in html(weak)
    assert not User.objects.filter(email="eve@example.com").exists()

    joined = newcomer.post(
        link,
        {
            "name": "Eve",
            "email": "eve@example.com",
            "password": "a-long-passphrase-42",
            "password_confirmation": "a-long-passphrase-42",
        },
    )

    assert joined.status_code == 302 and joined["Location"] == "/inbox/"
    eve = Member.objects.get(user__email="eve@example.com")
    assert (eve.workspace_id, eve.role, eve.display_name) == (member.workspace_id, "agent", "Eve")
    inbox_page = html(newcomer.get("/inbox/"))
    assert "Shop" in inbox_page and "Eve" in inbox_page
    assert newcomer.get("/settings/profile/").status_code == 200
    assert Client().get(link).status_code == 410


def test_signing_up_with_a_taken_email_points_to_signing_in(member, invitation):
    response = Client().post(
        f"/invite/{invitation.token}/",
        {
            "name": "A",
            "email": "ANNA@shop.example.com",
            "password": "a-long-passphrase-42",
            "password_confirmation": "a-long-passphrase-42",
        },
    )

    assert response.status_code == 422 and "Log in first" in html(response)


def test_a_signed_in_user_joins_with_one_click(member, invitation):
    user = new_user("eve@example.com")
    client = Client()
    client.force_login(user)

    page = client.get(f"/invite/{invitation.token}/")
    assert "Join Shop" in html(page) and 'name="password"' not in html(page)
    response = client.post(f"/invite/{invitation.token}/")

    assert response.status_code == 302 and response["Location"] == "/inbox/"
    assert Member.objects.filter(user=user, workspace=member.workspace, role="agent").exists()


def test_a_member_opening_an_invitation_is_sent_to_the_inbox(operator_client, invitation):
    response = operator_client.get(f"/invite/{invitation.token}/")

    assert response.status_code == 200
    assert "already a member" in html(response) and 'href="/inbox/"' in html(response)
    assert operator_client.post(f"/invite/{invitation.token}/").status_code == 200
    invitation.refresh_from_db()
    assert invitation.accepted_by is None


@pytest.mark.parametrize(
    ("state", "status", "message"),
    [
        ("expired", 410, "expired"),
        ("revoked", 410, "withdrawn"),
        ("used", 410, "already been used"),
        ("unknown", 404, "not valid"),
    ],
)
def test_dead_invitation_links_say_why(member, invitation, state, status, message):
    token = invitation.token
    if state == "expired":
        Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    elif state == "revoked":
        actions.revoke_invitation(member, invitation)
    elif state == "used":
        actions.accept_invitation(new_user("eve@example.com"), token=token)
    else:
        token = "no-such-token"

    for response in (Client().get(f"/invite/{token}/"), Client().post(f"/invite/{token}/", {"name": "x"})):
        assert response.status_code == status
        assert message in html(response)
    assert not User.objects.filter(email="x").exists()


# Query counts


def test_list_pages_cost_a_bounded_number_of_queries(operator_client, member, django_assert_max_num_queries, inbox):
    def costs() -> dict[str, int]:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        found = {}
        for url in ("/settings/members/", "/settings/teams/", "/settings/tags/", "/settings/templates/"):
            with CaptureQueriesContext(connection) as queries:
                assert operator_client.get(url).status_code == 200
            found[url] = len(queries)
        return found

    def add_rows(i: int) -> None:
        someone = actions.add_member(member.workspace, new_user(f"p{i}@shop.example.com"), role="agent")
        team = actions.create_team(member, name=f"Team {i}")
        actions.set_team_members(member, team, member_ids=[someone.public_id.hex, member.public_id.hex])
        conversation_actions.create_tag(member, name=f"tag {i}")
        conversation_actions.save_canned_response(someone, shortcut=f"t{i}", text="hi")
        actions.create_invitation(member, role="agent")
        conversation = conversation_actions.send_visitor_message(
            create_visitor(inbox, user_agent="", language=""), text="hi", client_id="1"
        ).message.conversation
        conversation.tags.add(*Tag.objects.all())

    add_rows(0)
    few = costs()
    for i in range(1, 7):
        add_rows(i)

    assert costs() == few
    with django_assert_max_num_queries(10):
        operator_client.get("/settings/members/")
