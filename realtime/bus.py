"""The one way a domain change reaches the outside: actions emit, commit delivers.

Events are held until the surrounding transaction commits, so nobody hears of a
change that was rolled back, and then delivered straight to the websocket
audiences (cheap, in-process); slow side effects belong in tasks enqueued from
here, never in the request that made the change.
"""

from functools import partial

from django.db import transaction
from django.db.models import Model

from realtime import effects, fanout
from realtime.events import Event


def emit(event: Event, *, subject: Model | None = None) -> None:
    """Deliver `event` once the transaction commits.

    `subject` is the row the event is about, as the action left it, so
    delivery need not read it back; without it, delivery loads it by id.
    """
    transaction.on_commit(partial(_deliver, event, subject))


def _deliver(event: Event, subject: Model | None) -> None:
    fanout.deliver(event, subject)
    effects.dispatch(event)
