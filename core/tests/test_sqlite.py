"""Writers of one process take turns on SQLite without meeting its busy timeout; WAL checkpoints off their path."""

import threading
import time
from pathlib import Path

import pytest

from core.sqlite.base import DatabaseWrapper
from core.sqlite.checkpoints import Checkpointer


def connect(path: Path, *, alias: str) -> DatabaseWrapper:
    settings = {
        "ENGINE": "core.sqlite",
        "NAME": str(path),
        "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 0.01},  # SQLite itself would give up in 10 ms
        "TIME_ZONE": None,
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": False,
        "AUTOCOMMIT": True,
        "ATOMIC_REQUESTS": False,
        "TEST": {},
        "USER": "",
        "PASSWORD": "",
        "HOST": "",
        "PORT": "",
    }
    return DatabaseWrapper(settings, alias=alias)


@pytest.mark.django_db  # pytest-django blocks every connection outside it, these too
def test_a_write_waits_for_another_threads_transaction_and_then_goes_in(tmp_path):
    first = connect(tmp_path / "db.sqlite3", alias="first")
    with first.cursor() as cursor:
        cursor.execute("CREATE TABLE notes (text TEXT)")
    order: list[str] = []
    began, wrote = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def other_thread() -> None:
        second = connect(tmp_path / "db.sqlite3", alias="second")
        began.wait()
        try:
            with second.cursor() as cursor:  # an autocommit write while the first transaction runs
                cursor.execute("INSERT INTO notes VALUES ('second')")
            order.append("second")
        except BaseException as error:  # "database is locked" without the process lock
            failures.append(error)
        finally:
            second.close()
            wrote.set()

    thread = threading.Thread(target=other_thread)
    thread.start()
    first.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    with first.cursor() as cursor:
        cursor.execute("INSERT INTO notes VALUES ('first')")
    began.set()
    assert not wrote.wait(0.3)  # far longer than SQLite's 10 ms: it is waiting for the lock, not failing
    order.append("first")
    first.commit()
    first.set_autocommit(True)
    thread.join(timeout=5)

    assert not failures and order == ["first", "second"]
    with first.cursor() as cursor:
        cursor.execute("SELECT text FROM notes ORDER BY rowid")
        assert [row[0] for row in cursor.fetchall()] == ["first", "second"]
    first.close()


@pytest.mark.django_db
def test_placeholders_and_percent_signs_read_the_same_on_every_call(tmp_path):
    connection = connect(tmp_path / "db.sqlite3", alias="placeholders")
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE notes (text TEXT)")
        cursor.executemany("INSERT INTO notes VALUES (%s)", [("50% off",), ("full price",)])
        found = []
        for _ in range(2):  # the second call reads the statement worked out by the first
            cursor.execute("SELECT text FROM notes WHERE text LIKE '%%off' AND text != %s", ["x"])
            found.append([row[0] for row in cursor.fetchall()])
        cursor.execute("SELECT text FROM notes WHERE text = %(text)s", {"text": "full price"})
        named = cursor.fetchall()
    connection.close()

    assert found == [["50% off"], ["50% off"]]
    assert named == [("full price",)]


def wal_autocheckpoint(connection: DatabaseWrapper) -> int:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        return int(cursor.fetchone()[0])


@pytest.mark.django_db
def test_while_a_checkpointer_runs_commits_leave_the_wal_to_it(tmp_path):
    path = tmp_path / "db.sqlite3"
    before = connect(path, alias="before")
    checkpointer = Checkpointer(str(path), interval=0.05)
    checkpointer.start()
    during = connect(path, alias="during")
    try:
        autocheckpoint = wal_autocheckpoint(during)  # 0: no commit copies the WAL back itself
        with during.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("CREATE TABLE notes (text TEXT)")
        during.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
        with during.cursor() as cursor:
            cursor.executemany("INSERT INTO notes VALUES (%s)", [("x" * 2000,)] * 3000)  # ~1,500 pages
        during.commit()
        during.set_autocommit(True)
        with during.cursor() as cursor:
            cursor.execute("PRAGMA page_count")
            pages = int(cursor.fetchone()[0])  # the database as readers see it, WAL included
        deadline = time.monotonic() + 5
        while path.stat().st_size < pages * 4096 and time.monotonic() < deadline:  # the thread copies them back
            time.sleep(0.02)
        in_file = path.stat().st_size // 4096
    finally:
        checkpointer.stop()
        during.close()
    after = connect(path, alias="after")

    assert autocheckpoint == 0
    assert in_file == pages > 1000
    assert wal_autocheckpoint(before) == wal_autocheckpoint(after) == 1000  # SQLite's own, without one
    before.close()
    after.close()


@pytest.mark.django_db
def test_under_steady_writes_the_wal_is_started_over_instead_of_growing(tmp_path):
    path = tmp_path / "db.sqlite3"
    wal = path.with_name(path.name + "-wal")
    checkpointer = Checkpointer(str(path), interval=0.02, restart_pages=100)
    checkpointer.start()
    writes = connect(path, alias="writes")
    commits, biggest = 0, 0
    try:
        with writes.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("CREATE TABLE notes (text TEXT)")
            end = time.monotonic() + 1.5
            while time.monotonic() < end:  # read, then write: a request's pattern, back to back
                cursor.execute("SELECT count(*) FROM notes WHERE rowid > %s", [commits])
                cursor.execute("INSERT INTO notes VALUES (%s)", ["x" * 500])  # a commit, at least a page
                commits += 1
                if commits % 50 == 0:
                    biggest = max(biggest, wal.stat().st_size // (4096 + 24))
    finally:
        checkpointer.stop()
        writes.close()

    # Copied back but never started over, the WAL would hold a page for every commit (and more).
    assert commits > 1000 and biggest < commits / 3
