from typing import Any, cast

from asgiref.sync import sync_to_async
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.http import HttpRequest, HttpResponseBase
from django.urls import set_script_prefix

from realtime import push_loop


class SyncViewsASGIHandler(ASGIHandler):
    """Django's ASGI handler for a project whose views and middleware are synchronous.

    Django's own handler would cross between the event loop and a thread
    around every middleware and make a new thread, with a new database
    connection, for every request. Here the middleware chain is built
    synchronously and each request's whole chain is one call on asgiref's
    long-lived sync thread, which keeps its database connection
    (CONN_MAX_AGE). Requests already took turns on the GIL and, with SQLite,
    on the write lock; reading the body and sending the response stay on the
    event loop, and websockets are Channels' as before.
    """

    def __init__(self) -> None:
        super().__init__()
        self.load_middleware(is_async=False)
        self._respond_in_thread = sync_to_async(self._respond, thread_sensitive=True)  # made once, not per request

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        await self.handle(scope, receive, send)

    async def handle(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """Django's, less three costs of every request.

        Django watches for the client going away to cancel an async view; a synchronous view on its thread
        cannot be stopped, and the watcher ended every request by raising RequestAborted (the server answers
        `http.disconnect` once the response is out), leaving a task, an exception and its frames for the
        garbage collector. And the request's start (request_started), the view and, unless the response
        streams, its close (request_finished: the database connection is looked after) share one trip to the
        sync thread, not three. The websocket pushes the view made are sent from here, before the response
        (realtime/push_loop.py): no trip to this loop and back in the middle of the view.
        """
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        try:
            if prefix := get_script_prefix(scope):  # served under a path; "/" is the default, no context write
                set_script_prefix(prefix)
            request, error_response = self.create_request(scope, body_file)
            if request is None:
                await signals.request_started.asend(sender=self.__class__, scope=scope)
                response = cast(HttpResponseBase, error_response)  # Django makes one or the other
            else:
                pushes = push_loop.collect()
                response = await self._respond_in_thread(request, scope)
                await push_loop.send_collected(pushes)
            await self.send_response(response, send)
        finally:
            body_file.close()
        if response.streaming or request is None:  # not closed yet
            await sync_to_async(response.close, thread_sensitive=True)()
        if request is not None:
            _let_go(request)

    def _respond(self, request: HttpRequest, scope: dict[str, Any]) -> HttpResponseBase:
        signals.request_started.send(sender=self.__class__, scope=scope)
        response = self.get_response(request)
        response._handler_class = self.__class__  # type: ignore[attr-defined]  # the sender of request_finished
        if not response.streaming:
            response.close()  # its content is in memory: what close() releases is not needed to send it
        return response


def _let_go(request: HttpRequest) -> None:
    """Drop what middleware hung on a finished request.

    The session's messages storage, the lazy `request.user`, django-htmx's details and the like each point
    back at the request: every request was a knot of reference cycles that only the garbage collector could
    free, with the models, body and response it reached. Under load that meant a full collection of tens of
    milliseconds every few seconds, the worst of a message's latency. Untied, it is freed as it goes.
    """
    request.__dict__.clear()
