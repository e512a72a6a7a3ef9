"""Slack hears of new conversations and assignments through an incoming webhook (a local HTTP server here)."""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult

from conversations import actions
from integrations import slack
from integrations.models import SlackWebhook
from integrations.tasks import announce_conversation


class Hook:
    """A stand-in for Slack's incoming-webhook endpoint: it keeps what is posted and answers `status`."""

    def __init__(self) -> None:
        self.posts: list[dict[str, object]] = []
        self.status = 200
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hook.posts.append({"json": json.loads(body), "type": self.headers["Content-Type"]})
                self.send_response(hook.status)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/services/T000/B000/xyz"


@pytest.fixture
def hook() -> Iterator[Hook]:
    running = Hook()
    thread = threading.Thread(target=running.server.serve_forever, daemon=True)
    thread.start()
    yield running
    running.server.shutdown()


@pytest.fixture
def connected(member, hook) -> Hook:
    SlackWebhook.objects.create(workspace=member.workspace, url=hook.url)
    return hook


def test_a_new_conversation_is_posted_with_what_the_visitor_asked_and_a_link(
    connected, visitor, settings, django_capture_on_commit_callbacks
):
    settings.PUBLIC_URL = "https://chat.shop.example.com"
    with django_capture_on_commit_callbacks(execute=True):
        conversation = actions.send_visitor_message(visitor, text="Do you ship to Almaty?", client_id="v1")
    task = DBTaskResult.objects.get(task_path="integrations.tasks.announce_conversation")

    announce_conversation.call(*task.args_kwargs["args"])

    [post] = connected.posts
    assert post["type"] == "application/json"
    text = str(post["json"]["text"])  # type: ignore[index]
    assert "Do you ship to Almaty?" in text and visitor.display_name in text
    assert f"https://chat.shop.example.com/inbox/c/{conversation.message.conversation.public_id.hex}/" in text


def test_an_assignment_is_posted_with_who_got_it(connected, member, agent, visitor, django_capture_on_commit_callbacks):
    conversation = actions.send_visitor_message(visitor, text="Hi", client_id="v1").message.conversation
    with django_capture_on_commit_callbacks(execute=True):
        actions.assign_conversation(member, conversation, assignee=agent, team=None)
    task = DBTaskResult.objects.get(task_path="integrations.tasks.announce_conversation")

    announce_conversation.call(*task.args_kwargs["args"])

    assert "was assigned to Carl" in str(connected.posts[0]["json"])


def test_a_failing_webhook_is_retried_with_backoff_and_the_reason_is_kept(connected, member, visitor):
    connected.status = 500
    conversation = actions.send_visitor_message(visitor, text="Hi", client_id="v1").message.conversation

    assert slack.post(member.workspace_id, slack.slack_text(conversation)) is False

    assert SlackWebhook.objects.get().last_error == "HTTPError: HTTP Error 500: Internal Server Error"
    retry = DBTaskResult.objects.get(task_path="integrations.tasks.post_to_slack")
    assert retry.args_kwargs["args"][2] == 2
    assert slack.post(member.workspace_id, "last try", attempt=slack.ATTEMPTS) is False
    assert DBTaskResult.objects.filter(task_path="integrations.tasks.post_to_slack").count() == 1


def test_without_a_webhook_nothing_is_queued(visitor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        actions.send_visitor_message(visitor, text="Hi", client_id="v1")

    assert not DBTaskResult.objects.filter(task_path="integrations.tasks.announce_conversation").exists()


def test_admins_set_and_remove_the_webhook_and_agents_may_not(operator_client, agent, hook):
    agent_client = Client()
    agent_client.force_login(agent.user)
    url = "/settings/integrations/slack/"

    assert operator_client.get("/settings/integrations/").status_code == 200
    assert operator_client.post(url, {"url": "not a url"}).status_code == 422
    assert operator_client.post(url, {"url": hook.url}).status_code == 302
    assert SlackWebhook.objects.get().url == hook.url
    assert agent_client.post(url, {"url": ""}).status_code == 403
    assert SlackWebhook.objects.exists()
    assert operator_client.post(url, {"url": ""}).status_code == 302
    assert not SlackWebhook.objects.exists()
