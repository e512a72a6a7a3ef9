"""Shared fixtures: real rows made through the real actions."""

from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.test import Client

from accounts import actions as account_actions
from accounts.models import User
from visitors import actions as visitor_actions
from visitors import ingest
from visitors.models import Visitor
from workspaces import actions as workspace_actions
from workspaces.models import Inbox, Member, Workspace

SITE = "https://shop.example.com"


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """What the cache holds (widget check-ins, pending checks, trigger lists) is keyed by row ids, which the
    next test's rows reuse."""
    cache.clear()


def make_operator(email: str, workspace_name: str) -> Member:
    user = account_actions.create_user(email=email, name=email.split("@")[0].title(), password="s3cret-pass")
    workspace = workspace_actions.create_workspace(name=workspace_name, owner=user)
    return workspace.members.select_related("user", "workspace").get(user=user)


@pytest.fixture
def member(db: None) -> Member:
    return make_operator("anna@shop.example.com", "Shop")


@pytest.fixture
def workspace(member: Member) -> Workspace:
    return member.workspace


@pytest.fixture
def operator(member: Member) -> User:
    return member.user


@pytest.fixture
def inbox(workspace: Workspace) -> Inbox:
    return workspace_actions.create_inbox(workspace, name="Website", allowed_origins=[SITE])


@pytest.fixture
def visitor(inbox: Inbox) -> Visitor:
    return visitor_actions.create_visitor(inbox, user_agent="Mozilla/5.0 Test", language="en")


@pytest.fixture
def other_member(db: None) -> Member:
    return make_operator("boris@rival.example.com", "Rival")


@pytest.fixture
def other_inbox(other_member: Member) -> Inbox:
    return workspace_actions.create_inbox(other_member.workspace, name="Rival site", allowed_origins=[SITE])


@pytest.fixture
def operator_client(member: Member) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


def make_agent(workspace: Workspace, email: str) -> Member:
    user = account_actions.create_user(email=email, name=email.split("@")[0].title(), password="s3cret-pass")
    return workspace_actions.add_member(workspace, user, role=Member.Role.AGENT)


@pytest.fixture
def agent(workspace: Workspace, inbox: Inbox) -> Member:
    """An agent of the workspace who works `inbox` (every inbox, as new members do)."""
    return make_agent(workspace, "carl@shop.example.com")


@pytest.fixture
def tracking_in_test_thread(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No writer thread: tracking rows wait on the queue until the test calls ingest.flush() (in its transaction)."""
    monkeypatch.setattr(ingest.writer, "autostart", False)
    yield
    ingest.writer._queue = type(ingest.writer._queue)()  # nothing leaks into the next test
