"""The HTTP handler: each request started, answered and closed once; the view's websocket pushes sent after
it and before the response; a streamed response closed only after its last chunk; a request Django cannot
read answered 400; no exception raised to end a request."""

import asyncio
from typing import Any

import pytest
from django.contrib import messages
from django.core import signals
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.test import override_settings
from django.urls import path, reverse
from django.views.decorators.csrf import csrf_exempt

from core.asgi import SyncViewsASGIHandler
from core.tests.garbage import left_for_the_collector
from realtime import push_loop

events: list[str] = []


class Chunks:
    async def __aiter__(self):
        yield b"one "
        yield b"two"

    def close(self) -> None:
        events.append("stream closed")


@csrf_exempt
def plain(request):
    events.append(f"view {request.method} {request.body.decode()}")
    return HttpResponse("hello")


@csrf_exempt
def personal(request):
    """Touches what middleware hang on a request with a reference back to it."""
    events.append(
        f"user {request.user.is_authenticated}, htmx {bool(request.htmx)}, {len(messages.get_messages(request))}"
    )
    return HttpResponse("hello")


@csrf_exempt
def pushing(request):
    for n in (1, 2):

        async def push(n: int = n) -> None:
            events.append(f"pushed {n}")

        assert push_loop.hand_over(push)  # kept for the response
    events.append("view done")
    return HttpResponse("hello")


@csrf_exempt
def streamed(request):
    return StreamingHttpResponse(Chunks())


@csrf_exempt
def where(request):
    return HttpResponse(reverse("where"))


urlpatterns = [
    path("where", where, name="where"),
    path("plain", plain),
    path("personal", personal),
    path("pushing", pushing),
    path("streamed", streamed),
]


@pytest.fixture(autouse=True)
def _record_signals():
    def started(**kwargs: Any) -> None:
        events.append("started")

    def finished(**kwargs: Any) -> None:
        events.append("finished")

    events.clear()
    signals.request_started.connect(started)
    signals.request_finished.connect(finished)
    yield
    signals.request_started.disconnect(started)
    signals.request_finished.disconnect(finished)


def call(
    url: str, body: bytes = b"", handler: SyncViewsASGIHandler | None = None, *, root_path: str = ""
) -> list[dict[str, Any]]:
    scope: dict[str, Any] = {
        "type": "http",
        "method": "POST",
        "path": root_path + url,
        "root_path": root_path,
        "headers": [],
        "query_string": b"",
        "server": None,
    }
    incoming = [{"type": "http.request", "body": body, "more_body": False}]
    sent: list[dict[str, Any]] = []
    answered = asyncio.Event()

    async def receive() -> dict[str, Any]:  # as uvicorn: the body, then a disconnect once the response is out
        if incoming:
            return incoming.pop(0)
        await answered.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)
        if message["type"] == "http.response.body":
            events.append(f"sent {message.get('body', b'').decode()!r}")
            if not message.get("more_body"):
                answered.set()

    async def run() -> None:
        await (handler or SyncViewsASGIHandler())(scope, receive, send)
        assert asyncio.all_tasks() == {asyncio.current_task()}, "a task outlived the request"

    asyncio.run(run())
    return sent


@override_settings(ROOT_URLCONF=__name__)
def test_a_request_starts_runs_and_finishes_once(db):
    sent = call("/plain", b"hi")

    assert sent[0]["status"] == 200
    assert b"".join(m.get("body", b"") for m in sent[1:]) == b"hello"
    assert events == ["started", "view POST hi", "finished", "sent 'hello'"]


@override_settings(ROOT_URLCONF=__name__)
def test_the_views_pushes_go_out_after_it_and_before_the_response(db):
    call("/pushing")

    assert events == ["started", "view done", "finished", "pushed 1", "pushed 2", "sent 'hello'"]


@override_settings(ROOT_URLCONF=__name__)
def test_a_request_leaves_no_exception_for_the_garbage_collector(db):
    call("/plain")  # warm

    assert left_for_the_collector(lambda: call("/plain"), (BaseException,)) == []


@override_settings(ROOT_URLCONF=__name__)
def test_a_finished_request_is_freed_without_the_garbage_collector(db):
    call("/personal")  # warm

    assert left_for_the_collector(lambda: call("/personal"), (HttpRequest,)) == []
    assert events[-1].startswith("sent") and "user False, htmx False, 0" in events


@override_settings(ROOT_URLCONF=__name__)
def test_a_streamed_response_is_closed_after_its_last_chunk(db):
    call("/streamed")

    assert events == ["started", "sent 'one '", "sent 'two'", "sent ''", "stream closed", "finished"]


@override_settings(ROOT_URLCONF=__name__)
def test_urls_are_reversed_under_the_path_the_site_is_served_at(db):
    under_a_path = call("/where", root_path="/parley")
    at_the_root = call("/where")

    assert under_a_path[1]["body"] == b"/parley/where"
    assert at_the_root[1]["body"] == b"/where"


def test_a_request_django_cannot_read_is_answered_400(db):
    handler = SyncViewsASGIHandler()

    def unreadable(scope: Any, body: Any) -> Any:
        raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")

    handler.request_class = unreadable  # type: ignore[assignment]
    sent = call("/plain", handler=handler)

    assert sent[0]["status"] == 400
    assert events == ["started", "sent ''", "finished"]
