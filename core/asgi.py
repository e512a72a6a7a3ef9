from typing import Any

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler
from django.http import HttpRequest, HttpResponseBase


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

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        await self.handle(scope, receive, send)

    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)
