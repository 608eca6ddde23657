"""Recognizers, samples and models in SQLite (the default) or PostgreSQL (HWR_DATABASE_URL).

The Store (store.py, its methods by table in recognizers.py and samples.py) is the only class
that speaks SQL; a dialect (sqlite.py, postgres.py) connects, runs its transactions and maps
driver errors; migrations.py versions the schema.
"""

from pathlib import Path

from app.config import Settings
from app.store.base import Dialect
from app.store.migrations import MIGRATIONS, SCHEMA_VERSION
from app.store.records import (
    Conflict,
    LimitReached,
    Model,
    ModelFacts,
    NotFound,
    Recognizer,
    Sample,
    StoreError,
)
from app.store.store import DEFAULT_MAX_RECOGNIZERS, DEFAULT_MAX_SAMPLES, Store

DB_FILE = "hwr.db"  # the SQLite database in the data folder


def connect(
    url_or_path: Path | str,
    *,
    max_samples: int = DEFAULT_MAX_SAMPLES,
    max_recognizers: int = DEFAULT_MAX_RECOGNIZERS,
) -> Store:
    """The store at a SQLite path (or sqlite:///path) or a postgresql:// URL, migrated."""
    return Store(url_or_path, max_samples=max_samples, max_recognizers=max_recognizers)


def database_of(settings: Settings) -> Path | str:
    """HWR_DATABASE_URL when set, else the SQLite file in HWR_DATA_DIR."""
    return settings.database_url or settings.data_dir / DB_FILE


def open_store(settings: Settings) -> Store:
    """The configured store; StoreError says clearly what is wrong with it."""
    return connect(
        database_of(settings),
        max_samples=settings.max_samples,
        max_recognizers=settings.max_recognizers,
    )


__all__ = [
    "DB_FILE",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "Conflict",
    "Dialect",
    "LimitReached",
    "Model",
    "ModelFacts",
    "NotFound",
    "Recognizer",
    "Sample",
    "Store",
    "StoreError",
    "connect",
    "database_of",
    "open_store",
]
