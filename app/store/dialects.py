"""Which backend a database target names: a path or sqlite:///path, or postgresql://..."""

from pathlib import Path

from app.store.base import Dialect
from app.store.records import StoreError

POSTGRES_SCHEMES = ("postgresql://", "postgres://")
SQLITE_SCHEME = "sqlite:///"  # sqlite:///relative/hwr.db, sqlite:////absolute/hwr.db


def dialect_for(target: Path | str) -> Dialect:
    """The dialect for a SQLite path or a database URL; psycopg is imported only for
    PostgreSQL."""
    if isinstance(target, str):
        if target.startswith(POSTGRES_SCHEMES):
            from app.store.postgres import PostgresDialect

            return PostgresDialect(target)
        if target.startswith(SQLITE_SCHEME):
            target = Path(target.removeprefix(SQLITE_SCHEME))
        elif "://" in target:
            scheme = target.split("://", 1)[0]
            raise StoreError(
                f"unsupported database URL scheme {scheme}://: HWR_DATABASE_URL takes"
                " postgresql://user:password@host:port/database or sqlite:///path/to/hwr.db"
            )
        else:
            target = Path(target)
    from app.store.sqlite import SQLiteDialect

    return SQLiteDialect(target)
