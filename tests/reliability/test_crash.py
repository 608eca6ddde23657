"""kill -9 at random moments while samples are posted and training runs; and broken data folders.

After every kill: each sample that got a 201 is there, the database passes integrity_check, the
model is complete (the previous one or a new one, never a mix), and nothing is left running.
"""

import contextlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from app.nn.network import Network
from app.store import Store
from app.synth import dataset, draw
from tests.helpers import ROOT, Server, free_port, wait_for
from tests.reliability.conftest import group_alive
from tests.reliability.tally import COUNTS

pytestmark = [pytest.mark.server, pytest.mark.slow]
CYCLES = 6
LABELS = ["L", "O", "X", "T"]
DB = "hwr.db"
HWR = [sys.executable, "-m", "app.cli"]
EVENTS = "/api/recognizers/default/training/events"
LONG_TRAINING = {"max_iterations": 10_000_000, "target_mse": 0, "network": {"hidden_layers": [16]}}


class Poster(threading.Thread):
    """Posts samples as fast as the server takes them; remembers every id answered with 201."""

    def __init__(self, url: str, seed: int, acknowledged: list[int]) -> None:
        super().__init__(daemon=True)
        self.url, self.rng, self.acknowledged = url, np.random.default_rng(seed), acknowledged
        self.stop = threading.Event()
        self.posted = 0
        self.errors: list[str] = []

    def run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=10) as http:
            while not self.stop.is_set():
                label = LABELS[self.posted % len(LABELS)]
                body = {"label": label, "strokes": draw(label, self.rng)}
                try:
                    r = http.post("/api/recognizers/default/samples", json=body)
                except httpx.HTTPError:
                    return  # the server was killed
                if r.status_code != 201:
                    self.errors.append(f"{r.status_code} {r.text[:200]}")
                    return
                self.acknowledged.append(r.json()["id"])
                self.posted += 1


def model_is_complete(document: dict[str, Any], labels: list[str]) -> None:
    """A whole hwr-model/1 document: it loads, and its labels fit its output layer."""
    net = Network.from_dict(document)
    assert document["labels"] == labels
    assert net.sizes[0] == document["grid_size"] ** 2 == 144
    assert net.sizes[-1] == len(labels) + (1 if document.get("background") else 0)


def check_offline(data: Path, acknowledged: list[int], models: list[dict[str, Any]]) -> None:
    """With the server dead: integrity, every acknowledged sample, a complete model."""
    store = Store(data / DB)
    try:
        assert store.check_integrity() == ["ok"]
        stored = {s.id for s in store.list_samples("default")}
        missing = set(acknowledged) - stored
        assert not missing, f"acknowledged samples lost: {sorted(missing)[:10]}"
        model = store.get_model("default")
        if model is not None:
            model_is_complete(model.document, model.labels)
            if not models or model.document != models[-1]:
                assert model.document not in models, "an older model came back"
                models.append(model.document)  # a new complete model replaced the previous one
        else:
            assert not models, "a saved model disappeared"
    finally:
        store.close()


def check_after_restart(http: httpx.Client, acknowledged: list[int], models: list[Any]) -> None:
    """The restarted server shows the same: samples, the training idle (or, when the kill came
    while it ran, failed as interrupted: API.md v1.1), the last model."""
    ids = {s["id"] for s in http.get("/api/recognizers/default/samples").json()}
    assert set(acknowledged) <= ids
    status = http.get("/api/recognizers/default/training").json()
    assert status["state"] in ("idle", "failed"), status
    if status["state"] == "failed":
        assert "interrupted by a server restart" in status["error"]
    r = http.get("/api/recognizers/default/model")
    if models:
        assert r.status_code == 200
        assert r.json() == models[-1]
        model_is_complete(r.json(), r.json()["labels"])
    else:
        assert r.status_code == 409


def training_state(http: httpx.Client) -> str:
    return str(http.get("/api/recognizers/default/training").json()["state"])


def run_and_kill(
    data: Path, cycle: int, rng: random.Random, acknowledged: list[int], models: list[Any]
) -> None:
    """Start, check, post samples and train, then SIGKILL the whole process group at random."""
    server = Server(data).start()
    assert server.process is not None
    pgid = server.process.pid
    http = httpx.Client(base_url=server.url, timeout=10)
    poster = Poster(server.url, seed=cycle, acknowledged=acknowledged)
    try:
        check_after_restart(http, acknowledged, models)
        poster.start()
        wait_for(lambda: poster.posted >= len(LABELS) or not poster.is_alive(), timeout=30)
        assert poster.is_alive()
        # The first training finishes before the kill, so later kills have a model to keep.
        iterations = 30 if cycle == 0 else rng.choice([3, 30, 300, 1_000_000])
        body = {"max_iterations": iterations, "target_mse": 0, "iterations_per_cycle": 5}
        r = http.post("/api/recognizers/default/training", json=body)
        assert r.status_code == 202, r.text
        if cycle == 0:
            wait_for(lambda: training_state(http) == "finished", timeout=60)
        delay = rng.uniform(0.05, 2.0)
        threading.Event().wait(delay)  # the random moment of the kill, not a wait for state
    finally:
        http.close()
        server.kill()
        poster.stop.set()
        poster.join(15)
        server.stop()
    assert not poster.is_alive() and not poster.errors, poster.errors
    wait_for(lambda: not group_alive(pgid), timeout=10)  # nothing outlived the kill


def test_kill_9_at_random_moments_loses_nothing(tmp_path: Path) -> None:
    rng = random.Random(20261123)
    data = tmp_path / "data"
    acknowledged: list[int] = []
    models: list[dict[str, Any]] = []  # every complete model seen, the newest last
    for cycle in range(CYCLES):
        run_and_kill(data, cycle, rng, acknowledged, models)
        check_offline(data, acknowledged, models)
        COUNTS["crash_cycles"] += 1

    assert models, "no training ever saved a model"
    assert len(acknowledged) > CYCLES * len(LABELS)
    # One more start: the last kill left a usable folder too; and check-data agrees.
    server = Server(data).start()
    try:
        with httpx.Client(base_url=server.url, timeout=10) as http:
            check_after_restart(http, acknowledged, models)
    finally:
        server.stop()
    check = hwr("check-data", "--data-dir", str(data))
    assert check.returncode == 0 and check.stdout.strip() == "ok", check.stdout + check.stderr


def test_ctrl_c_with_a_page_open_stops_soon_and_saves_the_training(tmp_path: Path) -> None:
    """Every open page holds an events stream that never ends by itself; Ctrl+C (SIGINT) must
    still stop the server in seconds, and its shutdown must save the running training."""
    data = tmp_path / "data"
    server = Server(data).start()
    assert server.process is not None
    pgid = server.process.pid
    lines: list[str] = []
    try:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            for label, strokes in dataset(["L", "O"], 3, seed=5):
                body = {"label": label, "strokes": strokes}
                assert http.post("/api/recognizers/default/samples", json=body).status_code == 201
            r = http.post("/api/recognizers/default/training", json=LONG_TRAINING)
            assert r.status_code == 202

            def page() -> None:
                with (
                    contextlib.suppress(httpx.HTTPError),
                    httpx.stream("GET", f"{server.url}{EVENTS}", timeout=60) as stream,
                ):
                    for line in stream.iter_lines():  # one by one: the test reads them live
                        lines.append(line)

            threading.Thread(target=page, daemon=True).start()
            wait_for(lambda: "event: progress" in lines)
            started = time.monotonic()
            server.process.send_signal(signal.SIGINT)
            assert server.process.wait(30) == 0
            assert time.monotonic() - started < 15
    finally:
        server.kill()
        server.stop()
    wait_for(lambda: not group_alive(pgid), timeout=10)
    store = Store(data / DB)
    try:
        model = store.get_model("default")
        assert model is not None, "the shutdown did not save the running training"
        model_is_complete(model.document, model.labels)
        assert model.iterations > 0
    finally:
        store.close()


# --- broken data folders -------------------------------------------------------------------------


def hwr(*args: str, prefix: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    """The `hwr` command (run through `prefix`), which must exit by itself, quickly."""
    return subprocess.run(
        [*(prefix or []), *HWR, *args], cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def serve(data_dir: Path, prefix: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    """`hwr serve` on a broken folder."""
    return hwr("serve", "--port", str(free_port()), "--data-dir", str(data_dir), prefix=prefix)


def good_database(path: Path, samples: int = 300) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    store = Store(path)
    store.ensure_recognizer("default", 12, {})
    for _ in range(samples):
        store.add_sample("default", "A", [[[1.0, 2.0]]], [0.0] * 144)
    store.close()  # the last connection checkpoints the WAL into the file


def garbage_file(data: Path) -> None:
    data.mkdir(parents=True)
    (data / DB).write_bytes(random.Random(1).randbytes(50_000))


def damaged_pages(data: Path) -> None:
    good_database(data / DB)
    raw = bytearray((data / DB).read_bytes())
    page = 4096
    for offset in range(page, len(raw), page):  # every page after the header page
        raw[offset : offset + 64] = b"\xff" * 64
    (data / DB).write_bytes(bytes(raw))


def truncated(data: Path) -> None:
    good_database(data / DB)
    raw = (data / DB).read_bytes()
    (data / DB).write_bytes(raw[: len(raw) // 3])


def newer_schema(data: Path) -> None:
    good_database(data / DB, samples=1)
    with sqlite3.connect(data / DB) as conn:
        conn.execute("PRAGMA user_version = 99")
    conn.close()


def folder_is_a_file(data: Path) -> None:
    data.parent.mkdir(parents=True, exist_ok=True)
    data.write_text("not a folder")


def database_is_a_folder(data: Path) -> None:
    (data / DB).mkdir(parents=True)


def foreign_database(data: Path) -> None:
    data.mkdir(parents=True)
    with sqlite3.connect(data / DB) as conn:
        conn.execute("CREATE TABLE recognizers (x)")
    conn.close()


BROKEN = {
    "garbage-file": (garbage_file, "not a database"),
    "damaged-pages": (damaged_pages, "damaged"),
    "truncated": (truncated, "malformed"),
    "newer-schema": (newer_schema, "schema version 99"),
    "folder-is-a-file": (folder_is_a_file, "cannot open"),
    "database-is-a-folder": (database_is_a_folder, "cannot open"),
    "foreign-database": (foreign_database, "is it an hwr database"),
}


@pytest.mark.parametrize("kind", list(BROKEN))
def test_a_broken_data_folder_gives_a_clear_error_at_start(tmp_path: Path, kind: str) -> None:
    make, says = BROKEN[kind]
    data = tmp_path / "data"
    make(data)
    result = serve(data)
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    first = result.stderr.strip().splitlines()[0]
    assert first.startswith("hwr: ") and says.lower() in first.lower(), result.stderr
    assert str(data) in first


# Root reads any file whatever its mode: as root, `hwr serve` runs without the capabilities that
# let it (util-linux's setpriv), so the mode-0 file is as unreadable to it as to any user. Not a
# switch to `nobody`: the interpreter may live where nobody can reach it (a home folder).
WITHOUT_ROOTS_READ = [
    "setpriv",
    "--bounding-set=-dac_override,-dac_read_search,-fowner",
    "--inh-caps=-all",
    "--",
]


def test_an_unreadable_data_folder_gives_a_clear_error_at_start(tmp_path: Path) -> None:
    data = tmp_path / "data"
    good_database(data / DB, samples=1)
    (data / DB).chmod(0)
    prefix = WITHOUT_ROOTS_READ if os.geteuid() == 0 else []
    try:
        result = serve(data, prefix)
    finally:
        (data / DB).chmod(0o600)
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("hwr: cannot open the database"), result.stderr[-2000:]


def test_check_data_reports_damage_without_a_stack_trace(tmp_path: Path) -> None:
    data = tmp_path / "data"
    damaged_pages(data)
    result = hwr("check-data", "--data-dir", str(data))
    assert result.returncode in (1, 2)
    assert "Traceback" not in result.stdout + result.stderr
    assert "malformed" in result.stdout + result.stderr
