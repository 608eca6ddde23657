"""Recognizers, samples and models: the Store, the only class that speaks SQL.

Every public method is one short transaction on the dialect (SQLite or PostgreSQL). Writers
that change a recognizer's samples lock its row first (the revision bump), so on PostgreSQL
they take turns per recognizer and always lock in the same order (no deadlocks), and the
limits are counted and enforced in the transaction that writes.
"""

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from app.clock import now
from app.store.base import Dialect, Tx
from app.store.dialects import dialect_for
from app.store.migrations import migrate
from app.store.records import (
    Conflict,
    LimitReached,
    Model,
    NotFound,
    Recognizer,
    Sample,
    dumps,
)

DEFAULT_MAX_SAMPLES = 5000
DEFAULT_MAX_RECOGNIZERS = 200
_CREATE_LOCK = 0x6877_7201  # creating recognizers one at a time: their count is the limit's

_COLUMNS = "name, grid_size, network, created_at, revision"
_RECOGNIZER = f"SELECT {_COLUMNS} FROM recognizers"
_END_TRAINING = "UPDATE recognizers SET training_since = NULL WHERE name = ? AND training_since = ?"
_INSERT_SAMPLE = (
    "INSERT INTO samples (recognizer, label, strokes, grid, created_at) VALUES (?,?,?,?,?)"
)


def _recognizer_of(row: tuple[Any, ...]) -> Recognizer:
    return Recognizer(row[0], row[1], json.loads(row[2]), row[3], row[4])


def _taken(name: str) -> Conflict:
    return Conflict(f"a recognizer named '{name}' already exists")


class Store:
    """Thread-safe access to one database: a SQLite file (a Path, or "sqlite:///path") or a
    PostgreSQL database ("postgresql://user:password@host:port/db").

    `max_samples` per recognizer and `max_recognizers` in all (HWR_MAX_SAMPLES and
    HWR_MAX_RECOGNIZERS) keep any client from filling the disk: a write past them raises
    LimitReached and stores nothing.
    """

    def __init__(
        self,
        target: Path | str | Dialect,
        *,
        max_samples: int = DEFAULT_MAX_SAMPLES,
        max_recognizers: int = DEFAULT_MAX_RECOGNIZERS,
    ) -> None:
        self._db = target if isinstance(target, Dialect) else dialect_for(target)
        self.where = self._db.where  # the database, for messages
        self.backend = self._db.name
        self.max_samples = max_samples
        self.max_recognizers = max_recognizers
        try:
            migrate(self._db)
        except BaseException:
            self._db.close()
            raise

    @contextmanager
    def _write(self) -> Iterator[Tx]:
        with self._db.transaction(write=True) as tx:
            yield tx

    @contextmanager
    def _read(self) -> Iterator[Tx]:
        with self._db.transaction(write=False) as tx:
            yield tx

    def close(self) -> None:
        self._db.close()

    def check_integrity(self) -> list[str]:
        """["ok"] when the database is intact (SQLite: PRAGMA integrity_check rows)."""
        return self._db.check_integrity()

    # --- recognizers ---------------------------------------------------------------------

    def _recognizer(self, tx: Tx, name: str, lock: str = "") -> Recognizer:
        row = tx.execute(_RECOGNIZER + " WHERE name = ?" + lock, (name,)).fetchone()
        if row is None:
            raise NotFound(f"no recognizer named '{name}'")
        return _recognizer_of(row)

    def create_recognizer(self, name: str, grid_size: int, network: dict[str, Any]) -> Recognizer:
        """A new recognizer; Conflict if the name is taken, LimitReached past max_recognizers."""
        with self._write() as tx:
            self._db.lock(tx, _CREATE_LOCK)
            if tx.execute("SELECT 1 FROM recognizers WHERE name = ?", (name,)).fetchone():
                raise _taken(name)
            count = tx.execute("SELECT COUNT(*) FROM recognizers").fetchone()[0]
            if count >= self.max_recognizers:
                raise LimitReached(
                    f"there are {count} recognizers, the most allowed (HWR_MAX_RECOGNIZERS)"
                )
            rows = tx.execute(
                "INSERT INTO recognizers (name, grid_size, network, created_at) VALUES (?,?,?,?)"
                f" ON CONFLICT (name) DO NOTHING RETURNING {_COLUMNS}",
                (name, grid_size, dumps(network), now()),
            ).fetchall()
            if not rows:  # created meanwhile by a rename
                raise _taken(name)
            return _recognizer_of(rows[0])

    def ensure_recognizer(self, name: str, grid_size: int, network: dict[str, Any]) -> Recognizer:
        """The recognizer `name`, created with these settings if it does not exist. The server
        ensures "default" at startup: this one is not counted against max_recognizers, so a
        full database still starts."""
        with self._write() as tx:
            tx.execute(
                "INSERT INTO recognizers (name, grid_size, network, created_at) VALUES (?,?,?,?)"
                " ON CONFLICT (name) DO NOTHING",
                (name, grid_size, dumps(network), now()),
            )
            return self._recognizer(tx, name)

    def get_recognizer(self, name: str) -> Recognizer:
        with self._read() as tx:
            return self._recognizer(tx, name)

    def list_recognizers(self) -> list[Recognizer]:
        with self._read() as tx:
            rows = tx.execute(_RECOGNIZER + " ORDER BY name").fetchall()
        return [_recognizer_of(row) for row in rows]

    def delete_recognizer(self, name: str) -> None:
        """Delete it with its samples and model (ON DELETE CASCADE)."""
        with self._write() as tx:
            if tx.execute("DELETE FROM recognizers WHERE name = ?", (name,)).rowcount == 0:
                raise NotFound(f"no recognizer named '{name}'")

    def set_network(
        self,
        name: str,
        network: dict[str, Any],
        regrid: Callable[[Any, int, dict[str, Any]], list[float]] | None = None,
    ) -> Recognizer:
        """New settings; with `regrid(strokes, grid_size, network)`, every sample's grid is
        recomputed from its strokes in the same transaction (grids follow the settings)."""
        with self._write() as tx:
            tx.execute("UPDATE recognizers SET network = ? WHERE name = ?", (dumps(network), name))
            recognizer = self._recognizer(tx, name)
            if regrid is not None:
                rows = tx.execute(
                    "SELECT id, strokes FROM samples WHERE recognizer = ?", (name,)
                ).fetchall()
                tx.executemany(
                    "UPDATE samples SET grid = ? WHERE id = ?",
                    [
                        (dumps(regrid(json.loads(s), recognizer.grid_size, network)), i)
                        for i, s in rows
                    ],
                )
            return recognizer

    def rename_recognizer(self, name: str, new: str) -> Recognizer:
        """The recognizer, its samples and its model under a new name (Conflict if taken)."""
        with self._write() as tx:
            self._recognizer(tx, name, self._db.for_update)
            # Foreign keys point at the name: add the new row, move the children, drop the old.
            added = tx.execute(
                "INSERT INTO recognizers (name, grid_size, network, created_at, revision,"
                " training_since) SELECT ?, grid_size, network, created_at, revision,"
                " training_since FROM recognizers WHERE name = ? ON CONFLICT (name) DO NOTHING",
                (new, name),
            ).rowcount
            if added != 1:
                raise _taken(new)
            tx.execute("UPDATE samples SET recognizer = ? WHERE recognizer = ?", (new, name))
            tx.execute("UPDATE models SET recognizer = ? WHERE recognizer = ?", (new, name))
            tx.execute("DELETE FROM recognizers WHERE name = ?", (name,))
            return self._recognizer(tx, new)

    def label_counts(self, name: str) -> list[tuple[str, int]]:
        """Labels in the order of their first sample, with their sample counts."""
        with self._read() as tx:
            self._recognizer(tx, name)
            rows = tx.execute(
                "SELECT label, COUNT(*) FROM samples WHERE recognizer = ?"
                " GROUP BY label ORDER BY MIN(id)",
                (name,),
            ).fetchall()
        return [(label, count) for label, count in rows]

    # --- training marks ------------------------------------------------------------------

    def mark_training(self, name: str, since: str | None) -> None:
        """Note that a training of `name` started at `since` (None: it ended)."""
        with self._write() as tx:
            tx.execute("UPDATE recognizers SET training_since = ? WHERE name = ?", (since, name))

    def claim_training(self, name: str, since: str) -> bool:
        """Mark `name` as training since `since` only if no training is marked: True when this
        call marked it, False when one already is (NotFound for an unknown recognizer).

        API processes racing to start one recognizer's training: exactly one of them gets True."""
        with self._write() as tx:
            sql = "UPDATE recognizers SET training_since = ? WHERE name = ?"
            if tx.execute(sql + " AND training_since IS NULL", (since, name)).rowcount == 1:
                return True
            self._recognizer(tx, name)
            return False

    def training_marks(self) -> list[tuple[str, str]]:
        """(name, training_since) of every recognizer marked as training, by name; kept."""
        with self._read() as tx:
            rows = tx.execute(
                "SELECT name, training_since FROM recognizers"
                " WHERE training_since IS NOT NULL ORDER BY name"
            ).fetchall()
        return [(name, since) for name, since in rows]

    def end_training(self, name: str, since: str) -> bool:
        """Clear the mark of `name` only if it is still `since`: True when this call cleared it.

        Processes racing to declare one training lost: exactly one of them gets True."""
        with self._write() as tx:
            return tx.execute(_END_TRAINING, (name, since)).rowcount == 1

    def take_interrupted(self) -> list[tuple[str, str]]:
        """(name, started at) of trainings that never ended (the server died), cleared."""
        taken = []
        with self._write() as tx:
            for name, since in tx.execute(
                "SELECT name, training_since FROM recognizers WHERE training_since IS NOT NULL"
            ).fetchall():
                if tx.execute(_END_TRAINING, (name, since)).rowcount == 1:
                    taken.append((name, since))
        return taken

    # --- samples -------------------------------------------------------------------------

    @staticmethod
    def _bump(tx: Tx, name: str) -> None:
        """A new revision, and the recognizer's row locked until the transaction ends."""
        sql = "UPDATE recognizers SET revision = revision + 1 WHERE name = ?"
        if tx.execute(sql, (name,)).rowcount == 0:
            raise NotFound(f"no recognizer named '{name}'")

    def _make_room(self, tx: Tx, name: str, adding: int) -> None:
        """LimitReached unless `adding` more samples fit (after _bump: the count is current)."""
        if adding == 0:
            return
        sql = "SELECT COUNT(*) FROM samples WHERE recognizer = ?"
        count = int(tx.execute(sql, (name,)).fetchone()[0])
        most = self.max_samples
        if count + adding <= most:
            return
        if adding == 1 and count == most:
            problem = "the most allowed"
        elif adding == 1:
            problem = f"more than the {most} allowed"
        else:
            problem = f"adding {adding} would make {count + adding}, more than the {most} allowed"
        raise LimitReached(f"recognizer '{name}' has {count} samples, {problem} (HWR_MAX_SAMPLES)")

    def add_sample(self, name: str, label: str, strokes: list[Any], grid: list[float]) -> Sample:
        """Store one sample; it is committed (on disk) when this returns."""
        created_at, strokes_json, grid_json = now(), dumps(strokes), dumps(grid)
        with self._write() as tx:
            self._bump(tx, name)
            self._make_room(tx, name, 1)
            row = (name, label, strokes_json, grid_json, created_at)
            sample_id = int(tx.execute(_INSERT_SAMPLE + " RETURNING id", row).fetchall()[0][0])
        return Sample(sample_id, name, label, list(grid), created_at, None)

    def add_samples(
        self, name: str, items: Sequence[tuple[str, list[Any], list[float]]]
    ) -> tuple[list[int], int]:
        """Store (label, strokes, grid) items in one transaction, all or nothing, skipping
        exact duplicates (same label and strokes) of stored samples and of each other:
        importing a dataset twice adds nothing. (indices of the items added, skipped count).
        LimitReached, and nothing stored, when the new ones would pass max_samples."""
        created_at = now()
        with self._write() as tx:
            self._bump(tx, name)
            seen = set(
                tx.execute(
                    "SELECT label, strokes FROM samples WHERE recognizer = ?", (name,)
                ).fetchall()
            )
            rows, added = [], []
            for i, (label, strokes, grid) in enumerate(items):
                key = (label, dumps(strokes))
                if key not in seen:
                    seen.add(key)
                    added.append(i)
                    rows.append((name, label, key[1], dumps(grid), created_at))
            self._make_room(tx, name, len(rows))
            tx.executemany(_INSERT_SAMPLE, rows)
        return added, len(items) - len(added)

    def list_samples(
        self, name: str, label: str | None = None, *, with_strokes: bool = False
    ) -> list[Sample]:
        """Samples in id order, of one label when given."""
        strokes = "strokes" if with_strokes else "NULL"
        sql = f"SELECT id, label, grid, created_at, {strokes} FROM samples WHERE recognizer = ?"
        args: tuple[str, ...] = (name,)
        if label is not None:
            sql, args = sql + " AND label = ?", (name, label)
        with self._read() as tx:
            self._recognizer(tx, name)
            rows = tx.execute(sql + " ORDER BY id", args).fetchall()
        loads = json.loads
        return [Sample(r[0], name, r[1], loads(r[2]), r[3], r[4] and loads(r[4])) for r in rows]

    def get_sample(self, name: str, sample_id: int) -> Sample:
        with self._read() as tx:
            row = tx.execute(
                "SELECT label, grid, created_at, strokes FROM samples"
                " WHERE id = ? AND recognizer = ?",
                (sample_id, name),
            ).fetchone()
        if row is None:
            raise NotFound(f"no sample {sample_id} in recognizer '{name}'")
        return Sample(sample_id, name, row[0], json.loads(row[1]), row[2], json.loads(row[3]))

    def delete_sample(self, name: str, sample_id: int) -> None:
        with self._write() as tx:
            self._bump(tx, name)
            sql = "DELETE FROM samples WHERE id = ? AND recognizer = ?"
            if tx.execute(sql, (sample_id, name)).rowcount == 0:
                raise NotFound(f"no sample {sample_id} in recognizer '{name}'")

    def relabel_sample(self, name: str, sample_id: int, label: str) -> Sample:
        """Move one sample to another label (a mislabelled drawing is the common case)."""
        with self._write() as tx:
            self._bump(tx, name)
            sql = "UPDATE samples SET label = ? WHERE id = ? AND recognizer = ?"
            if tx.execute(sql, (label, sample_id, name)).rowcount == 0:
                raise NotFound(f"no sample {sample_id} in recognizer '{name}'")
        return self.get_sample(name, sample_id)

    def rename_label(self, name: str, label: str, new: str) -> int:
        """Every sample of `label` becomes `new` (merging into `new` if it exists); the count."""
        with self._write() as tx:
            self._bump(tx, name)
            sql = "UPDATE samples SET label = ? WHERE recognizer = ? AND label = ?"
            moved = tx.execute(sql, (new, name, label)).rowcount
            if moved == 0:
                raise NotFound(f"no label '{label}' in recognizer '{name}'")
        return moved

    def delete_label(self, name: str, label: str) -> int:
        """Delete every sample of `label`; the count."""
        with self._write() as tx:
            self._bump(tx, name)
            sql = "DELETE FROM samples WHERE recognizer = ? AND label = ?"
            deleted = tx.execute(sql, (name, label)).rowcount
            if deleted == 0:
                raise NotFound(f"no label '{label}' in recognizer '{name}'")
        return deleted

    def training_data(
        self, name: str
    ) -> tuple[list[str], NDArray[np.float32], NDArray[np.int64], int]:
        """(labels in first-sample order, X (n, cells), y (n,) label indices, revision).

        Read in one transaction, so the arrays and the revision describe the same samples.
        """
        with self._read() as tx:
            recognizer = self._recognizer(tx, name)
            rows = tx.execute(
                "SELECT label, grid FROM samples WHERE recognizer = ? ORDER BY id", (name,)
            ).fetchall()
        index: dict[str, int] = {}
        y = np.array([index.setdefault(label, len(index)) for label, _ in rows], dtype=np.int64)
        X = np.array([json.loads(grid) for _, grid in rows], dtype=np.float32)
        X = X.reshape(len(rows), recognizer.grid_size**2)
        return list(index), X, y, recognizer.revision

    def training_samples(
        self, name: str
    ) -> tuple[list[str], list[tuple[int, str, list[list[list[float]]]]], int]:
        """(labels in first-sample order, [(id, label, strokes)] in id order, revision), read
        in one transaction so the samples and the revision agree."""
        with self._read() as tx:
            recognizer = self._recognizer(tx, name)
            rows = tx.execute(
                "SELECT id, label, strokes FROM samples WHERE recognizer = ? ORDER BY id", (name,)
            ).fetchall()
        labels = list(dict.fromkeys(label for _, label, _ in rows))
        samples = [(i, label, json.loads(strokes)) for i, label, strokes in rows]
        return labels, samples, recognizer.revision

    # --- models --------------------------------------------------------------------------

    def save_model(
        self,
        name: str,
        document: dict[str, Any],
        labels: list[str],
        iterations: int,
        mse: float | None,
        revision: int,
        created_at: str | None = None,
    ) -> Model:
        """Replace the recognizer's model in one transaction (NotFound if it was deleted; with
        `created_at`, also if it was deleted and another of that name created since)."""
        trained_at, document_json, labels_json = now(), dumps(document), dumps(labels)
        with self._write() as tx:
            found = self._recognizer(tx, name, self._db.for_key_share)  # kept until we commit
            if created_at is not None and found.created_at != created_at:
                raise NotFound(f"recognizer '{name}' was deleted (another of that name exists)")
            tx.execute(
                "INSERT INTO models (recognizer, document, labels, iterations, mse, trained_at,"
                " revision) VALUES (?,?,?,?,?,?,?) ON CONFLICT (recognizer) DO UPDATE SET"
                " document = excluded.document, labels = excluded.labels,"
                " iterations = excluded.iterations, mse = excluded.mse,"
                " trained_at = excluded.trained_at, revision = excluded.revision",
                (name, document_json, labels_json, iterations, mse, trained_at, revision),
            )
        return Model(name, document, list(labels), iterations, mse, trained_at, revision)

    def get_model(self, name: str) -> Model | None:
        """The recognizer's model, or None when it has none (or does not exist)."""
        with self._read() as tx:
            row = tx.execute(
                "SELECT document, labels, iterations, mse, trained_at, revision FROM models"
                " WHERE recognizer = ?",
                (name,),
            ).fetchone()
        if row is None:
            return None
        return Model(name, json.loads(row[0]), json.loads(row[1]), row[2], row[3], row[4], row[5])
