"""A request's pushes are sent by the request, in turn with other requests'; pushes from threads without an
event loop are handed to the serving loop, in order."""

import asyncio
import logging
import threading

from asgiref.sync import sync_to_async

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


async def test_a_requests_pushes_wait_for_send_collected():
    sent: list[int] = []

    def view() -> None:  # in the sync thread, as a view runs
        for n in (1, 2):

            async def send(n: int = n) -> None:
                sent.append(n)

            assert push_loop.hand_over(send)

    pushes = push_loop.collect()
    await sync_to_async(view, thread_sensitive=True)()
    assert sent == [] and len(pushes) == 2

    await push_loop.send_collected(pushes)
    assert sent == [1, 2]


async def test_requests_send_their_pushes_in_turn_and_a_failing_one_stops_nothing(caplog):
    # A shared layer's sends wait on the network: the request that finished second must not overtake the first.
    order: list[str] = []

    async def slow() -> None:
        await asyncio.sleep(0.05)
        order.append("first")

    async def failing() -> None:
        raise ConnectionError("redis went away")

    async def fast() -> None:
        order.append("second")

    with caplog.at_level(logging.ERROR, logger="realtime.push_loop"):
        await asyncio.gather(push_loop.send_collected([slow, failing]), push_loop.send_collected([fast]))

    assert order == ["first", "second"]
    assert "A websocket push failed" in caplog.text


async def _remember() -> None:
    push_loop.remember()


async def test_pushes_that_hang_are_given_up_and_the_next_requests_go_out(monkeypatch, caplog):
    monkeypatch.setattr(push_loop, "PUSH_TIMEOUT", 0.05)
    sent: list[str] = []

    async def hangs() -> None:
        await asyncio.Event().wait()

    async def later() -> None:
        sent.append("later")

    with caplog.at_level(logging.ERROR, logger="realtime.push_loop"):
        await asyncio.gather(push_loop.send_collected([hangs, later]), push_loop.send_collected([later]))

    assert sent == ["later"]  # the first request's rest was given up with it; the next request's went out
    assert "took over 0.05 s" in caplog.text
