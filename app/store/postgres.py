"""PostgreSQL through psycopg 3: a connection pool, explicit transactions, advisory locks."""

import re
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import lru_cache

import psycopg
from psycopg import errors
from psycopg_pool import ConnectionPool

from app.store.base import Dialect, Tx
from app.store.records import StoreError

CONNECT_TIMEOUT_S = 10


@lru_cache(maxsize=512)
def _translate(sql: str) -> str:
    """`?` placeholders to psycopg's `%s` (a literal % doubled); the Store's SQL has no `?`
    inside string literals."""
    return sql.replace("%", "%%").replace("?", "%s")


def redacted(url: str) -> str:
    """The URL without its password, for messages and logs."""
    return re.sub(r"^([a-z]+://[^:/@]*):[^@]*@", r"\1:***@", url)


class PostgresDialect(Dialect):
    """Writers run at READ COMMITTED and lock the recognizer row they change first (the
    revision bump, or SELECT ... FOR UPDATE), so writers of one recognizer take turns and a
    count made after the lock is current; readers run at REPEATABLE READ READ ONLY, so every
    statement of a multi-statement read sees the same snapshot."""

    name = "postgresql"
    driver_error = psycopg.Error
    for_update = " FOR UPDATE"
    for_key_share = " FOR KEY SHARE"

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.where = redacted(url)
        self.elsewhere = "point HWR_DATABASE_URL at another database"
        try:  # one plain connection first: its error says why (the pool's only times out)
            psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_S).close()
            self._pool: ConnectionPool = ConnectionPool(
                url,
                min_size=1,
                max_size=pool_size,
                kwargs={"autocommit": True, "connect_timeout": CONNECT_TIMEOUT_S},
                name="hwr",
                # A round trip per checkout: after a database restart the first request gets
                # a fresh connection, not a 503 from a dead one.
                check=ConnectionPool.check_connection,
                open=True,
            )
        except psycopg.Error as exc:
            detail = " ".join(str(exc).split())  # libpq's message spans lines
            raise StoreError(
                f"cannot connect to the database {self.where}: {detail.rstrip('.')}"
                f"{'' if detail.endswith('?') else '.'} Check that the server runs and that"
                " HWR_DATABASE_URL names a database you can use."
            ) from exc

    @contextmanager
    def transaction(self, write: bool) -> Iterator[Tx]:
        begin = (
            "BEGIN ISOLATION LEVEL READ COMMITTED"
            if write
            else "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
        )
        try:
            with self._pool.connection() as conn:
                conn.execute(begin)
                try:
                    yield Tx(conn, _translate)
                    conn.execute("COMMIT")
                except BaseException:
                    with suppress(psycopg.Error):  # the pool discards a broken connection
                        conn.execute("ROLLBACK")
                    raise
        except psycopg.Error as exc:
            raise self.error(exc) from exc

    def lock(self, tx: Tx, key: int) -> None:
        tx.execute("SELECT pg_advisory_xact_lock(?)", (key,))

    def is_unique_violation(self, exc: Exception) -> bool:
        return isinstance(exc, errors.UniqueViolation)

    def schema_version(self, tx: Tx) -> int:
        if tx.execute("SELECT to_regclass('hwr_schema')").fetchone()[0] is None:
            return 0
        row = tx.execute("SELECT version FROM hwr_schema").fetchone()
        return 0 if row is None else int(row[0])

    def set_schema_version(self, tx: Tx, version: int) -> None:
        tx.execute("CREATE TABLE IF NOT EXISTS hwr_schema (version INTEGER NOT NULL)")
        tx.execute("DELETE FROM hwr_schema")
        tx.execute("INSERT INTO hwr_schema (version) VALUES (?)", (version,))

    def check_integrity(self) -> list[str]:
        """The server keeps its files intact: ["ok"] when the tables answer."""
        try:
            with self.transaction(write=False) as tx:
                tx.execute("SELECT COUNT(*) FROM recognizers").fetchone()
        except StoreError as exc:
            return [str(exc)]
        return ["ok"]

    def close(self) -> None:
        self._pool.close()
