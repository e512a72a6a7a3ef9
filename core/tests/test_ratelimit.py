"""Rate limits count per key in the shared cache: the limit holds, other keys are apart, a new window starts
afresh."""

from core import ratelimit


def test_calls_beyond_the_limit_are_refused_until_the_next_window(monkeypatch):
    now = [1_000_000.0]
    monkeypatch.setattr(ratelimit.time, "time", lambda: now[0])

    assert [ratelimit.allow("k", limit=2, window=60) for _ in range(3)] == [True, True, False]
    assert ratelimit.allow("other", limit=2, window=60)
    now[0] += 60
    assert ratelimit.allow("k", limit=2, window=60)
