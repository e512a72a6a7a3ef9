"""The blocks that reach outside the chat: a typing pause, a web service, a task for the team, tags."""

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django_tasks_db.models import DBTaskResult

from bots import actions as bot_actions
from bots import runtime
from bots.models import BotRun
from contacts.models import Task
from conversations import actions
from conversations.models import Message

pytestmark = pytest.mark.django_db


class Shop(BaseHTTPRequestHandler):
    """The demo shop's order service, with its bad days."""

    calls: list[tuple[str, str, bytes]] = []

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def _answer(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        Shop.calls.append((self.command, self.path, body))
        if self.path.startswith("/orders/1042"):
            self._send(200, json.dumps({"order": {"status": "shipped", "items": [{"name": "Blue mug"}]}}).encode())
        elif self.path.startswith("/broken"):
            self._send(500, b'{"error": "down"}')
        elif self.path.startswith("/slow"):
            time.sleep(2)
            self._send(200, b"{}")
        elif self.path.startswith("/huge"):
            self._send(200, b'{"x": "' + b"a" * 300_000 + b'"}')
        elif self.path.startswith("/html"):
            self._send(200, b"<html>oops</html>")
        else:
            self._send(404, b"{}")

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def shop() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Shop)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def run_bot(member, visitor, blocks: list[dict], *, start: str | None = None) -> BotRun:
    bot = bot_actions.create_bot(
        member, name="Helper", persona_name="Mia", flow={"start": start or blocks[0]["id"], "blocks": blocks}
    )
    bot_actions.publish(member, bot)
    bot_actions.set_enabled(member, bot, enabled=True)
    conversation = actions.send_visitor_message(visitor, text="Hi", client_id="b1").message.conversation
    run = runtime.start_bot(conversation.pk)
    assert run is not None
    return run


def said(run: BotRun) -> list[str]:
    messages = Message.objects.filter(conversation_id=run.conversation_id, author_kind=Message.AuthorKind.BOT)
    return list(messages.values_list("text", flat=True))


def finish_web_call(run: BotRun) -> BotRun:
    run.refresh_from_db()
    task = DBTaskResult.objects.filter(task_path="bots.tasks.call_web_service").latest("enqueued_at")
    runtime.call_web_service(*task.args_kwargs["args"])
    run.refresh_from_db()
    return run


ORDER_LOOKUP: list[dict[str, object]] = [
    {
        "id": "ask",
        "type": "ask",
        "kind": "number",
        "text": "Your order number?",
        "save_to": "var.order",
        "next": "look",
    },
    {
        "id": "look",
        "type": "http",
        "url": "",
        "save": [{"path": "order.status", "to": "var.status"}, {"path": "order.items.0.name", "to": "var.item"}],
        "timeout_seconds": 1,
        "next": "tell",
        "on_error": "sorry",
    },
    {"id": "tell", "type": "end", "text": "Your {{var.item}} is {{var.status}}."},
    {"id": "sorry", "type": "handoff", "text": "I cannot see orders right now; a person will check."},
]


def order_flow(url: str) -> list[dict[str, object]]:
    return [{**b, "url": url} if b["id"] == "look" else b for b in ORDER_LOOKUP]


def test_the_web_service_answer_fills_the_reply(member, visitor, shop):
    run = run_bot(member, visitor, order_flow(shop + "/orders/{{var.order}}"))
    actions.send_visitor_message(visitor, text="1042", client_id="b2")
    runtime.hear_visitor(run.conversation_id)

    run = finish_web_call(run)

    assert said(run)[-1] == "Your Blue mug is shipped."
    assert run.status == BotRun.Status.COMPLETED and run.variables["status"] == "shipped"


@pytest.mark.parametrize("path", ["/broken", "/slow", "/huge", "/html", "/missing"])
def test_a_failing_service_takes_the_error_branch(member, visitor, shop, path):
    run = run_bot(member, visitor, order_flow(shop + path))
    actions.send_visitor_message(visitor, text="1042", client_id="b2")
    runtime.hear_visitor(run.conversation_id)

    run = finish_web_call(run)

    assert said(run)[-1] == "I cannot see orders right now; a person will check."
    assert run.status == BotRun.Status.HANDED_OFF and run.variables["http_error"]


def test_an_address_on_the_servers_own_network_is_not_called(member, visitor, settings):
    settings.OUTBOUND_ALLOWED_HOSTS = []
    run = run_bot(member, visitor, order_flow("http://169.254.169.254/latest/meta-data/{{var.order}}"))
    actions.send_visitor_message(visitor, text="1042", client_id="b2")
    runtime.hear_visitor(run.conversation_id)

    run = finish_web_call(run)

    assert said(run)[-1] == "I cannot see orders right now; a person will check."
    assert run.variables["http_error"].startswith("not called: 169.254.169.254 is on this server's own network")


def test_without_an_error_branch_a_failure_goes_to_people(member, visitor, shop):
    blocks = [{"id": "look", "type": "http", "url": shop + "/broken", "next": "done"}, {"id": "done", "type": "end"}]
    run = run_bot(member, visitor, blocks)

    run = finish_web_call(run)

    assert run.status == BotRun.Status.HANDED_OFF and run.reason == BotRun.Reason.FLOW_ERROR
    note = Message.objects.filter(conversation_id=run.conversation_id, author_kind="system").last()
    assert "the service answered 500" in note.text


def test_a_visitors_answer_cannot_redirect_the_call(member, visitor, shop):
    Shop.calls.clear()
    blocks = [
        {"id": "ask", "type": "ask", "text": "Order?", "save_to": "var.order", "next": "look"},
        {
            "id": "look",
            "type": "http",
            "method": "POST",
            "url": shop + "/orders/{{var.order}}",
            "body": {"q": "{{var.order}}"},
        },
    ]
    run = run_bot(member, visitor, blocks)
    actions.send_visitor_message(visitor, text="1042/../../admin?x=1", client_id="b2")
    runtime.hear_visitor(run.conversation_id)
    finish_web_call(run)

    method, path, body = Shop.calls[-1]
    assert (method, path) == ("POST", "/orders/1042%2F..%2F..%2Fadmin%3Fx%3D1")
    assert json.loads(body) == {"q": "1042/../../admin?x=1"}


def test_the_call_happens_outside_the_step_that_reached_it(member, visitor, shop):
    run = run_bot(member, visitor, [{"id": "look", "type": "http", "url": shop + "/orders/1042"}])

    run.refresh_from_db()
    assert run.paused_until is not None and run.block == "look"
    assert DBTaskResult.objects.filter(task_path="bots.tasks.call_web_service").count() == 1


def test_an_operator_who_took_over_meanwhile_wins(member, visitor, shop):
    run = run_bot(member, visitor, order_flow(shop + "/orders/1042"), start="look")
    runtime.operator_took_over(run.conversation_id)

    task = DBTaskResult.objects.get(task_path="bots.tasks.call_web_service")
    assert runtime.call_web_service(*task.args_kwargs["args"]) is None
    assert said(run) == []


def test_a_typing_pause_shows_the_bot_writing_then_sends(member, visitor):
    blocks = [
        {"id": "a", "type": "message", "text": "Let me check…", "typing_seconds": 2, "next": "b"},
        {"id": "b", "type": "end", "text": "All good."},
    ]
    run = run_bot(member, visitor, blocks)
    assert said(run) == []
    task = DBTaskResult.objects.get(task_path="bots.tasks.continue_run")
    assert (task.run_after - run.started_at).total_seconds() >= 1.5

    runtime.continue_run(*task.args_kwargs["args"])
    runtime.continue_run(*task.args_kwargs["args"])  # a task run twice sends nothing twice

    assert said(run) == ["Let me check…", "All good."]


def test_a_task_and_tags_are_left_for_the_team(member, visitor):
    blocks = [
        {"id": "a", "type": "set", "add_tags": ["Lead", "VIP"], "next": "b"},
        {
            "id": "b",
            "type": "task",
            "title": "Send the invoice to {{contact.email}}",
            "due_in_days": 2,
            "assignee": member.public_id.hex,
        },
    ]
    from contacts import actions as contact_actions

    contact_actions.identify_visitor(visitor, traits={"email": "dana@frost.example"}, signature=None)
    run = run_bot(member, visitor, blocks)

    task = Task.objects.get()
    assert task.title == "Send the invoice to dana@frost.example" and task.assignee == member
    assert task.contact.email == "dana@frost.example" and task.due_at is not None
    assert sorted(t.name for t in run.conversation.tags.all()) == ["Lead", "VIP"]


def test_a_message_shows_an_image_a_card_and_quick_replies(member, visitor):
    message = {
        "id": "hello",
        "type": "message",
        "text": "Our bestseller",
        "image_url": "https://shop.example.com/mug.gif",
        "card": {
            "title": "Mug for {{contact.name}}",
            "text": "350 ml",
            "links": [{"label": "Order", "url": "https://shop.example.com/mug"}],
        },
        "buttons": ["Tell me more", "No thanks"],
        "next": "ask",
    }
    run = run_bot(member, visitor, [message, {"id": "ask", "type": "ask", "text": "Anything else?"}])
    sent = Message.objects.get(conversation_id=run.conversation_id, text="Our bestseller")
    assert sent.rich == {
        "quick_replies": ["Tell me more", "No thanks"],
        "cards": [
            {"title": "", "text": "", "image_url": "https://shop.example.com/mug.gif", "buttons": []},
            {
                "title": "Mug for",
                "text": "350 ml",
                "image_url": "",
                "buttons": [{"label": "Order", "url": "https://shop.example.com/mug"}],
            },
        ],
    }


def test_a_file_question_takes_the_file_sent_and_asks_again_for_words(member, visitor, inbox):
    from django.core.files.base import ContentFile

    from conversations.uploads import Upload

    ask = {
        "id": "cv",
        "type": "ask",
        "kind": "file",
        "text": "Please send your CV.",
        "save_to": "var.cv",
        "next": "thanks",
    }
    run = run_bot(member, visitor, [ask, {"id": "thanks", "type": "end", "text": "Got {{var.cv}}, thanks!"}])

    actions.send_visitor_message(visitor, text="here it is", client_id="f1")
    runtime.hear_visitor(run.conversation_id)
    assert said(run)[-1] == "Please attach the file with the paper clip. Please send your CV."

    pdf = b"%PDF-1.4 cv"
    upload = Upload(name="cv.pdf", content_type="application/pdf", size=len(pdf), file=ContentFile(pdf, name="cv.pdf"))
    actions.send_visitor_message(visitor, text="", client_id="f2", attachment=upload)
    runtime.hear_visitor(run.conversation_id)
    assert said(run)[-1] == "Got cv.pdf, thanks!"
