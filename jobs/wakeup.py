"""Workers wake as soon as a task is enqueued instead of at their next poll, so a bot answers in
milliseconds, not in up to a poll interval.

The enqueuing transaction commits, then the news goes to this process's workers (embedded mode) and, when
Redis is configured, to every `parley worker` through a Redis channel. A lost wake-up costs only latency:
workers still poll on their interval.
"""

import logging
import threading

import redis
from django.conf import settings
from django.db import transaction
from django.dispatch import receiver
from django_tasks.signals import task_enqueued

log = logging.getLogger(__name__)
CHANNEL = "parley:jobs"
_enqueued = threading.Event()


def wait(timeout: float) -> None:
    """Sleep until a task is enqueued or `timeout` seconds pass."""
    if _enqueued.wait(timeout):
        _enqueued.clear()


def announce() -> None:
    _enqueued.set()
    if settings.REDIS_URL:
        try:
            _publisher().publish(CHANNEL, b"")
        except redis.RedisError:
            log.warning("Could not wake the workers through Redis; they will find the task at their next poll")


@receiver(task_enqueued)
def _on_enqueued(sender: object, **kwargs: object) -> None:
    transaction.on_commit(announce)  # a worker woken before the commit would not see the task


def listen_for_other_processes() -> None:
    """Wake this process's workers when another process enqueues (a thread of each `parley worker`)."""

    def loop() -> None:
        while True:
            try:
                pubsub = redis.Redis.from_url(settings.REDIS_URL).pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(CHANNEL)
                for _message in pubsub.listen():
                    _enqueued.set()
            except redis.RedisError:
                log.warning("Lost the Redis channel that wakes workers; reconnecting", exc_info=True)
                threading.Event().wait(1)

    threading.Thread(target=loop, name="parley-jobs-wakeup", daemon=True).start()


_client: redis.Redis | None = None


def _publisher() -> redis.Redis:
    global _client
    if _client is None:
        _client = redis.Redis.from_url(settings.REDIS_URL)
    return _client
