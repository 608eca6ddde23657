"""app/store: recognizers, samples and models, across threads and processes, on SQLite and on
a real PostgreSQL (the `store` fixture runs every test on both; file-level tests are SQLite's)."""

import dataclasses
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path
from unittest.mock import patch

import numpy as np
import psycopg
import pytest

from app.clock import now
from app.store import (
    MIGRATIONS,
    SCHEMA_VERSION,
    Conflict,
    LimitReached,
    ModelFacts,
    NotFound,
    Store,
    StoreError,
    connect,
)
from app.store.dialects import dialect_for
from app.store.fingerprints import fingerprint, sample_hash
from app.store.records import facts_of
from tests.helpers import wait_for

ROOT = Path(__file__).resolve().parents[1]
NET = {"hidden_layers": [144], "activation": "sigmoid", "learning_rate": 0.3}
STROKES = [[[0.0, 0.0], [10.0, 5.5, 17.0]], [[3.0, 4.0]]]
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|\+00:00)$")


def grid(value: float, cells: int = 4) -> list[float]:
    return [value] * cells


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "hwr.db"


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request: pytest.FixtureRequest, path: Path) -> Path | str:
    """Where the store lives: a SQLite file, or a fresh PostgreSQL database's URL."""
    if request.param == "postgresql":
        url: str = request.getfixturevalue("postgres_database")
        return url
    return path


@pytest.fixture
def store(target: Path | str) -> Iterator[Store]:
    s = Store(target)
    yield s
    s.close()


@pytest.fixture
def sqlite_store(path: Path) -> Iterator[Store]:
    s = Store(path)
    yield s
    s.close()


def raw(target: Path | str, sql: str) -> list[tuple[object, ...]]:
    """Rows of one statement run straight on the database, committed."""
    if isinstance(target, Path):
        target.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(target)) as conn:
            rows = conn.execute(sql).fetchall()
            conn.commit()
            return rows
    with psycopg.connect(target) as pg:
        cursor = pg.execute(sql)
        return [tuple(row) for row in cursor.fetchall()] if cursor.description else []


@pytest.fixture
def rec(store: Store) -> str:
    store.create_recognizer("r", 2, NET)
    return "r"


# --- opening ---------------------------------------------------------------------------------


def test_creates_parent_folder_wal_schema_version_and_intact(
    sqlite_store: Store, path: Path
) -> None:
    store = sqlite_store
    assert path.is_file()
    assert store.check_integrity() == ["ok"]
    with sqlite3.connect(path) as other:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert other.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 6
    conn = store._db._conn  # type: ignore[attr-defined]
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_postgres_keeps_its_schema_version_in_a_table(postgres_database: str) -> None:
    store = Store(postgres_database)
    try:
        assert store.backend == "postgresql"
        assert store.check_integrity() == ["ok"]
        assert raw(postgres_database, "SELECT version FROM hwr_schema") == [(SCHEMA_VERSION,)]
    finally:
        store.close()
    again = Store(postgres_database)  # migrated already: opens as is
    again.close()
    assert raw(postgres_database, "SELECT version FROM hwr_schema") == [(SCHEMA_VERSION,)]


def test_opening_a_directory_raises_store_error_naming_it(tmp_path: Path) -> None:
    folder = tmp_path / "a folder"
    folder.mkdir()
    with pytest.raises(StoreError, match=re.escape(str(folder))):
        Store(folder)


def test_opening_garbage_raises_store_error_naming_it(tmp_path: Path) -> None:
    garbage = tmp_path / "hwr.db"
    garbage.write_bytes(np.random.default_rng(0).bytes(8192))
    with pytest.raises(StoreError, match=re.escape(str(garbage))) as info:
        Store(garbage)
    assert "not a database" in str(info.value)
    assert not isinstance(info.value, NotFound | Conflict)


def test_opening_a_newer_schema_raises_store_error(store: Store, target: Path | str) -> None:
    store.close()
    if isinstance(target, Path):
        raw(target, f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    else:
        raw(target, f"UPDATE hwr_schema SET version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError, match=re.escape(str(target))) as info:
        Store(target)
    assert f"schema version {SCHEMA_VERSION + 1}" in str(info.value)
    assert "upgrade hwr" in str(info.value)


def test_opening_a_foreign_database_fails_without_changing_it(target: Path | str) -> None:
    raw(target, "CREATE TABLE samples (x INTEGER)")
    with pytest.raises(StoreError, match="cannot migrate") as info:
        Store(target)
    assert "Is it an hwr database? Nothing was changed." in str(info.value)
    if isinstance(target, Path):
        assert raw(target, "PRAGMA user_version") == [(0,)]
        tables = raw(target, "SELECT name FROM sqlite_master WHERE type = 'table'")
    else:
        tables = raw(target, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    assert tables == [("samples",)]


def test_database_urls_choose_the_backend(tmp_path: Path) -> None:
    store = connect(f"sqlite:///{tmp_path}/by-url.db")
    assert (store.backend, store.where) == ("sqlite", f"{tmp_path}/by-url.db")
    store.close()
    with pytest.raises(StoreError, match="unsupported database URL scheme mysql://"):
        connect("mysql://root@localhost/hwr")


def test_an_unreachable_postgres_fails_clearly_without_the_password() -> None:
    with pytest.raises(StoreError, match="cannot connect to the database") as info:
        Store("postgresql://hwr:s3cret@127.0.0.1:1/hwr")
    assert "s3cret" not in str(info.value)
    assert "HWR_DATABASE_URL" in str(info.value)


def test_processes_opening_one_new_database_at_once_migrate_it_once(
    target: Path | str,
) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        stores = list(pool.map(lambda _: Store(target), range(4)))
    for s in stores:
        s.close()
    with closing(Store(target)) as store:
        assert store.ensure_recognizer("r", 2, NET).revision == 0


# --- recognizers -----------------------------------------------------------------------------


def test_create_get_list_delete_recognizers(store: Store) -> None:
    created = store.create_recognizer("zeta", 12, NET)
    assert (created.name, created.grid_size, created.network, created.revision) == (
        "zeta",
        12,
        NET,
        0,
    )
    assert ISO_MS.match(created.created_at)
    store.create_recognizer("alpha", 8, {"activation": "tanh"})
    assert store.get_recognizer("zeta") == created
    assert [r.name for r in store.list_recognizers()] == ["alpha", "zeta"]
    assert store.get_recognizer("alpha").network == {"activation": "tanh"}
    store.delete_recognizer("zeta")
    assert [r.name for r in store.list_recognizers()] == ["alpha"]
    with pytest.raises(NotFound, match="zeta"):
        store.get_recognizer("zeta")


def test_create_taken_name_is_conflict_and_keeps_the_first(store: Store) -> None:
    store.create_recognizer("r", 12, NET)
    with pytest.raises(Conflict, match="'r'"):
        store.create_recognizer("r", 8, {})
    assert store.get_recognizer("r").grid_size == 12


def test_ensure_recognizer_creates_once(store: Store) -> None:
    first = store.ensure_recognizer("default", 12, NET)
    again = store.ensure_recognizer("default", 8, {"other": True})
    assert again == first
    assert (again.grid_size, again.network) == (12, NET)
    assert len(store.list_recognizers()) == 1


def test_set_network(store: Store, rec: str) -> None:
    updated = store.set_network(rec, {"activation": "relu", "seed": 3})
    assert updated.network == {"activation": "relu", "seed": 3}
    assert store.get_recognizer(rec).network == {"activation": "relu", "seed": 3}
    assert updated.revision == 0


def test_unknown_recognizer_is_not_found_everywhere(store: Store) -> None:
    calls = [
        lambda: store.get_recognizer("nope"),
        lambda: store.delete_recognizer("nope"),
        lambda: store.set_network("nope", {}),
        lambda: store.label_counts("nope"),
        lambda: store.add_sample("nope", "A", STROKES, grid(0.5)),
        lambda: store.add_samples("nope", [("A", STROKES, grid(0.5))]),
        lambda: store.list_samples("nope"),
        lambda: store.get_sample("nope", 1),
        lambda: store.delete_sample("nope", 1),
        lambda: store.training_samples("nope"),
        lambda: store.save_model("nope", {}, ["A"], 1, 0.1, 0),
    ]
    for call in calls:
        with pytest.raises(NotFound, match="nope"):
            call()
    assert store.get_model("nope") is None


# --- samples ---------------------------------------------------------------------------------


def test_add_list_filter_get_delete_samples(store: Store, rec: str) -> None:
    a = store.add_sample(rec, "A", STROKES, grid(0.25))
    b = store.add_sample(rec, "B", [[[1.0, 2.0]]], grid(1.0))
    c = store.add_sample(rec, "A", STROKES, grid(0.0))
    assert a.id < b.id < c.id
    assert (a.recognizer, a.label, a.grid, a.strokes) == ("r", "A", grid(0.25), None)
    assert ISO_MS.match(a.created_at)

    listed = store.list_samples(rec)
    assert [(s.id, s.label, s.grid) for s in listed] == [
        (a.id, "A", grid(0.25)),
        (b.id, "B", grid(1.0)),
        (c.id, "A", grid(0.0)),
    ]
    assert all(s.strokes is None for s in listed)
    assert [s.id for s in store.list_samples(rec, "A")] == [a.id, c.id]
    assert store.list_samples(rec, "Z") == []
    with_strokes = store.list_samples(rec, "B", with_strokes=True)
    assert [s.strokes for s in with_strokes] == [[[[1.0, 2.0]]]]

    got = store.get_sample(rec, a.id)
    assert (got.id, got.label, got.grid, got.strokes, got.created_at) == (
        a.id,
        "A",
        grid(0.25),
        STROKES,
        a.created_at,
    )
    store.delete_sample(rec, a.id)
    with pytest.raises(NotFound, match=str(a.id)):
        store.get_sample(rec, a.id)
    with pytest.raises(NotFound):
        store.delete_sample(rec, a.id)
    assert [s.id for s in store.list_samples(rec)] == [b.id, c.id]


def test_ids_are_never_reused_after_delete(store: Store, rec: str) -> None:
    first = store.add_sample(rec, "A", STROKES, grid(0.5))
    second = store.add_sample(rec, "A", STROKES, grid(0.5))
    store.delete_sample(rec, second.id)
    third = store.add_sample(rec, "A", STROKES, grid(0.5))
    assert first.id < second.id < third.id


def test_other_recognizers_sample_is_not_found(store: Store, rec: str) -> None:
    store.create_recognizer("other", 2, NET)
    theirs = store.add_sample("other", "X", STROKES, grid(0.5))
    with pytest.raises(NotFound):
        store.get_sample(rec, theirs.id)
    with pytest.raises(NotFound):
        store.delete_sample(rec, theirs.id)
    assert store.get_sample("other", theirs.id).label == "X"
    assert store.list_samples(rec) == []
    assert store.get_recognizer(rec).revision == 0


def test_revision_bumps_on_add_delete_import_not_on_reads(store: Store, rec: str) -> None:
    def revision() -> int:
        return store.get_recognizer(rec).revision

    s = store.add_sample(rec, "A", STROKES, grid(0.5))
    assert revision() == 1
    # ("A", STROKES) is there already: skipped, but the import still changed the samples.
    assert store.add_samples(rec, [("A", STROKES, grid(0.1)), ("B", STROKES, grid(0.2))]) == (
        [1],
        1,
    )
    assert revision() == 2
    store.list_samples(rec, with_strokes=True)
    store.get_sample(rec, s.id)
    store.label_counts(rec)
    store.training_samples(rec)
    store.list_recognizers()
    store.get_model(rec)
    store.set_network(rec, {"seed": 1})
    store.save_model(rec, {"format": "hwr-model/1"}, ["A", "B"], 5, 0.5, 2)
    assert revision() == 2
    store.delete_sample(rec, s.id)
    assert revision() == 3


def test_label_counts_in_first_sample_order(store: Store, rec: str) -> None:
    assert store.label_counts(rec) == []
    for label in ["B", "A", "B", "C", "A", "B"]:
        store.add_sample(rec, label, STROKES, grid(0.5))
    assert store.label_counts(rec) == [("B", 3), ("A", 2), ("C", 1)]
    first_b = store.list_samples(rec, "B")[0]
    store.delete_sample(rec, first_b.id)
    assert store.label_counts(rec) == [("A", 2), ("B", 2), ("C", 1)]


def test_add_samples_is_all_or_nothing(store: Store, rec: str) -> None:
    store.add_sample(rec, "A", STROKES, grid(0.5))
    good = [("A", STROKES, grid(0.1)), ("B", STROKES, grid(0.2))]
    with pytest.raises(TypeError):  # not JSON-serialisable
        store.add_samples(rec, [*good, ("C", [[[object()]]], grid(0.3)), *good])
    with pytest.raises(StoreError, match=r"(?i)not[- ]null"):  # refused by the database mid-insert
        store.add_samples(rec, [*good, (None, STROKES, grid(0.3)), *good])  # type: ignore[list-item]
    with pytest.raises(ValueError):  # NaN is not JSON
        store.add_samples(rec, [*good, ("C", STROKES, [float("nan")] * 4)])
    assert [s.label for s in store.list_samples(rec)] == ["A"]
    assert store.get_recognizer(rec).revision == 1
    assert store.add_samples(rec, good) == ([1], 1)  # ("A", STROKES) was there
    assert [s.label for s in store.list_samples(rec)] == ["A", "B"]


def test_add_samples_skips_exact_duplicates(store: Store, rec: str) -> None:
    other = [[[5.0, 5.0], [9.0, 9.0]]]
    items = [("A", STROKES, grid(0.1)), ("A", other, grid(0.2)), ("A", STROKES, grid(0.1))]
    assert store.add_samples(rec, items) == ([0, 1], 1)
    assert store.add_samples(rec, items) == ([], 3)
    assert store.add_samples(rec, [("B", STROKES, grid(0.1))]) == ([0], 0)  # another label
    assert store.label_counts(rec) == [("A", 2), ("B", 1)]


def test_labels_and_samples_are_renamed_moved_and_deleted(store: Store, rec: str) -> None:
    a = store.add_sample(rec, "A", STROKES, grid(0.1))
    store.add_sample(rec, "A", [[[1.0, 2.0]]], grid(0.1))
    store.add_sample(rec, "B", STROKES, grid(0.1))
    assert store.relabel_sample(rec, a.id, "B").label == "B"
    assert store.label_counts(rec) == [("B", 2), ("A", 1)]
    assert store.rename_label(rec, "A", "B") == 1  # merges into B
    assert store.label_counts(rec) == [("B", 3)]
    assert store.rename_label(rec, "B", "C") == 3
    with pytest.raises(NotFound):
        store.rename_label(rec, "B", "D")
    with pytest.raises(NotFound):
        store.relabel_sample(rec, 10**6, "B")
    assert store.get_recognizer(rec).revision == 6
    assert store.delete_label(rec, "C") == 3
    assert store.label_counts(rec) == []
    with pytest.raises(NotFound):
        store.delete_label(rec, "C")


def test_a_recognizer_is_renamed_with_its_samples_and_model(store: Store, rec: str) -> None:
    store.add_sample(rec, "A", STROKES, grid(0.1))
    store.save_model(rec, {"format": "hwr-model/1"}, ["A"], 5, 0.5, 1)
    store.create_recognizer("taken", 12, {})
    with pytest.raises(Conflict):
        store.rename_recognizer(rec, "taken")
    renamed = store.rename_recognizer(rec, "fresh")
    assert renamed.name == "fresh" and renamed.revision == 1
    assert [s.label for s in store.list_samples("fresh")] == ["A"]
    model = store.get_model("fresh")
    assert model is not None and model.iterations == 5
    with pytest.raises(NotFound):
        store.get_recognizer(rec)
    assert store.check_integrity() == ["ok"]


def test_unicode_labels_and_strokes_round_trip(store: Store, rec: str, target: Path | str) -> None:
    labels = ["ä", "あ", "€", "A"]
    for label in labels:
        store.add_sample(rec, label, STROKES, grid(0.5))
    store.close()
    reopened = Store(target)
    try:
        assert [s.label for s in reopened.list_samples(rec)] == labels
        assert [s.id for s in reopened.list_samples(rec, "あ")] == [2]
        assert [label for label, _ in reopened.label_counts(rec)] == labels
        assert reopened.training_samples(rec)[0] == labels
    finally:
        reopened.close()
    # stored as UTF-8 text, not \\u escapes
    assert raw(target, "SELECT label FROM samples WHERE id = 2") == [("あ",)]


# --- training data and models ----------------------------------------------------------------


def test_training_samples_in_id_order_with_labels_in_first_sample_order(
    store: Store, rec: str
) -> None:
    assert store.training_samples(rec) == ([], [], 0)
    dot = [[[1.0, 2.0]]]
    first = store.add_sample(rec, "B", STROKES, grid(0.1)).id
    second = store.add_sample(rec, "A", dot, grid(0.2)).id
    third = store.add_sample(rec, "B", dot, grid(0.3)).id
    assert store.training_samples(rec) == (
        ["B", "A"],
        [(first, "B", STROKES), (second, "A", dot), (third, "B", dot)],
        3,
    )


def test_training_samples_agree_with_their_revision_under_concurrent_writes(
    store: Store, rec: str
) -> None:
    done = threading.Event()

    def writer() -> None:
        for i in range(150):
            store.add_sample(rec, "AB"[i % 2], STROKES, grid(i / 150))
        done.set()

    thread = threading.Thread(target=writer)
    thread.start()
    seen = set()
    while not done.is_set():
        _, samples, revision = store.training_samples(rec)
        assert len(samples) == revision  # only adds since revision 0
        seen.add(revision)
    thread.join()
    assert store.training_samples(rec)[2] == 150
    assert len(seen) > 1


def test_save_and_get_model_round_trip_and_replace(store: Store, rec: str) -> None:
    assert store.get_model(rec) is None
    doc = {"format": "hwr-model/1", "labels": ["A", "あ"], "layers": [{"weights": [[0.5]]}]}
    saved = store.save_model(rec, doc, ["A", "あ"], 120, 0.0125, 7)
    got = store.get_model(rec)
    assert got == saved
    assert got is not None
    assert (got.recognizer, got.document, got.labels, got.iterations, got.mse, got.revision) == (
        "r",
        doc,
        ["A", "あ"],
        120,
        0.0125,
        7,
    )
    assert ISO_MS.match(got.trained_at)
    doc2 = {"format": "hwr-model/1", "labels": ["X", "Y", "Z"]}
    store.save_model(rec, doc2, ["X", "Y", "Z"], 0, None, 9)
    got = store.get_model(rec)
    assert got is not None
    assert (got.document, got.labels, got.iterations, got.mse, got.revision) == (
        doc2,
        ["X", "Y", "Z"],
        0,
        None,
        9,
    )


def test_save_model_after_delete_is_not_found(store: Store, rec: str) -> None:
    store.delete_recognizer(rec)
    with pytest.raises(NotFound, match="'r'"):
        store.save_model(rec, {"format": "hwr-model/1"}, ["A"], 1, 0.1, 0)
    assert store.get_model(rec) is None


def test_a_model_is_not_saved_to_a_namesake_of_a_deleted_recognizer(store: Store, rec: str) -> None:
    """A training of a recognizer deleted and created again under its name keeps off it."""
    trained = store.get_recognizer(rec).created_at
    store.delete_recognizer(rec)
    wait_for(lambda: now() != trained)  # times are in ms: a new one, not the same ms
    store.create_recognizer(rec, 12, {})
    with pytest.raises(NotFound, match="deleted"):
        store.save_model(rec, {"format": "hwr-model/1"}, ["a", "b"], 1, 0.5, 0, created_at=trained)
    assert store.get_model(rec) is None
    fresh = store.get_recognizer(rec).created_at
    store.save_model(rec, {"format": "hwr-model/1"}, ["a", "b"], 1, 0.5, 0, created_at=fresh)
    assert store.get_model(rec) is not None


def test_delete_recognizer_deletes_its_samples_and_model(
    store: Store, rec: str, target: Path | str
) -> None:
    store.create_recognizer("keep", 2, NET)
    store.add_sample(rec, "A", STROKES, grid(0.5))
    kept = store.add_sample("keep", "K", STROKES, grid(0.5))
    store.save_model(rec, {"format": "hwr-model/1"}, ["A"], 1, 0.1, 1)
    store.save_model("keep", {"format": "hwr-model/1"}, ["K"], 1, 0.1, 1)
    store.delete_recognizer(rec)
    assert raw(target, "SELECT recognizer, id FROM samples") == [("keep", kept.id)]
    assert raw(target, "SELECT recognizer FROM models") == [("keep",)]
    # a new recognizer of the same name starts empty
    store.create_recognizer(rec, 2, NET)
    assert store.list_samples(rec) == []
    assert store.get_model(rec) is None
    assert store.get_recognizer(rec).revision == 0


def test_data_persists_across_close_and_reopen(store: Store, rec: str, target: Path | str) -> None:
    sample = store.add_sample(rec, "A", STROKES, grid(0.75))
    model = store.save_model(rec, {"format": "hwr-model/1", "w": [1.5]}, ["A"], 3, 0.2, 1)
    recognizer = store.get_recognizer(rec)
    store.close()
    reopened = Store(target)
    try:
        assert reopened.get_recognizer(rec) == recognizer
        assert reopened.get_sample(rec, sample.id).strokes == STROKES
        assert reopened.list_samples(rec)[0] == sample
        assert reopened.get_model(rec) == model
        assert reopened.check_integrity() == ["ok"]
    finally:
        reopened.close()


# --- threads and processes -------------------------------------------------------------------


def test_fifty_threads_adding_concurrently(store: Store, rec: str) -> None:
    def add(i: int) -> list[int]:
        return [store.add_sample(rec, f"L{i % 5}", STROKES, grid(i / 50)).id for _ in range(4)]

    with ThreadPoolExecutor(max_workers=50) as pool:
        ids = [i for batch in pool.map(add, range(50)) for i in batch]
    assert len(ids) == len(set(ids)) == 200
    stored = store.list_samples(rec)
    assert sorted(ids) == [s.id for s in stored]
    assert store.get_recognizer(rec).revision == 200
    assert dict(store.label_counts(rec)) == {f"L{k}": 40 for k in range(5)}
    assert store.check_integrity() == ["ok"]


CHILD = """
import sys
from app.store import Store
store = Store(sys.argv[1])
store.ensure_recognizer("r", 2, {})
while True:
    sample = store.add_sample("r", "A", [[[0.0, 0.0]]], [0.5] * 4)
    print(sample.id, flush=True)
"""


def test_acknowledged_samples_survive_sigkill(target: Path | str) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(target)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    acknowledged: list[int] = []
    try:
        while len(acknowledged) < 40:
            line = child.stdout.readline()
            assert line, f"child died: {child.stderr.read() if child.stderr else ''}"
            acknowledged.append(int(line))
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL
    store = Store(target)
    try:
        stored = {s.id for s in store.list_samples("r")}
        assert set(acknowledged) <= stored
        assert store.get_recognizer("r").revision == len(stored)
        assert store.check_integrity() == ["ok"]
    finally:
        store.close()


def test_a_training_that_never_ended_is_taken_once(store: Store, rec: str) -> None:
    store.mark_training(rec, "2026-01-01T00:00:00.000Z")
    store.create_recognizer("other", 12, {})
    assert store.take_interrupted() == [(rec, "2026-01-01T00:00:00.000Z")]
    assert store.take_interrupted() == []
    store.mark_training(rec, "t")
    store.mark_training(rec, None)  # it ended
    assert store.take_interrupted() == []


def test_training_marks_are_listed_and_kept(store: Store, rec: str) -> None:
    assert store.training_marks() == []
    store.create_recognizer("other", 2, NET)
    store.create_recognizer("idle", 2, NET)
    store.mark_training("other", "2026-01-01T00:00:01.000Z")
    store.mark_training(rec, "2026-01-01T00:00:02.000Z")
    expected = [("other", "2026-01-01T00:00:01.000Z"), (rec, "2026-01-01T00:00:02.000Z")]
    assert store.training_marks() == expected
    assert store.training_marks() == expected  # not cleared by reading
    store.rename_recognizer("other", "moved")  # the mark moves with the recognizer
    assert store.training_marks() == [("moved", "2026-01-01T00:00:01.000Z"), expected[1]]


def test_how_a_shutdown_ended_a_training_is_kept_until_the_next_training_or_model(
    store: Store, rec: str
) -> None:
    ending = {"state": "stopped", "job": 3, "outcome": "the server was shut down"}
    store.create_recognizer("other", 2, NET)
    store.mark_training(rec, "t1")
    store.mark_training(rec, None, ending)
    store.mark_training("other", "t2")
    store.mark_training("other", None)  # ended by itself: nothing kept
    assert store.training_endings() == [(rec, ending)]
    assert store.training_endings() == [(rec, ending)]  # not cleared by reading
    assert store.take_interrupted() == []  # it ended: not a crash
    store.rename_recognizer(rec, "moved")  # it moves with the recognizer
    assert store.training_endings() == [("moved", ending)]
    store.mark_training("moved", "t3")  # the next training starts
    assert store.training_endings() == []
    store.mark_training("moved", None, ending)
    store.save_model("moved", {"format": "hwr-model/1"}, ["A"], 1, 0.5, 0)  # a model replaces it
    assert store.training_endings() == []


def test_end_training_clears_only_the_same_mark(store: Store, rec: str) -> None:
    assert store.end_training(rec, "t1") is False  # no mark
    store.mark_training(rec, "t1")
    assert store.end_training(rec, "t0") is False  # another training's mark: kept
    assert store.training_marks() == [(rec, "t1")]
    assert store.end_training(rec, "t1") is True
    assert store.training_marks() == []
    assert store.end_training(rec, "t1") is False
    assert store.end_training("nope", "t1") is False


def test_claim_training_marks_only_an_idle_recognizer(store: Store, rec: str) -> None:
    assert store.claim_training(rec, "t1") is True
    assert store.claim_training(rec, "t2") is False  # one is marked already: kept
    assert store.training_marks() == [(rec, "t1")]
    assert store.end_training(rec, "t1") is True
    assert store.claim_training(rec, "t3") is True
    assert store.training_marks() == [(rec, "t3")]
    with pytest.raises(NotFound, match="nope"):
        store.claim_training("nope", "t1")


def test_processes_racing_to_claim_one_training_have_one_winner(
    store: Store, rec: str, target: Path | str
) -> None:
    others = [Store(target) for _ in range(3)]
    try:
        barrier = threading.Barrier(6)

        def claim(i: int) -> bool:
            barrier.wait()
            return others[i % 3].claim_training(rec, f"t{i}")

        with ThreadPoolExecutor(max_workers=6) as pool:
            results = list(pool.map(claim, range(6)))
        assert results.count(True) == 1, results
        assert store.training_marks() == [(rec, f"t{results.index(True)}")]
    finally:
        for s in others:
            s.close()


def test_processes_racing_to_end_one_training_have_one_winner(
    store: Store, rec: str, target: Path | str
) -> None:
    others = [Store(target) for _ in range(3)]  # other processes: their own connections
    try:
        for round_ in range(5):
            since = f"2026-01-01T00:00:0{round_}.000Z"
            store.mark_training(rec, since)
            barrier = threading.Barrier(len(others) * 2)

            def end(s: Store, since: str = since, barrier: threading.Barrier = barrier) -> bool:
                barrier.wait()
                return s.end_training(rec, since)

            with ThreadPoolExecutor(max_workers=len(others) * 2) as pool:
                results = list(pool.map(end, others * 2))
            assert results.count(True) == 1, results
            assert store.training_marks() == []
    finally:
        for s in others:
            s.close()


# --- limits ----------------------------------------------------------------------------------


@pytest.fixture
def small(target: Path | str) -> Iterator[Store]:
    """A store allowing 3 samples per recognizer and 2 recognizers."""
    s = Store(target, max_samples=3, max_recognizers=2)
    yield s
    s.close()


def test_max_samples_refuses_the_next_sample_and_stores_nothing(small: Store) -> None:
    small.create_recognizer("r", 2, NET)
    for value in (0.1, 0.2, 0.3):
        small.add_sample("r", "A", STROKES, grid(value))
    message = "recognizer 'r' has 3 samples, the most allowed (HWR_MAX_SAMPLES)"
    with pytest.raises(LimitReached, match=re.escape(message)):
        small.add_sample("r", "B", STROKES, grid(0.4))
    assert small.label_counts("r") == [("A", 3)]
    assert small.get_recognizer("r").revision == 3  # the refused add did not count
    small.delete_label("r", "A")
    small.add_sample("r", "B", STROKES, grid(0.4))  # room again


def test_max_samples_refuses_an_import_all_or_nothing(small: Store) -> None:
    small.create_recognizer("r", 2, NET)
    small.add_sample("r", "A", STROKES, grid(0.1))
    items = [("B", [[[float(i), 0.0]]], grid(0.5)) for i in range(3)]
    message = "recognizer 'r' has 1 samples, adding 3 would make 4, more than the 3 allowed"
    with pytest.raises(LimitReached, match=re.escape(message)):
        small.add_samples("r", items)
    assert small.label_counts("r") == [("A", 1)]
    assert small.get_recognizer("r").revision == 1
    # duplicates are not counted: ("A", STROKES) is there already
    assert small.add_samples("r", [("A", STROKES, grid(0.1)), *items[:2]]) == ([1, 2], 1)
    assert small.add_samples("r", [("A", STROKES, grid(0.1))]) == ([], 1)  # full, adds nothing


def test_max_recognizers_counts_creations_not_renames(small: Store) -> None:
    small.create_recognizer("a", 2, NET)
    small.create_recognizer("b", 2, NET)
    message = "there are 2 recognizers, the most allowed (HWR_MAX_RECOGNIZERS)"
    with pytest.raises(LimitReached, match=re.escape(message)):
        small.create_recognizer("c", 2, NET)
    with pytest.raises(Conflict):  # a taken name is a conflict first
        small.create_recognizer("a", 2, NET)
    assert small.rename_recognizer("a", "c").name == "c"
    # the server's startup recognizer is ensured even when the limit is reached
    assert small.ensure_recognizer("default", 12, NET).name == "default"
    assert [r.name for r in small.list_recognizers()] == ["b", "c", "default"]
    small.delete_recognizer("b")
    with pytest.raises(LimitReached, match="there are 2 recognizers"):
        small.create_recognizer("d", 2, NET)
    small.delete_recognizer("default")
    small.create_recognizer("d", 2, NET)


def test_limits_hold_under_concurrent_writers(target: Path | str) -> None:
    stores = [Store(target, max_samples=10, max_recognizers=3) for _ in range(4)]
    try:
        stores[0].create_recognizer("r", 2, NET)

        def add(i: int) -> str:
            try:
                stores[i % 4].add_sample("r", "A", STROKES, grid(i / 40))
            except LimitReached:
                return "full"
            return "added"

        def create(i: int) -> str:
            try:
                stores[i % 4].create_recognizer(f"n{i}", 2, NET)
            except LimitReached:
                return "full"
            return "added"

        with ThreadPoolExecutor(max_workers=8) as pool:
            added = list(pool.map(add, range(40)))
            created = list(pool.map(create, range(12)))
        assert added.count("added") == 10
        assert created.count("added") == 2
        assert len(stores[0].list_samples("r")) == 10
        assert len(stores[0].list_recognizers()) == 3
    finally:
        for s in stores:
            s.close()


# --- fingerprints and restoring deleted samples (schema 5) -----------------------------------


def fingerprint_of_rows(store: Store, name: str) -> int:
    """The fingerprint computed afresh from the samples the store lists."""
    return fingerprint((s.id, s.label) for s in store.list_samples(name))


def test_the_fingerprint_follows_every_change_and_comes_back_with_the_samples(
    store: Store, rec: str
) -> None:
    def now_() -> int:
        found = store.get_recognizer(rec).fingerprint
        assert found == fingerprint_of_rows(store, rec)  # kept incrementally, always right
        return found

    assert now_() == 0
    a = store.add_sample(rec, "A", STROKES, grid(0.1))
    b = store.add_sample(rec, "B", [[[1.0, 2.0]]], grid(0.2))
    two = now_()
    assert two == sample_hash(a.id, "A") ^ sample_hash(b.id, "B")
    store.delete_sample(rec, a.id)
    assert now_() == sample_hash(b.id, "B")
    assert store.restore_sample(rec, a.id, lambda *_: grid(0.3)).grid == grid(0.3)
    assert now_() == two  # the same samples again
    store.relabel_sample(rec, a.id, "B")
    assert now_() != two
    store.relabel_sample(rec, a.id, "A")
    assert now_() == two
    store.rename_label(rec, "B", "C")
    assert now_() != two
    store.rename_label(rec, "C", "B")
    assert now_() == two
    added, _ = store.add_samples(rec, [("D", [[[4.0, 4.0]]], grid(0.4))])
    assert added == [0] and now_() != two
    store.delete_label(rec, "D")
    assert now_() == two
    # It moves with a renamed recognizer; another recognizer's samples are not in it.
    store.create_recognizer("other", 2, NET)
    store.add_sample("other", "A", STROKES, grid(0.1))
    assert store.rename_recognizer(rec, "moved").fingerprint == two


def test_a_model_records_the_fingerprint_it_was_trained_on(store: Store, rec: str) -> None:
    a = store.add_sample(rec, "A", STROKES, grid(0.1))
    model = store.save_model(rec, {"format": "hwr-model/1"}, ["A"], 1, 0.5, 1)  # samples now
    assert model.fingerprint == sample_hash(a.id, "A")
    got = store.get_model(rec)
    assert got is not None and got.fingerprint == model.fingerprint
    assert not got.stale(store.get_recognizer(rec))
    store.delete_sample(rec, a.id)
    assert got.stale(store.get_recognizer(rec))
    store.save_model(rec, {"format": "hwr-model/1"}, ["A"], 1, 0.5, 1, fingerprint=7)
    again = store.get_model(rec)
    assert again is not None and again.fingerprint == 7


def test_a_deleted_sample_is_restored_with_its_id_strokes_and_date(store: Store, rec: str) -> None:
    first = store.add_sample(rec, "A", STROKES, grid(0.1))
    middle = store.add_sample(rec, "A", [[[1.0, 2.0]]], grid(0.1))
    last = store.add_sample(rec, "B", STROKES, grid(0.1))
    before = store.get_sample(rec, middle.id)
    store.delete_sample(rec, middle.id)
    with pytest.raises(NotFound):
        store.get_sample(rec, middle.id)
    back = store.restore_sample(rec, middle.id, lambda *_: grid(0.1))
    assert back == before
    assert [s.id for s in store.list_samples(rec)] == [first.id, middle.id, last.id]
    assert store.restore_sample(rec, middle.id, lambda *_: grid(0.9)) == before  # there already
    newer = store.add_sample(rec, "A", STROKES, grid(0.1))
    assert newer.id > last.id  # an id is never handed out twice, restored or not
    with pytest.raises(NotFound):
        store.restore_sample(rec, 10**6, lambda *_: grid(0.1))
    store.create_recognizer("other", 2, NET)
    with pytest.raises(NotFound):  # not the other recognizer's to restore
        store.restore_sample("other", first.id, lambda *_: grid(0.1))


def test_deleted_samples_are_kept_a_while_and_go_with_their_recognizer(
    store: Store, rec: str, target: Path | str
) -> None:
    ids = [store.add_sample(rec, "A", [[[float(i), 0.0]]], grid(0.1)).id for i in range(5)]
    with patch("app.store.samples.KEEP_DELETED", 3):
        for sample_id in ids:
            store.delete_sample(rec, sample_id)
    assert raw(target, "SELECT id FROM deleted_samples ORDER BY id") == [(i,) for i in ids[2:]]
    with pytest.raises(NotFound):  # past the last KEEP_DELETED
        store.restore_sample(rec, ids[0], lambda *_: grid(0.1))
    store.rename_recognizer(rec, "moved")
    assert store.restore_sample("moved", ids[2], lambda *_: grid(0.1)).id == ids[2]
    store.delete_recognizer("moved")
    assert raw(target, "SELECT id FROM deleted_samples") == []


def test_restoring_into_a_full_recognizer_is_refused(target: Path | str) -> None:
    small = Store(target, max_samples=1)
    try:
        small.create_recognizer("r", 2, NET)
        a = small.add_sample("r", "A", STROKES, grid(0.1))
        small.delete_sample("r", a.id)
        small.add_sample("r", "B", STROKES, grid(0.1))
        with pytest.raises(LimitReached):
            small.restore_sample("r", a.id, lambda *_: grid(0.1))
        assert [s.label for s in small.list_samples("r")] == ["B"]
    finally:
        small.close()


def test_a_schema_4_database_gets_its_fingerprints_and_keeps_stale_models_stale(
    target: Path | str,
) -> None:
    """An existing database (before fingerprints): its samples and models as schema 4 left
    them; opened, every recognizer has its fingerprint, a current model stays current and a
    stale one stays stale."""
    if isinstance(target, Path):
        target.parent.mkdir(parents=True, exist_ok=True)
    old = dialect_for(target)  # migrated to 4 by the steps of then
    with old.migration_transaction() as tx:
        for step in MIGRATIONS[:4]:
            for sql in step.statements(old.name):
                tx.execute(sql)
        old.set_schema_version(tx, 4)
        for name, revision in (("current", 2), ("stale", 3)):
            tx.execute(
                "INSERT INTO recognizers (name, grid_size, network, created_at, revision)"
                " VALUES (?, 2, '{}', 't', ?)",
                (name, revision),
            )
            for label in ("A", "B"):
                tx.execute(
                    "INSERT INTO samples (recognizer, label, strokes, grid, created_at)"
                    " VALUES (?, ?, '[]', '[]', 't')",
                    (name, label),
                )
            tx.execute(
                "INSERT INTO models (recognizer, document, labels, iterations, mse, trained_at,"
                " revision) VALUES (?, '{}', '[\"A\",\"B\"]', 1, 0.5, 't', 2)",
                (name,),
            )
    old.close()

    store = Store(target)
    try:
        for name, was_stale in (("current", False), ("stale", True)):
            recognizer = store.get_recognizer(name)
            assert recognizer.fingerprint == fingerprint_of_rows(store, name) != 0
            model = store.get_model(name)
            assert model is not None and model.stale(recognizer) is was_stale
        # And from here on as in any new database.
        sample = store.list_samples("stale")[0]
        store.delete_sample("stale", sample.id)
        store.restore_sample("stale", sample.id, lambda *_: [])
        assert store.get_recognizer("stale").fingerprint == fingerprint_of_rows(store, "stale")
    finally:
        store.close()


def test_a_models_summary_facts_are_read_without_its_document(
    store: Store, rec: str, target: Path | str
) -> None:
    """get_model_facts: the model's columns and the document's facts (facts_of), the same as
    get_model's; the document and recording live in a table of their own and move with it."""
    validation = {"accuracy": 0.9, "samples": 12}
    doc = {
        "format": "hwr-model/1",
        "validation": validation,
        "validation_note": "held out 12",
        "calibration": {"temperature": 1.75},
        "layers": [{"weights": [[0.5] * 50] * 50}],
    }
    replay = [{"iteration": 1, "w": [0.25]}]
    saved = store.save_model(rec, doc, ["A", "B"], 40, 0.125, 3, replay=replay)
    facts = store.get_model_facts(rec)
    assert facts is not None
    assert (
        facts.shown()
        == facts_of(doc)
        == {
            "validation": validation,
            "validation_note": "held out 12",
            "temperature": 1.75,
        }
    )
    model = store.get_model(rec)
    assert model == saved and model.document == doc
    assert facts == ModelFacts(
        **{f.name: getattr(model, f.name) for f in dataclasses.fields(ModelFacts)}
    )
    assert raw(target, "SELECT recognizer FROM model_documents") == [(rec,)]
    store.rename_recognizer(rec, "moved")
    assert store.get_model("moved") == dataclasses.replace(saved, recognizer="moved")
    assert store.get_replay("moved") == replay
    assert store.get_model_facts(rec) is None
    store.save_model("moved", {"format": "hwr-model/1"}, ["A"], 1, None, 4)  # replaced
    facts = store.get_model_facts("moved")
    assert facts is not None and facts.labels == ["A"] and facts.iterations == 1
    assert facts.shown() == {"validation": None, "validation_note": None, "temperature": None}
    assert store.get_replay("moved") is None
    store.delete_recognizer("moved")
    assert raw(target, "SELECT recognizer FROM model_documents") == []


def test_a_schema_5_database_gets_its_models_facts_and_keeps_documents_and_recordings(
    target: Path | str,
) -> None:
    """An existing database (documents in the models table): opened, each model's summary
    facts come from its document, and its document and recording read back unchanged."""
    if isinstance(target, Path):
        target.parent.mkdir(parents=True, exist_ok=True)
    documents = {
        "full": {
            "format": "hwr-model/1",
            "validation": {"accuracy": 0.5},
            "validation_note": "note",
            "calibration": {"temperature": 2.5},
        },
        "bare": {"format": "hwr-model/1"},
    }
    old = dialect_for(target)
    with old.migration_transaction() as tx:
        for step in MIGRATIONS[:5]:
            for sql in step.statements(old.name):
                tx.execute(sql)
        old.set_schema_version(tx, 5)
        for name, document in documents.items():
            tx.execute(
                "INSERT INTO recognizers (name, grid_size, network, created_at, revision,"
                " fingerprint) VALUES (?, 2, '{}', 't', 1, 9)",
                (name,),
            )
            tx.execute(
                "INSERT INTO models (recognizer, document, labels, iterations, mse, trained_at,"
                " revision, replay, fingerprint) VALUES (?, ?, '[\"A\"]', 7, 0.5, 't', 1, ?, 9)",
                (name, json.dumps(document), '[{"i": 1}]' if name == "full" else None),
            )
    old.close()

    store = Store(target)
    try:
        full, bare = store.get_model_facts("full"), store.get_model_facts("bare")
        assert full is not None and bare is not None
        assert full == ModelFacts("full", ["A"], 7, 0.5, "t", 1, 9, full.facts)
        assert full.shown() == {
            "validation": {"accuracy": 0.5},
            "validation_note": "note",
            "temperature": 2.5,
        }
        assert bare == ModelFacts("bare", ["A"], 7, 0.5, "t", 1, 9, bare.facts)
        assert bare.shown() == {"validation": None, "validation_note": None, "temperature": None}
        for name, document in documents.items():
            model = store.get_model(name)
            assert model is not None and model.document == document
            assert not model.stale(store.get_recognizer(name))
        assert store.get_replay("full") == [{"i": 1}] and store.get_replay("bare") is None
    finally:
        store.close()
