"""SQLite with the writers of one process taking turns in Python.

SQLite lets one writer at a time in. A connection that finds the database locked sleeps in SQLite's busy
handler (1, 2, 5, 10 … up to 100 ms at a time) before looking again, so while another thread writes back to
back (the job worker running bot turns) a waiting writer can sleep through every gap: a visitor's message
then takes hundreds of milliseconds instead of a few. Here a process-wide lock is taken before SQLite's (at
BEGIN, and around a write outside a transaction) and handed straight to the next thread when released.
Other processes (a `parley shell`, say) still meet SQLite's own busy timeout.
"""

import functools
import threading
from typing import Any

from django.db.backends.sqlite3 import base

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
writer = threading.RLock()  # also taken by core.sqlite.checkpoints


@functools.lru_cache(maxsize=1024)
def _qmark(query: str) -> str:
    """Django's %s placeholders as SQLite's ?, worked out once for each statement (a regex on every call)."""
    return base.FORMAT_QMARK_REGEX.sub("?", query).replace("%%", "%")


class CursorWrapper(base.SQLiteCursorWrapper):
    def convert_query(self, query: str, *, param_names: list[str] | None = None) -> str:
        if param_names is None:
            return _qmark(query)
        return super().convert_query(query, param_names=param_names)  # type: ignore[misc]  # not in the stubs

    def execute(self, query: str, params: Any = None) -> Any:
        if query.lstrip()[:7].upper().startswith(WRITES):
            with writer:  # reentrant: inside this thread's own transaction it is already held
                return super().execute(query, params)
        return super().execute(query, params)

    def executemany(self, query: str, param_list: Any) -> Any:
        with writer:
            return super().executemany(query, param_list)


class DatabaseWrapper(base.DatabaseWrapper):
    """An in-memory database (the tests') is left as Django has it: its connections share one cache and lock
    by table, and a test's own transaction would hold the process lock for the whole test."""

    wal_autocheckpoint: int | None = None  # 0 while a core.sqlite.checkpoints.Checkpointer runs; else SQLite's

    def get_new_connection(self, conn_params: Any) -> Any:
        connection = super().get_new_connection(conn_params)
        if self.wal_autocheckpoint is not None:
            connection.execute(f"PRAGMA wal_autocheckpoint={int(self.wal_autocheckpoint)}")
        return connection

    def create_cursor(self, name: str | None = None) -> Any:
        if self.is_in_memory_db():
            return super().create_cursor(name)
        return self.connection.cursor(factory=CursorWrapper)

    def _start_transaction_under_autocommit(self) -> None:
        if self.is_in_memory_db():
            super()._start_transaction_under_autocommit()  # type: ignore[misc]  # private in the stubs
            return
        writer.acquire()
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]  # private in the stubs
        except BaseException:
            writer.release()
            raise
        self._holds_writer = True

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]
        finally:
            self._let_writer_go()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]
        finally:
            self._let_writer_go()

    def _close(self) -> None:
        try:
            super()._close()  # type: ignore[misc]
        finally:
            self._let_writer_go()

    def _let_writer_go(self) -> None:
        if getattr(self, "_holds_writer", False):
            self._holds_writer = False
            writer.release()
