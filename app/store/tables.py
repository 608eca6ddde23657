"""What every part of the Store shares: the dialect, its transactions, the recognizer row."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from app.store.base import Dialect, Tx
from app.store.records import NotFound, Recognizer

COLUMNS = "name, grid_size, network, created_at, revision, fingerprint"
RECOGNIZER = f"SELECT {COLUMNS} FROM recognizers"


def recognizer_of(row: tuple[Any, ...]) -> Recognizer:
    return Recognizer(row[0], row[1], json.loads(row[2]), row[3], row[4], row[5])


class Tables:
    """The Store's shared half: each public method of its parts is one short transaction."""

    _db: Dialect
    max_samples: int
    max_recognizers: int

    @contextmanager
    def _write(self) -> Iterator[Tx]:
        with self._db.transaction(write=True) as tx:
            yield tx

    @contextmanager
    def _read(self) -> Iterator[Tx]:
        with self._db.transaction(write=False) as tx:
            yield tx

    def _recognizer(self, tx: Tx, name: str, lock: str = "") -> Recognizer:
        row = tx.execute(RECOGNIZER + " WHERE name = ?" + lock, (name,)).fetchone()
        if row is None:
            raise NotFound(f"no recognizer named '{name}'")
        return recognizer_of(row)
