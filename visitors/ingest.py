"""The batch writer for raw tracking rows: page views, events and times on page.

Requests put rows on an in-process queue and return; a writer thread takes them off and writes them with
a few statements every ~200 ms or 500 rows, in one short transaction, so thousands of events a second cost a
handful of database writes and never hold the chat's write lock for long.

Nothing is lost on a graceful stop: `parley serve` calls flush() after uvicorn returns (SIGTERM / SIGINT),
and flush() is also registered with atexit. A failed write is retried; rows are dropped only if the
database refuses them for good (logged). Tests call flush() directly: without a started thread (autostart
off) flush() writes in the calling thread, inside the test's transaction.
"""

import atexit
import logging
import queue
import threading
import time
from collections.abc import Iterable
from datetime import datetime
from typing import Any, NamedTuple

from django.db import close_old_connections, connection, transaction

from visitors.models import Event, PageView

log = logging.getLogger(__name__)

BATCH_ROWS = 500
BATCH_SECONDS = 0.2
RETRIES = 5


class PageViewRow(NamedTuple):
    visitor_id: int
    url: str
    title: str
    referrer: str
    at: datetime


class EventRow(NamedTuple):
    visitor_id: int
    name: str
    properties: dict[str, Any]
    url: str
    at: datetime


class PageLeave(NamedTuple):
    """Time on a page: set on the visitor's latest page view of that URL."""

    visitor_id: int
    url: str
    duration: int


Row = PageViewRow | EventRow | PageLeave

# Table names come from the models, values are always parameters.
_VIEWS, _EVENTS = (connection.ops.quote_name(m._meta.db_table) for m in (PageView, Event))
INSERT_VIEW = f"INSERT INTO {_VIEWS} (visitor_id, url, title, referrer, created_at) VALUES (%s, %s, %s, %s, %s)"  # noqa: S608
INSERT_EVENT = f"INSERT INTO {_EVENTS} (visitor_id, name, properties, url, created_at) VALUES (%s, %s, %s, %s, %s)"  # noqa: S608
SET_DURATION = (
    f"UPDATE {_VIEWS} SET duration_seconds = %s WHERE id = (SELECT id FROM {_VIEWS}"  # noqa: S608
    " WHERE visitor_id = %s AND url = %s ORDER BY created_at DESC, id DESC LIMIT 1)"
)


def write_rows(rows: list[Row]) -> None:
    """Write one batch in one short transaction: new rows first, then the times on page that may refer to them.

    Plain executemany rather than the ORM's bulk_create: thousands of rows a second are cheap this way, and the
    values go through the fields' own database preparation, so SQLite and PostgreSQL both get what they expect.
    """
    adapt_time = connection.ops.adapt_datetimefield_value
    prepare_json = Event._meta.get_field("properties").get_db_prep_value
    views = [(r.visitor_id, r.url, r.title, r.referrer, adapt_time(r.at)) for r in rows if isinstance(r, PageViewRow)]
    events = [
        (r.visitor_id, r.name, prepare_json(r.properties, connection), r.url, adapt_time(r.at))
        for r in rows
        if isinstance(r, EventRow)
    ]
    # The last time on page of each (visitor, page) in the batch is the one that counts.
    leaves = {(r.visitor_id, r.url): r.duration for r in rows if isinstance(r, PageLeave)}
    with transaction.atomic(), connection.cursor() as cursor:
        if views:
            cursor.executemany(INSERT_VIEW, views)
        if events:
            cursor.executemany(INSERT_EVENT, events)
        if leaves:
            cursor.executemany(
                SET_DURATION, [(seconds, visitor_id, url) for (visitor_id, url), seconds in leaves.items()]
            )


class BatchWriter:
    def __init__(self, *, autostart: bool = True) -> None:
        self.autostart = autostart
        self._queue: queue.SimpleQueue[list[Row] | threading.Event] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._write_lock = threading.Lock()  # the thread and a flush() from another thread never write at once
        self.written = 0

    def submit(self, rows: Iterable[Row]) -> None:
        self._queue.put(list(rows))
        if self.autostart and self._thread is None:
            self.start()

    def start(self) -> None:
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="parley-tracking-writer", daemon=True)
                self._thread.start()

    def pending(self) -> int:
        return self._queue.qsize()

    def flush(self, timeout: float = 60.0) -> None:
        """Write everything queued so far; returns when it is stored.

        With the writer thread running, it is asked to write what it holds and the queue up to now (so no
        batch it already took off the queue is left behind); otherwise the queue is written in this thread.
        """
        thread = self._thread
        if thread is not None and thread.is_alive() and thread is not threading.current_thread():
            done = threading.Event()
            self._queue.put(done)
            done.wait(timeout)
        rows: list[Row] = []
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if isinstance(item, threading.Event):
                item.set()
            else:
                rows.extend(item)
        with self._write_lock:
            self._write(rows)

    def _run(self) -> None:
        while True:
            rows: list[Row] = []
            markers: list[threading.Event] = []
            deadline = time.monotonic() + BATCH_SECONDS
            timeout: float | None = None  # wait for the first item as long as it takes
            try:
                while len(rows) < BATCH_ROWS and not markers:
                    item = self._queue.get(timeout=timeout)
                    if isinstance(item, threading.Event):
                        markers.append(item)
                    else:
                        rows.extend(item)
                    timeout = deadline - time.monotonic()
                    if timeout <= 0:
                        break
            except queue.Empty:
                pass
            with self._write_lock:
                self._write(rows)
            for marker in markers:
                marker.set()

    def _write(self, rows: list[Row]) -> None:
        for start in range(0, len(rows), BATCH_ROWS):
            chunk = rows[start : start + BATCH_ROWS]
            for attempt in range(RETRIES):
                try:
                    write_rows(chunk)
                    self.written += len(chunk)
                    break
                except Exception:
                    log.exception("tracking: writing %d rows failed (attempt %d)", len(chunk), attempt + 1)
                    if threading.current_thread() is self._thread:
                        close_old_connections()
                    time.sleep(0.2 * 2**attempt)
            else:
                log.error("tracking: dropped %d rows after %d attempts", len(chunk), RETRIES)
        if rows and threading.current_thread() is self._thread:
            close_old_connections()


writer = BatchWriter()
atexit.register(writer.flush)


def flush() -> None:
    writer.flush()
