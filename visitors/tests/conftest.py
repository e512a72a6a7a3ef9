from collections.abc import Iterator

import pytest

from visitors import ingest


@pytest.fixture(autouse=True)
def _tracking_writer_in_test_thread(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No writer thread in tests: rows wait on the queue until the test calls ingest.flush() (in its transaction)."""
    monkeypatch.setattr(ingest.writer, "autostart", False)
    yield
    ingest.writer._queue = type(ingest.writer._queue)()  # nothing leaks into the next test
