"""The one way a domain change reaches the outside: actions emit, commit delivers.

Events are held until the surrounding transaction commits, so nobody hears of a
change that was rolled back, and then delivered straight to the websocket
audiences (cheap, in-process); slow side effects belong in tasks enqueued from
here, never in the request that made the change.
"""

import threading
from collections.abc import Callable
from functools import partial, wraps
from typing import ParamSpec, TypeVar

from django.db import transaction
from django.db.models import Model

from realtime import effects, fanout
from realtime.events import Event

P = ParamSpec("P")
R = TypeVar("R")
_held = threading.local()  # .batch: events committed inside delivered_together, not delivered yet


def emit(event: Event, *, subject: Model | None = None) -> None:
    """Deliver `event` once the transaction commits.

    `subject` is the row the event is about, as the action left it, so
    delivery need not read it back; without it, delivery loads it by id.
    """
    transaction.on_commit(partial(_deliver, event, subject))


def delivered_together(function: Callable[P, R]) -> Callable[P, R]:
    """Events that `function` commits are delivered together when it returns (one list row and one feed
    fragment for a bot's several messages), instead of each at its commit."""

    @wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if getattr(_held, "batch", None) is not None:  # an outer call delivers them
            return function(*args, **kwargs)
        _held.batch = []
        try:
            return function(*args, **kwargs)
        finally:
            batch, _held.batch = _held.batch, None
            fanout.deliver_together(batch)
            for event, _subject in batch:
                effects.dispatch(event)

    return wrapper


def _deliver(event: Event, subject: Model | None) -> None:
    batch = getattr(_held, "batch", None)
    if batch is not None:
        batch.append((event, subject))
        return
    fanout.deliver(event, subject)
    effects.dispatch(event)
