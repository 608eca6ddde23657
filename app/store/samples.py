"""Samples: add (one, or an import all or nothing), list, relabel, delete and restore; labels
as a whole.

Writers lock the recognizer's row first (the revision bump), so on PostgreSQL they take turns
per recognizer, and the limit is counted and enforced in the transaction that writes. Each
writer keeps the recognizer's fingerprint (app.store.fingerprints) in the same transaction.
A deleted sample waits in deleted_samples, the last KEEP_DELETED of each recognizer, to be
restored under its own id.
"""

import json
from collections.abc import Callable, Sequence
from typing import Any

from app.clock import now
from app.store.base import Tx
from app.store.fingerprints import fingerprint, sample_hash
from app.store.records import LimitReached, NotFound, Sample, dumps
from app.store.tables import Tables

_INSERT_SAMPLE = (
    "INSERT INTO samples (recognizer, label, strokes, grid, created_at) VALUES (?,?,?,?,?)"
)
KEEP_DELETED = 100  # deleted samples of a recognizer that can still be restored


class Samples(Tables):
    """The samples table."""

    @staticmethod
    def _bump(tx: Tx, name: str) -> None:
        """A new revision, and the recognizer's row locked until the transaction ends."""
        sql = "UPDATE recognizers SET revision = revision + 1 WHERE name = ?"
        if tx.execute(sql, (name,)).rowcount == 0:
            raise NotFound(f"no recognizer named '{name}'")

    @staticmethod
    def _rehash(tx: Tx, name: str, change: int) -> None:
        """XOR `change` into the fingerprint (after _bump): (a | b) - (a & b) is a XOR b, in
        both dialects (SQLite has no XOR operator)."""
        sql = "UPDATE recognizers SET fingerprint = (fingerprint | ?) - (fingerprint & ?)"
        tx.execute(sql + " WHERE name = ?", (change, change, name))

    @staticmethod
    def _refingerprint(tx: Tx, name: str) -> None:
        """The fingerprint again from every sample: for the writes of many (after _bump)."""
        rows = tx.execute("SELECT id, label FROM samples WHERE recognizer = ?", (name,))
        found = fingerprint((int(i), label) for i, label in rows.fetchall())
        tx.execute("UPDATE recognizers SET fingerprint = ? WHERE name = ?", (found, name))

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
            self._rehash(tx, name, sample_hash(sample_id, label))
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
            self._refingerprint(tx, name)
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
        """Delete one sample; it can be restored (restore_sample) while it is one of the
        recognizer's last KEEP_DELETED deleted samples."""
        with self._write() as tx:
            self._bump(tx, name)
            label = self._label_of(tx, name, sample_id)
            tx.execute(
                "INSERT INTO deleted_samples (id, recognizer, label, strokes, grid, created_at,"
                " deleted_at) SELECT id, recognizer, label, strokes, grid, created_at, ?"
                " FROM samples WHERE id = ?",
                (now(), sample_id),
            )
            tx.execute("DELETE FROM samples WHERE id = ?", (sample_id,))
            self._rehash(tx, name, sample_hash(sample_id, label))
            tx.execute(
                "DELETE FROM deleted_samples WHERE recognizer = ? AND id NOT IN (SELECT id FROM"
                " deleted_samples WHERE recognizer = ? ORDER BY deleted_at DESC, id DESC"
                " LIMIT ?)",
                (name, name, KEEP_DELETED),
            )

    def restore_sample(
        self,
        name: str,
        sample_id: int,
        regrid: Callable[[Any, int, dict[str, Any]], list[float]],
    ) -> Sample:
        """Put a deleted sample back under its own id, so it takes its old place and the
        fingerprint is what it was; its grid is drawn again with `regrid(strokes, grid_size,
        network)` (the settings may have changed meanwhile). A sample that is there already
        is answered as it is; NotFound when it is neither there nor restorable, LimitReached
        when the recognizer is full."""
        with self._write() as tx:
            self._bump(tx, name)
            row = tx.execute(
                "SELECT label, strokes, created_at FROM deleted_samples"
                " WHERE id = ? AND recognizer = ?",
                (sample_id, name),
            ).fetchone()
            if row is None:
                self._label_of(tx, name, sample_id)  # restored already, or NotFound
            else:
                label, strokes, created_at = row
                self._make_room(tx, name, 1)
                recognizer = self._recognizer(tx, name)
                grid = regrid(json.loads(strokes), recognizer.grid_size, recognizer.network)
                tx.execute(
                    "INSERT INTO samples (id, recognizer, label, strokes, grid, created_at)"
                    " VALUES (?,?,?,?,?,?)",
                    (sample_id, name, label, strokes, dumps(grid), created_at),
                )
                tx.execute("DELETE FROM deleted_samples WHERE id = ?", (sample_id,))
                self._rehash(tx, name, sample_hash(sample_id, label))
        return self.get_sample(name, sample_id)

    def relabel_sample(self, name: str, sample_id: int, label: str) -> Sample:
        """Move one sample to another label (a mislabelled drawing is the common case)."""
        with self._write() as tx:
            self._bump(tx, name)
            old = self._label_of(tx, name, sample_id)
            tx.execute("UPDATE samples SET label = ? WHERE id = ?", (label, sample_id))
            self._rehash(tx, name, sample_hash(sample_id, old) ^ sample_hash(sample_id, label))
        return self.get_sample(name, sample_id)

    @staticmethod
    def _label_of(tx: Tx, name: str, sample_id: int) -> str:
        """The sample's label (NotFound unless it is one of the recognizer's)."""
        sql = "SELECT label FROM samples WHERE id = ? AND recognizer = ?"
        row = tx.execute(sql, (sample_id, name)).fetchone()
        if row is None:
            raise NotFound(f"no sample {sample_id} in recognizer '{name}'")
        return str(row[0])

    def rename_label(self, name: str, label: str, new: str) -> int:
        """Every sample of `label` becomes `new` (merging into `new` if it exists); the count."""
        with self._write() as tx:
            self._bump(tx, name)
            sql = "UPDATE samples SET label = ? WHERE recognizer = ? AND label = ?"
            moved = tx.execute(sql, (new, name, label)).rowcount
            if moved == 0:
                raise NotFound(f"no label '{label}' in recognizer '{name}'")
            self._refingerprint(tx, name)
        return moved

    def delete_label(self, name: str, label: str) -> int:
        """Delete every sample of `label`; the count."""
        with self._write() as tx:
            self._bump(tx, name)
            sql = "DELETE FROM samples WHERE recognizer = ? AND label = ?"
            deleted = tx.execute(sql, (name, label)).rowcount
            if deleted == 0:
                raise NotFound(f"no label '{label}' in recognizer '{name}'")
            self._refingerprint(tx, name)
        return deleted

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
