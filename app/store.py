"""Recognizers, samples and models in SQLite (WAL): the only module that speaks SQL."""

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

SCHEMA_VERSION = 3


class StoreError(Exception):
    """The database can't be opened, read or migrated; the message says where and what to do."""


class NotFound(StoreError):
    """An unknown recognizer or sample."""


class Conflict(StoreError):
    """A recognizer name that is already taken."""


@dataclass(frozen=True)
class Recognizer:
    name: str
    grid_size: int
    network: dict[str, Any]
    created_at: str
    revision: int  # increases on every sample add/delete/import: a model of an older one is stale


@dataclass(frozen=True)
class Sample:
    id: int
    recognizer: str
    label: str
    grid: list[float]
    created_at: str
    strokes: list[list[list[float]]] | None  # only when asked for


@dataclass(frozen=True)
class Model:
    recognizer: str
    document: dict[str, Any]  # the full hwr-model/1 document
    labels: list[str]
    iterations: int
    mse: float | None
    trained_at: str
    revision: int  # the recognizer revision of the samples it was trained on


def _migrate_to_1(conn: sqlite3.Connection) -> None:
    # Plain CREATE TABLE (no IF NOT EXISTS): a foreign database with these names fails loudly.
    conn.execute(
        "CREATE TABLE recognizers (name TEXT PRIMARY KEY, grid_size INTEGER NOT NULL,"
        " network TEXT NOT NULL, created_at TEXT NOT NULL, revision INTEGER NOT NULL DEFAULT 0)"
    )
    conn.execute(
        "CREATE TABLE samples (id INTEGER PRIMARY KEY AUTOINCREMENT,"
        " recognizer TEXT NOT NULL REFERENCES recognizers(name) ON DELETE CASCADE,"
        " label TEXT NOT NULL, strokes TEXT NOT NULL, grid TEXT NOT NULL,"
        " created_at TEXT NOT NULL)"
    )
    conn.execute("CREATE INDEX samples_by_recognizer ON samples (recognizer, id)")
    conn.execute(
        "CREATE TABLE models (recognizer TEXT PRIMARY KEY"
        " REFERENCES recognizers(name) ON DELETE CASCADE, document TEXT NOT NULL,"
        " labels TEXT NOT NULL, iterations INTEGER NOT NULL, mse REAL,"
        " trained_at TEXT NOT NULL, revision INTEGER NOT NULL)"
    )


def _migrate_to_2(conn: sqlite3.Connection) -> None:
    # Grids became anti-aliased by default: recognizers made before keep their binary grids,
    # said explicitly so that their settings and stored grids agree.
    conn.execute(
        "UPDATE recognizers SET network = json_set(network, '$.antialias', json('false'))"
        " WHERE json_extract(network, '$.antialias') IS NULL"
    )


def _migrate_to_3(conn: sqlite3.Connection) -> None:
    # When a training started and has not ended: after a crash it reads "interrupted".
    conn.execute("ALTER TABLE recognizers ADD COLUMN training_since TEXT")


# MIGRATIONS[v] takes a database from schema v to v + 1; add the next step at the end.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    _migrate_to_1,
    _migrate_to_2,
    _migrate_to_3,
]
assert len(MIGRATIONS) == SCHEMA_VERSION


_RECOGNIZER = "SELECT name, grid_size, network, created_at, revision FROM recognizers"
_INSERT_SAMPLE = (
    "INSERT INTO samples (recognizer, label, strokes, grid, created_at) VALUES (?,?,?,?,?)"
)


def _recognizer_of(row: tuple[Any, ...]) -> Recognizer:
    return Recognizer(row[0], row[1], json.loads(row[2]), row[3], row[4])


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _dumps(value: Any) -> str:
    """Strict JSON (NaN and infinities raise ValueError), Unicode kept as is."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


class Store:
    """Thread-safe access to one database file.

    One connection shared by all threads, guarded by a lock, and every public method is one
    short transaction. SQLite allows a single writer at a time anyway, so a connection per
    thread would only add SQLITE_BUSY retries and connections to close from threads we do not
    own; the methods hold the lock for milliseconds (training reads its data once per job).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: no implicit transactions; each method says BEGIN itself.
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(self._cannot_open(exc)) from exc
        self._conn = conn
        try:
            mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if mode != "wal":
                raise StoreError(f"{path}: cannot switch the database to WAL (got {mode!r})")
            conn.execute("PRAGMA synchronous=FULL")  # a COMMIT is on disk before it returns
            conn.execute("PRAGMA foreign_keys=ON")
            self._migrate()
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

    def _migrate(self) -> None:
        with self._transaction() as conn:  # IMMEDIATE: two processes can't migrate at once
            version: int = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"the database {self.path} has schema version {version}, newer than this hwr"
                    f" understands ({SCHEMA_VERSION}): upgrade hwr, or point HWR_DATA_DIR at"
                    " another folder."
                )
            try:
                for step in range(version, SCHEMA_VERSION):
                    MIGRATIONS[step](conn)
            except sqlite3.Error as exc:
                raise StoreError(
                    f"cannot migrate the database {self.path} from schema version {version} to"
                    f" {SCHEMA_VERSION}: {exc}. Is it an hwr database? Nothing was changed."
                ) from exc
            if version != SCHEMA_VERSION:
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @contextmanager
    def _transaction(self, mode: str = "IMMEDIATE") -> Iterator[sqlite3.Connection]:
        """Hold the lock for one transaction: COMMIT on success, ROLLBACK on any exception.

        Writers use IMMEDIATE so the write lock is taken at BEGIN (no upgrade deadlock with
        another process); readers use DEFERRED, which still gives one consistent snapshot.
        """
        with self._lock:
            conn = self._conn
            try:
                conn.execute(f"BEGIN {mode}")
                yield conn
                conn.execute("COMMIT")
            except BaseException as exc:
                with suppress(sqlite3.Error):  # also when the connection is closed
                    if conn.in_transaction:
                        conn.rollback()
                if isinstance(exc, sqlite3.Error):
                    raise StoreError(f"database {self.path}: {exc}") from exc
                raise

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def check_integrity(self) -> list[str]:
        """PRAGMA integrity_check rows: ["ok"] when the file is intact."""
        try:
            with self._transaction("DEFERRED") as conn:
                return [row[0] for row in conn.execute("PRAGMA integrity_check")]
        except StoreError as exc:  # a damaged file may not even be readable
            return [str(exc)]

    # --- recognizers ---------------------------------------------------------------------

    @staticmethod
    def _recognizer(conn: sqlite3.Connection, name: str) -> Recognizer:
        row = conn.execute(_RECOGNIZER + " WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise NotFound(f"no recognizer named '{name}'")
        return _recognizer_of(row)

    def create_recognizer(self, name: str, grid_size: int, network: dict[str, Any]) -> Recognizer:
        with self._transaction() as conn:
            if conn.execute("SELECT 1 FROM recognizers WHERE name = ?", (name,)).fetchone():
                raise Conflict(f"a recognizer named '{name}' already exists")
            conn.execute(
                "INSERT INTO recognizers (name, grid_size, network, created_at) VALUES (?,?,?,?)",
                (name, grid_size, _dumps(network), _now()),
            )
            return self._recognizer(conn, name)

    def ensure_recognizer(self, name: str, grid_size: int, network: dict[str, Any]) -> Recognizer:
        """The recognizer `name`, created with these settings if it does not exist."""
        with self._transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO recognizers (name, grid_size, network, created_at)"
                " VALUES (?,?,?,?)",
                (name, grid_size, _dumps(network), _now()),
            )
            return self._recognizer(conn, name)

    def get_recognizer(self, name: str) -> Recognizer:
        with self._transaction("DEFERRED") as conn:
            return self._recognizer(conn, name)

    def list_recognizers(self) -> list[Recognizer]:
        with self._transaction("DEFERRED") as conn:
            rows = conn.execute(_RECOGNIZER + " ORDER BY name").fetchall()
        return [_recognizer_of(row) for row in rows]

    def delete_recognizer(self, name: str) -> None:
        """Delete it with its samples and model (ON DELETE CASCADE)."""
        with self._transaction() as conn:
            if conn.execute("DELETE FROM recognizers WHERE name = ?", (name,)).rowcount == 0:
                raise NotFound(f"no recognizer named '{name}'")

    def set_network(
        self,
        name: str,
        network: dict[str, Any],
        regrid: Callable[[Any, int, dict[str, Any]], list[float]] | None = None,
    ) -> Recognizer:
        """New settings; with `regrid(strokes, grid_size, network)`, every sample's grid is
        recomputed from its strokes in the same transaction (grids follow the settings)."""
        with self._transaction() as conn:
            conn.execute(
                "UPDATE recognizers SET network = ? WHERE name = ?", (_dumps(network), name)
            )
            recognizer = self._recognizer(conn, name)
            if regrid is not None:
                rows = conn.execute(
                    "SELECT id, strokes FROM samples WHERE recognizer = ?", (name,)
                ).fetchall()
                conn.executemany(
                    "UPDATE samples SET grid = ? WHERE id = ?",
                    [
                        (_dumps(regrid(json.loads(s), recognizer.grid_size, network)), i)
                        for i, s in rows
                    ],
                )
            return recognizer

    def label_counts(self, name: str) -> list[tuple[str, int]]:
        """Labels in the order of their first sample, with their sample counts."""
        with self._transaction("DEFERRED") as conn:
            self._recognizer(conn, name)
            rows = conn.execute(
                "SELECT label, COUNT(*) FROM samples WHERE recognizer = ?"
                " GROUP BY label ORDER BY MIN(id)",
                (name,),
            ).fetchall()
        return [(label, count) for label, count in rows]

    def mark_training(self, name: str, since: str | None) -> None:
        """Note that a training of `name` started at `since` (None: it ended)."""
        with self._transaction() as conn:
            conn.execute("UPDATE recognizers SET training_since = ? WHERE name = ?", (since, name))

    def take_interrupted(self) -> list[tuple[str, str]]:
        """(name, started at) of trainings that never ended (the server died), cleared."""
        with self._transaction() as conn:
            rows = conn.execute(
                "SELECT name, training_since FROM recognizers WHERE training_since IS NOT NULL"
            ).fetchall()
            conn.execute("UPDATE recognizers SET training_since = NULL")
        return [(name, since) for name, since in rows]

    # --- samples -------------------------------------------------------------------------

    @staticmethod
    def _bump(conn: sqlite3.Connection, name: str) -> None:
        sql = "UPDATE recognizers SET revision = revision + 1 WHERE name = ?"
        if conn.execute(sql, (name,)).rowcount == 0:
            raise NotFound(f"no recognizer named '{name}'")

    def add_sample(self, name: str, label: str, strokes: list[Any], grid: list[float]) -> Sample:
        """Store one sample; it is committed (on disk) when this returns."""
        created_at, strokes_json, grid_json = _now(), _dumps(strokes), _dumps(grid)
        with self._transaction() as conn:
            self._bump(conn, name)
            row = (name, label, strokes_json, grid_json, created_at)
            sample_id = conn.execute(_INSERT_SAMPLE, row).lastrowid
        assert sample_id is not None
        return Sample(sample_id, name, label, list(grid), created_at, None)

    def add_samples(
        self, name: str, items: Sequence[tuple[str, list[Any], list[float]]]
    ) -> tuple[list[int], int]:
        """Store (label, strokes, grid) items in one transaction, all or nothing, skipping
        exact duplicates (same label and strokes) of stored samples and of each other:
        importing a dataset twice adds nothing. (indices of the items added, skipped count)."""
        created_at = _now()
        with self._transaction() as conn:
            self._bump(conn, name)
            seen = set(
                conn.execute(
                    "SELECT label, strokes FROM samples WHERE recognizer = ?", (name,)
                ).fetchall()
            )
            rows, added = [], []
            for i, (label, strokes, grid) in enumerate(items):
                key = (label, _dumps(strokes))
                if key not in seen:
                    seen.add(key)
                    added.append(i)
                    rows.append((name, label, key[1], _dumps(grid), created_at))
            conn.executemany(_INSERT_SAMPLE, rows)
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
        with self._transaction("DEFERRED") as conn:
            self._recognizer(conn, name)
            rows = conn.execute(sql + " ORDER BY id", args).fetchall()
        loads = json.loads
        return [Sample(r[0], name, r[1], loads(r[2]), r[3], r[4] and loads(r[4])) for r in rows]

    def get_sample(self, name: str, sample_id: int) -> Sample:
        with self._transaction("DEFERRED") as conn:
            row = conn.execute(
                "SELECT label, grid, created_at, strokes FROM samples"
                " WHERE id = ? AND recognizer = ?",
                (sample_id, name),
            ).fetchone()
        if row is None:
            raise NotFound(f"no sample {sample_id} in recognizer '{name}'")
        return Sample(sample_id, name, row[0], json.loads(row[1]), row[2], json.loads(row[3]))

    def delete_sample(self, name: str, sample_id: int) -> None:
        with self._transaction() as conn:
            sql = "DELETE FROM samples WHERE id = ? AND recognizer = ?"
            if conn.execute(sql, (sample_id, name)).rowcount == 0:
                raise NotFound(f"no sample {sample_id} in recognizer '{name}'")
            self._bump(conn, name)

    def relabel_sample(self, name: str, sample_id: int, label: str) -> Sample:
        """Move one sample to another label (a mislabelled drawing is the common case)."""
        with self._transaction() as conn:
            sql = "UPDATE samples SET label = ? WHERE id = ? AND recognizer = ?"
            if conn.execute(sql, (label, sample_id, name)).rowcount == 0:
                raise NotFound(f"no sample {sample_id} in recognizer '{name}'")
            self._bump(conn, name)
        return self.get_sample(name, sample_id)

    def rename_label(self, name: str, label: str, new: str) -> int:
        """Every sample of `label` becomes `new` (merging into `new` if it exists); the count."""
        with self._transaction() as conn:
            sql = "UPDATE samples SET label = ? WHERE recognizer = ? AND label = ?"
            moved = conn.execute(sql, (new, name, label)).rowcount
            if moved == 0:
                self._recognizer(conn, name)
                raise NotFound(f"no label '{label}' in recognizer '{name}'")
            self._bump(conn, name)
        return moved

    def delete_label(self, name: str, label: str) -> int:
        """Delete every sample of `label`; the count."""
        with self._transaction() as conn:
            sql = "DELETE FROM samples WHERE recognizer = ? AND label = ?"
            deleted = conn.execute(sql, (name, label)).rowcount
            if deleted == 0:
                self._recognizer(conn, name)
                raise NotFound(f"no label '{label}' in recognizer '{name}'")
            self._bump(conn, name)
        return deleted

    def rename_recognizer(self, name: str, new: str) -> Recognizer:
        """The recognizer, its samples and its model under a new name (Conflict if taken)."""
        with self._transaction() as conn:
            self._recognizer(conn, name)
            if conn.execute("SELECT 1 FROM recognizers WHERE name = ?", (new,)).fetchone():
                raise Conflict(f"a recognizer named '{new}' already exists")
            # Foreign keys point at the name: add the new row, move the children, drop the old.
            conn.execute(
                "INSERT INTO recognizers (name, grid_size, network, created_at, revision,"
                " training_since) SELECT ?, grid_size, network, created_at, revision,"
                " training_since FROM recognizers WHERE name = ?",
                (new, name),
            )
            conn.execute("UPDATE samples SET recognizer = ? WHERE recognizer = ?", (new, name))
            conn.execute("UPDATE models SET recognizer = ? WHERE recognizer = ?", (new, name))
            conn.execute("DELETE FROM recognizers WHERE name = ?", (name,))
            return self._recognizer(conn, new)

    def training_data(
        self, name: str
    ) -> tuple[list[str], NDArray[np.float32], NDArray[np.int64], int]:
        """(labels in first-sample order, X (n, cells), y (n,) label indices, revision).

        Read in one transaction, so the arrays and the revision describe the same samples.
        """
        with self._transaction("DEFERRED") as conn:
            recognizer = self._recognizer(conn, name)
            rows = conn.execute(
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
        with self._transaction("DEFERRED") as conn:
            recognizer = self._recognizer(conn, name)
            rows = conn.execute(
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
    ) -> Model:
        """Replace the recognizer's model in one transaction (NotFound if it was deleted)."""
        trained_at, document_json, labels_json = _now(), _dumps(document), _dumps(labels)
        with self._transaction() as conn:
            self._recognizer(conn, name)
            conn.execute(
                "INSERT OR REPLACE INTO models (recognizer, document, labels, iterations, mse,"
                " trained_at, revision) VALUES (?,?,?,?,?,?,?)",
                (name, document_json, labels_json, iterations, mse, trained_at, revision),
            )
        return Model(name, document, list(labels), iterations, mse, trained_at, revision)

    def get_model(self, name: str) -> Model | None:
        """The recognizer's model, or None when it has none (or does not exist)."""
        with self._transaction("DEFERRED") as conn:
            row = conn.execute(
                "SELECT document, labels, iterations, mse, trained_at, revision FROM models"
                " WHERE recognizer = ?",
                (name,),
            ).fetchone()
        if row is None:
            return None
        return Model(name, json.loads(row[0]), json.loads(row[1]), row[2], row[3], row[4], row[5])
