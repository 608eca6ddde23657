"""What a database backend provides to the Store: transactions, locks and a schema version.

The Store writes portable SQL with `?` placeholders (SQLite 3.35+ and PostgreSQL both have
ON CONFLICT and RETURNING); a dialect runs it, translating placeholders where needed, and turns
the driver's errors into StoreError.
"""

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Protocol

from app.store.records import Conflict, StoreError

MIGRATION_LOCK = 0x6877_7200  # "hw r\0": the key two processes migrating one database share


class Cursor(Protocol):
    """What sqlite3 and psycopg cursors have in common for the Store."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Tx:
    """One open transaction: runs `?`-style SQL on the dialect's connection."""

    __slots__ = ("_conn", "_sql")

    def __init__(self, conn: Any, translate: Callable[[str], str]) -> None:
        self._conn = conn
        self._sql = translate

    def execute(self, sql: str, args: Sequence[Any] = ()) -> Cursor:
        cursor: Cursor = self._conn.execute(self._sql(sql), tuple(args))
        return cursor

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self._conn.cursor().executemany(self._sql(sql), rows)


class Dialect(ABC):
    """One database: its connection(s), transactions, schema version and error mapping."""

    name: str  # "sqlite" or "postgresql": the key of per-dialect migration SQL
    where: str  # the database for messages: a path, or a URL without its password
    elsewhere: str  # what to do instead: "point HWR_DATA_DIR at another folder"
    driver_error: type[Exception]  # the driver's base exception
    for_update: str = ""  # a SELECT suffix locking the rows read against writers
    for_key_share: str = ""  # ... against deletion only (what a foreign key needs)

    @abstractmethod
    def transaction(self, write: bool) -> AbstractContextManager[Tx]:
        """COMMIT on success, ROLLBACK on any exception; driver errors become StoreError.

        Writers see the latest committed rows and serialize on the rows they write; a reader
        sees one snapshot for all its statements."""

    def lock(self, tx: Tx, key: int) -> None:  # noqa: B027 (SQLite: writers are serial anyway)
        """Serialize writers that take the same key, until the transaction ends."""

    @abstractmethod
    def schema_version(self, tx: Tx) -> int: ...

    @abstractmethod
    def set_schema_version(self, tx: Tx, version: int) -> None: ...

    @abstractmethod
    def check_integrity(self) -> list[str]:
        """["ok"] when the database is intact, otherwise what is wrong."""

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def is_unique_violation(self, exc: Exception) -> bool: ...

    @contextmanager
    def migration_transaction(self) -> Iterator[Tx]:
        """A write transaction no other process can hold on this database at the same time."""
        with self.transaction(write=True) as tx:
            self.lock(tx, MIGRATION_LOCK)
            yield tx

    def error(self, exc: Exception) -> StoreError:
        """The driver's error as StoreError (Conflict for a unique key)."""
        if self.is_unique_violation(exc):
            return Conflict(f"database {self.where}: {exc}")
        return StoreError(f"database {self.where}: {exc}")
