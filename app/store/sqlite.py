"""SQLite: one file in WAL mode, one connection shared by all threads under a lock."""

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from app.store.base import Dialect, Tx
from app.store.records import StoreError


def _same(sql: str) -> str:
    return sql


def _switch_to_wal(conn: sqlite3.Connection, timeout: float = 10.0) -> str:
    """PRAGMA journal_mode=WAL; the journal mode it reports. Switching a new file needs the
    database to itself, and SQLite answers "locked" at once, without its busy handler, while
    another process migrates it: so ask again until the timeout of connect()."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return str(conn.execute("PRAGMA journal_mode=WAL").fetchone()[0])
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


class SQLiteDialect(Dialect):
    """One connection shared by all threads, guarded by a lock; each transaction holds it.

    SQLite allows a single writer at a time anyway, so a connection per thread would only add
    SQLITE_BUSY retries and connections to close from threads we do not own; the Store's
    methods hold the lock for milliseconds (training reads its data once per job).
    """

    name = "sqlite"
    driver_error = sqlite3.Error

    def __init__(self, path: Path) -> None:
        self.path = path
        self.where = str(path)
        self.elsewhere = "point HWR_DATA_DIR at another folder"
        self._lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: no implicit transactions; each transaction says BEGIN itself.
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(self._cannot_open(exc)) from exc
        self._conn = conn
        try:
            mode = _switch_to_wal(conn)
            if mode != "wal":
                raise StoreError(f"{path}: cannot switch the database to WAL (got {mode!r})")
            conn.execute("PRAGMA synchronous=FULL")  # a COMMIT is on disk before it returns
            conn.execute("PRAGMA foreign_keys=ON")
        except sqlite3.Error as exc:
            conn.close()
            raise StoreError(self._cannot_open(exc)) from exc
        except StoreError:
            conn.close()
            raise

    def _cannot_open(self, exc: Exception) -> str:
        return (
            f"cannot open the database {self.path}: {exc}. Check that the path is an hwr"
            " database file you can read and write, or point HWR_DATA_DIR at another folder."
        )

    @contextmanager
    def transaction(self, write: bool) -> Iterator[Tx]:
        """Writers BEGIN IMMEDIATE, so the write lock is taken at BEGIN (no upgrade deadlock
        with another process); readers BEGIN DEFERRED, which still gives one snapshot."""
        with self._lock:
            conn = self._conn
            try:
                conn.execute("BEGIN IMMEDIATE" if write else "BEGIN DEFERRED")
                yield Tx(conn, _same)
                conn.execute("COMMIT")
            except BaseException as exc:
                with suppress(sqlite3.Error):  # also when the connection is closed
                    if conn.in_transaction:
                        conn.rollback()
                if isinstance(exc, sqlite3.Error):
                    raise self.error(exc) from exc
                raise

    def is_unique_violation(self, exc: Exception) -> bool:
        return isinstance(exc, sqlite3.IntegrityError) and "UNIQUE" in str(exc)

    def schema_version(self, tx: Tx) -> int:
        return int(tx.execute("PRAGMA user_version").fetchone()[0])

    def set_schema_version(self, tx: Tx, version: int) -> None:
        tx.execute(f"PRAGMA user_version = {int(version)}")

    def check_integrity(self) -> list[str]:
        """PRAGMA integrity_check rows: ["ok"] when the file is intact."""
        try:
            with self.transaction(write=False) as tx:
                return [row[0] for row in tx.execute("PRAGMA integrity_check").fetchall()]
        except StoreError as exc:  # a damaged file may not even be readable
            return [str(exc)]

    def close(self) -> None:
        with self._lock:
            self._conn.close()
