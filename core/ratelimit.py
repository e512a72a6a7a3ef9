"""How often a caller may do something costly: counted per key in fixed windows, in the shared cache (local
memory in embedded mode, Redis in scale-out, so every process counts together)."""

import time

from django.core.cache import cache

from core.errors import DomainError


class TooManyRequests(DomainError):
    status = 429
    code = "too_many_requests"


def limit(key: str, *, per_minute: int, message: str) -> None:
    """TooManyRequests with `message` once `key` has been used `per_minute` times this minute; 0: no limit."""
    if per_minute and not allow(key, limit=per_minute, window=60):
        raise TooManyRequests(message)


def allow(key: str, *, limit: int, window: int) -> bool:
    """Whether one more call under `key` stays within `limit` calls per `window` seconds."""
    bucket = f"parley:rate:{key}:{int(time.time() // window)}"
    if cache.add(bucket, 1, window + 1):
        return True
    try:
        return cache.incr(bucket) <= limit
    except ValueError:  # the window ended between add and incr
        cache.add(bucket, 1, window + 1)
        return True
