"""Whether a visitor has the widget open now: each widget socket checks in with the cache when it connects
and on every ping (every 25 s), so asking costs no database query and works across processes with Redis.
A closing socket checks out at once; the visitor's other tabs, if any, check in again with their next ping."""

from django.core.cache import cache

CHECK_IN_TTL = 60  # seconds: two missed pings and the visitor counts as gone


def _key(visitor_id: int) -> str:
    return f"visitor-socket:{visitor_id}"


async def check_in(visitor_id: int) -> None:
    await cache.aset(_key(visitor_id), 1, CHECK_IN_TTL)


async def check_out(visitor_id: int) -> None:
    await cache.adelete(_key(visitor_id))


def has_open_widget(visitor_id: int) -> bool:
    return cache.get(_key(visitor_id)) is not None
