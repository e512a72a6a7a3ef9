"""Slow consequences of events (emails, webhooks): handlers registered by apps, run after commit, after the
websocket delivery. Handlers only enqueue background tasks; one failing never stops the others."""

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from realtime.events import Event

log = logging.getLogger(__name__)
Handler = Callable[[Any], None]
_handlers: dict[type[Event], list[Handler]] = defaultdict(list)


def on(event_type: type[Event]) -> Callable[[Handler], Handler]:
    """Register the decorated function for events of `event_type` (call from an AppConfig.ready import)."""

    def register(handler: Handler) -> Handler:
        _handlers[event_type].append(handler)
        return handler

    return register


def dispatch(event: Event) -> None:
    for handler in _handlers.get(type(event), ()):
        try:
            handler(event)
        except Exception:
            log.exception("side effect %s failed for %r", getattr(handler, "__name__", handler), event)
