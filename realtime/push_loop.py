"""The event loop that pushes to websockets from threads that have none: the job worker, the SMTP receiver.

Run on a loop of their own (what async_to_sync does in a plain thread), their sends reach the in-memory
channel layer from the wrong loop: the socket's waiting task is marked ready without waking its loop, so the
push waits for that loop's next tick (uvicorn ticks every 100 ms). They are handed to the serving loop
instead, in order, without waiting. A `parley worker` has no serving loop: it runs one for its pushes, so
its Redis connections are kept between pushes.
"""

import asyncio
import logging
import threading
from collections.abc import Callable, Coroutine
from typing import Any

log = logging.getLogger(__name__)
_loop: asyncio.AbstractEventLoop | None = None
PUSH_TIMEOUT = 10  # seconds; a push that takes longer is logged and given up


def remember() -> None:
    """Called on the serving loop (each ASGI call): the loop to hand pushes to."""
    global _loop
    _loop = asyncio.get_running_loop()


def run_own() -> None:
    """A loop on a thread of its own, for a process that serves nothing (`parley worker`)."""
    global _loop
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, name="parley-pushes", daemon=True).start()
    _loop = loop


def hand_over(send: Callable[[], Coroutine[Any, Any, None]]) -> bool:
    """Run `send()` on the pushing loop and wait for it; False when there is none (the caller runs it).

    Waiting keeps the order a page sees: a request's push reaches the sockets before its response, so a
    header pushed by one click cannot land after the next click's response and undo it."""
    loop = _loop
    if loop is None or not loop.is_running() or _running_loop() is loop:
        return False
    try:
        asyncio.run_coroutine_threadsafe(send(), loop).result(timeout=PUSH_TIMEOUT)
    except Exception:
        log.exception("A websocket push failed")
    return True


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
