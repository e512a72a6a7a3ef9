"""Pushes from threads without an event loop are handed to the serving loop, in order."""

import asyncio
import threading

from realtime import push_loop


def test_a_thread_hands_its_pushes_to_the_serving_loop_and_waits_for_each():
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True).start()
    asyncio.run_coroutine_threadsafe(_remember(), loop).result(timeout=5)
    ran_on: list[tuple[int, asyncio.AbstractEventLoop]] = []
    done = threading.Event()

    def push(n: int):  # a coroutine function: what _publish hands over
        async def send() -> None:
            ran_on.append((n, asyncio.get_running_loop()))
            if n == 9:
                done.set()

        return send

    try:
        for n in range(10):
            assert push_loop.hand_over(push(n))
            assert len(ran_on) == n + 1  # done when it returns: a request's push goes out before its response
        assert done.is_set()
        assert [n for n, _ in ran_on] == list(range(10))
        assert all(on is loop for _, on in ran_on)
    finally:
        loop.call_soon_threadsafe(loop.stop)


def test_without_a_running_serving_loop_the_caller_pushes_itself():
    loop = asyncio.new_event_loop()
    loop.run_until_complete(_remember())  # remembered, then no longer running
    loop.close()

    async def send() -> None:
        raise AssertionError("not handed over")

    assert push_loop.hand_over(send) is False


async def _remember() -> None:
    push_loop.remember()
