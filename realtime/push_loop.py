"""Where websocket pushes made in synchronous code are sent from.

A request's pushes wait for its view to return and are sent by the request itself on the serving loop, just
before its response: a trip to the loop and back in the middle of the view cost as much as a push.

Threads outside requests (the job worker, the SMTP receiver) have no loop. Run on a loop of their own (what
async_to_sync does in a plain thread), their sends would reach the in-memory channel layer from the wrong
loop: the socket's waiting task is marked ready without waking its loop, so the push waits for that loop's
next tick (uvicorn ticks every 100 ms). They are handed to the serving loop instead, in order. A `parley
worker` has no serving loop: it runs one for its pushes, so its Redis connections are kept between pushes.
"""

import asyncio
import logging
import threading
from collections.abc import Callable, Coroutine
from contextvars import ContextVar
from typing import Any
from weakref import WeakKeyDictionary

log = logging.getLogger(__name__)
_loop: asyncio.AbstractEventLoop | None = None
PUSH_TIMEOUT = 10  # seconds; a push that takes longer is logged and given up

Send = Callable[[], Coroutine[Any, Any, None]]
_of_request: ContextVar[list[Send] | None] = ContextVar("pushes_of_request", default=None)
_in_turn: WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = WeakKeyDictionary()


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


def collect() -> list[Send]:
    """Called by a request before its view: the pushes the view makes are kept for `send_collected`."""
    pushes: list[Send] = []
    _of_request.set(pushes)
    return pushes


async def send_collected(pushes: list[Send]) -> None:
    """A request's pushes, before its response (a header pushed by one click cannot land after the next
    click's response and undo it), and after those of requests that finished before it."""
    if not pushes:
        return
    loop = asyncio.get_running_loop()
    if (in_turn := _in_turn.get(loop)) is None:
        in_turn = _in_turn[loop] = asyncio.Lock()
    async with in_turn:  # a shared layer's sends wait on the network: the next request's must not overtake
        try:
            async with asyncio.timeout(PUSH_TIMEOUT):
                for send in pushes:
                    try:
                        await send()
                    except Exception:
                        log.exception("A websocket push failed")
        except TimeoutError:
            log.error("A request's websocket pushes took over %s s: the rest were given up", PUSH_TIMEOUT)


def hand_over(send: Send) -> bool:
    """Keep `send` for the request's response, or run it on the pushing loop and wait for it; False when
    there is neither (the caller runs it)."""
    if (pushes := _of_request.get()) is not None:
        pushes.append(send)
        return True
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
