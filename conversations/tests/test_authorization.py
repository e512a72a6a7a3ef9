"""Every inbox URL and REST route, walked with each role and an outsider.

Admins see every inbox of their workspace, agents the inboxes they work,
nobody another workspace. A route added without a row here fails the walk.
"""

import re
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.actions import issue_api_token
from contacts import actions as contact_actions
from contacts.models import Contact
from conversations import actions
from conversations.models import Conversation
from conversations.uploads import Upload
from core.tests.fixtures import make_agent
from parley.api import api as rest_api

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass(frozen=True)
class World:
    conversation: Conversation
    ids: dict[str, str]
    contact: Contact  # URL parameter -> an id of the workspace's own rows


@pytest.fixture
def world(member, visitor, inbox) -> World:
    from django.core.files.base import ContentFile

    conversation = actions.send_visitor_message(visitor, text="Hello", client_id="1").message.conversation
    tag = actions.create_tag(member, name="VIP")
    actions.set_conversation_tags(member, conversation, [tag])
    upload = Upload(name="a.pdf", content_type="application/pdf", size=len(PDF), file=ContentFile(PDF, name="a.pdf"))
    sent = actions.reply_to_conversation(member, conversation, text="", client_id="2", attachment=upload)
    contact = contact_actions.identify_visitor(visitor, traits={"email": "walk@example.com"}, signature=None)
    task = contact_actions.create_task(member, contact, title="Call back", due_at=None, assignee=member)
    job = contact_actions.create_import_job(member, file_name="a.csv", text="email\nwalk@example.com\n")
    ids = {
        "conversation_id": conversation.public_id.hex,
        "tag_id": tag.public_id.hex,
        "attachment_id": sent.message.attachment.public_id.hex,
        "person_id": visitor.public_id.hex,
        "visitor_id": visitor.public_id.hex,
        "task_id": task.public_id.hex,
        "import_id": job.public_id.hex,
    }
    return World(conversation, ids, contact)


def inbox_routes() -> list[str]:
    """Every route of the operator inbox, with its parameters filled from `world`."""
    resolver = get_resolver()
    patterns = next(p for p in resolver.url_patterns if getattr(p, "namespace", None) == "conversations")
    assert isinstance(patterns, URLResolver)
    routes = []
    for pattern in patterns.url_patterns:
        assert isinstance(pattern, URLPattern)
        routes.append("/inbox/" + str(pattern.pattern))
    return routes


def fill(route: str, ids: dict[str, str]) -> str:
    return re.sub(r"<(?:str:)?(\w+)>", lambda m: ids[m[1]], route)


def call(client: Client, url: str):
    """GET, or POST where the route takes only POST (with an empty form: permission comes before validation)."""
    response = client.get(url)
    return client.post(url) if response.status_code == 405 else response


def scoped(route: str) -> bool:
    return "<" in route


# Admins only: agents of the workspace are refused (403) rather than not found.
ADMIN_ONLY = (
    "/inbox/people/export.csv",
    "/inbox/people/import/",
    "/inbox/people/<str:person_id>/export.json",
    "/inbox/people/<str:person_id>/delete/",
)


def admin_only(route: str) -> bool:
    return route in ADMIN_ONLY or route.startswith("/inbox/people/import/")


@pytest.fixture
def outsider(other_member):
    client = Client()
    client.force_login(other_member.user)
    return client


@pytest.fixture
def stranger_agent(workspace, inbox):
    """An agent of the same workspace who does not work the conversation's inbox."""
    agent = make_agent(workspace, "dora@shop.example.com")
    inbox.members.remove(agent)
    client = Client()
    client.force_login(agent.user)
    return client


def login(member) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


def test_the_walk_covers_every_inbox_route():
    assert len(inbox_routes()) >= 17


@pytest.mark.parametrize("route", inbox_routes())
def test_admins_and_agents_of_the_inbox_may_use_every_route(route, world, member, agent):
    for who in (member, agent):
        if "<str:task_id>/delete/" in route:  # each caller deletes a task of their own
            task = contact_actions.create_task(member, world.contact, title="Again", due_at=None, assignee=None)
            world.ids["task_id"] = task.public_id.hex
        response = call(login(who), fill(route, world.ids))
        if who == agent and admin_only(route):
            assert response.status_code == 403, response.status_code
            continue
        assert response.status_code not in (401, 403, 404) and response.status_code < 500, (who, response.status_code)


@pytest.mark.parametrize("route", [r for r in inbox_routes() if scoped(r)])
def test_an_agent_outside_the_inbox_and_an_outsider_get_not_found(route, world, stranger_agent, outsider):
    for client in (stranger_agent, outsider):
        response = call(client, fill(route, world.ids))
        expected = (403, 404) if client is stranger_agent and admin_only(route) else (404,)
        assert response.status_code in expected, response.status_code
    world.conversation.refresh_from_db()
    assert (world.conversation.status, world.conversation.assignee_id) == ("open", None)


@pytest.mark.parametrize("route", [r for r in inbox_routes() if not scoped(r)])
def test_workspace_wide_routes_never_show_what_the_reader_may_not_see(route, world, stranger_agent, outsider):
    for client in (stranger_agent, outsider):
        response = call(client, fill(route, world.ids))
        assert response.status_code < 500
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert world.ids["conversation_id"] not in body.decode()


@pytest.mark.parametrize("route", inbox_routes())
def test_signed_out_visitors_are_sent_to_sign_in(route, world):
    response = call(Client(), fill(route, world.ids))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def rest_routes() -> list[tuple[str, str]]:
    schema = rest_api.get_openapi_schema()
    return [(method.upper(), path) for path, ops in schema["paths"].items() for method in ops]


def rest_call(token: str | None, method: str, path: str, ids: dict[str, str]):
    url = re.sub(r"\{(\w+)\}", lambda m: ids[m[1]], path)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}") if token else Client()
    if method == "GET":
        return client.get(url)
    return client.post(url, {"text": "From the walk", "client_id": f"walk-{token}"}, content_type="application/json")


@pytest.mark.parametrize(("method", "path"), rest_routes())
def test_every_rest_route_by_role(method, path, world, member, agent, other_member, workspace, inbox):
    stranger = make_agent(workspace, "dora@shop.example.com")
    inbox.members.remove(stranger)
    token = {m: issue_api_token(m, name="walk").raw for m in (member, agent, stranger, other_member)}
    scoped_route = "{" in path

    for allowed in (member, agent):
        assert rest_call(token[allowed], method, path, world.ids).status_code in (200, 201)
    for denied in (stranger, other_member):
        response = rest_call(token[denied], method, path, world.ids)
        if scoped_route:
            assert response.status_code == 404 and response.json()["code"] == "not_found"
        else:
            assert world.ids["conversation_id"] not in response.content.decode()
    assert rest_call(None, method, path, world.ids).status_code == 401
