"""Recognizers: create, rename, delete, their settings, and the marks of running trainings."""

import json
from collections.abc import Callable
from typing import Any

from app.clock import now
from app.store.records import Conflict, LimitReached, NotFound, Recognizer, dumps
from app.store.tables import COLUMNS, RECOGNIZER, Tables, recognizer_of

_CREATE_LOCK = 0x6877_7201  # creating recognizers one at a time: their count is the limit's
_END_TRAINING = "UPDATE recognizers SET training_since = NULL WHERE name = ? AND training_since = ?"


def _taken(name: str) -> Conflict:
    return Conflict(f"a recognizer named '{name}' already exists")


class Recognizers(Tables):
    """The recognizers table."""

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
                f" ON CONFLICT (name) DO NOTHING RETURNING {COLUMNS}",
                (name, grid_size, dumps(network), now()),
            ).fetchall()
            if not rows:  # created meanwhile by a rename
                raise _taken(name)
            return recognizer_of(rows[0])

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
            rows = tx.execute(RECOGNIZER + " ORDER BY name").fetchall()
        return [recognizer_of(row) for row in rows]

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
                " fingerprint, training_since, training_ending) SELECT ?, grid_size, network,"
                " created_at, revision, fingerprint, training_since, training_ending"
                " FROM recognizers WHERE name = ? ON CONFLICT (name) DO NOTHING",
                (new, name),
            ).rowcount
            if added != 1:
                raise _taken(new)
            tx.execute("UPDATE samples SET recognizer = ? WHERE recognizer = ?", (new, name))
            for table in ("models", "model_documents", "deleted_samples"):
                sql = f"UPDATE {table} SET recognizer = ? WHERE recognizer = ?"
                tx.execute(sql, (new, name))
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

    def mark_training(
        self, name: str, since: str | None, ending: dict[str, Any] | None = None
    ) -> None:
        """Note that a training of `name` started at `since` (None: it ended; `ending`: how,
        kept until the next training starts when a shutdown ended it)."""
        with self._write() as tx:
            tx.execute(
                "UPDATE recognizers SET training_since = ?, training_ending = ? WHERE name = ?",
                (since, None if ending is None else dumps(ending), name),
            )

    def training_endings(self) -> list[tuple[str, dict[str, Any]]]:
        """(name, ending) of the recognizers whose last training a shutdown ended, by name."""
        with self._read() as tx:
            rows = tx.execute(
                "SELECT name, training_ending FROM recognizers"
                " WHERE training_ending IS NOT NULL ORDER BY name"
            ).fetchall()
        return [(name, json.loads(ending)) for name, ending in rows]

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
