"""WAL checkpoints on a thread of their own, off the requests' path.

In WAL mode each commit is appended to the -wal file, and once that holds 1,000 pages the committing
connection copies them back into the database file and syncs both, inside its commit. In `parley serve` that
commit is a request's: every few dozen widget messages one request waited 10-20 ms for it, with the requests
queued behind it (at 300 msg/s, p95 11.7 → 4.8 ms without; bench/RESULTS.md). While a `Checkpointer` runs, the
process's new connections leave checkpoints to it. Once a second it copies the WAL back PASSIVE-ly: without
waiting for a reader or a writer, nor making one wait, in SQLite's C code outside the GIL (so on the other core).

A writer starts the WAL file over only if, when it began, everything in it had been copied back; under steady
writes a background copy never quite catches up, and the file would grow for as long as they last. When it
has grown past `RESTART_PAGES`, the checkpointer takes the process's writer lock (core.sqlite.base.writer: the
process's writers wait in Python, not in SQLite's sleeping busy handler), copies the little that came in since
its copy, and starts it over. A reader that keeps an older snapshot (a long report) makes it give up after
`READER_WAIT` seconds and try again a second later. Other processes (a `parley shell`, a migration) keep
SQLite's automatic checkpoints.
"""

import logging
import sqlite3
import threading

from core.sqlite.base import DatabaseWrapper, writer

log = logging.getLogger(__name__)
INTERVAL = 1.0  # seconds between checkpoints
RESTART_PAGES = 4000  # 16 MB of WAL
READER_WAIT = 0.05  # seconds a restart waits for older readers, the process's writers held


class Checkpointer:
    def __init__(self, path: str, interval: float = INTERVAL, restart_pages: int = RESTART_PAGES) -> None:
        self.path, self.interval, self.restart_pages = path, interval, restart_pages
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        DatabaseWrapper.wal_autocheckpoint = 0  # connections opened from now on
        self._thread = threading.Thread(target=self._run, name="parley-checkpoints", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        DatabaseWrapper.wal_autocheckpoint = None
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _checkpoint(self, connection: sqlite3.Connection) -> None:
        """Copy the WAL back, and start it over once it has grown past `restart_pages`."""
        _busy, wal_pages, _copied = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        if wal_pages >= self.restart_pages:
            with writer:
                connection.execute("PRAGMA wal_checkpoint(RESTART)")  # busy with an older reader: next time

    def _run(self) -> None:
        connection = sqlite3.connect(self.path, timeout=READER_WAIT)
        try:
            while not self._stop.wait(self.interval):
                try:
                    self._checkpoint(connection)
                except sqlite3.Error:
                    log.exception("WAL checkpoint of %s failed", self.path)
        finally:
            connection.close()
