"""A graceful shutdown of `hwr serve` mid-training (Ctrl+C in a terminal, systemd's stop): the
training stops the way Stop does, its model is kept, and after the restart its status says so,
with figures that agree with the saved model; a training still queued reads stopped too."""

import os
import signal
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from app.synth import dataset, draw
from tests.helpers import Server, wait_for
from tests.reliability.conftest import group_alive

pytestmark = [pytest.mark.server, pytest.mark.slow]
ENDLESS = {
    "max_iterations": 10_000_000,
    "target_mse": 0,
    "network": {"hidden_layers": [16], "patience": 0},
}


def add_samples(http: httpx.Client, name: str) -> None:
    if name != "default":
        assert http.post("/api/recognizers", json={"name": name}).status_code == 201
    for label, strokes in dataset(["L", "O"], 3, seed=5):
        body = {"label": label, "strokes": strokes}
        assert http.post(f"/api/recognizers/{name}/samples", json=body).status_code == 201


def training(http: httpx.Client, name: str) -> dict[str, Any]:
    r = http.get(f"/api/recognizers/{name}/training")
    assert r.status_code == 200, r.text
    return dict(r.json())


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_shutdown_mid_training_stops_it_keeps_its_model_and_says_so(
    tmp_path: Path, signum: signal.Signals
) -> None:
    data = tmp_path / "data"
    server = Server(data, env={"HWR_MAX_TRAININGS": "1"}).start()
    assert server.process is not None
    pgid = server.process.pid
    try:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            add_samples(http, "default")
            add_samples(http, "later")
            assert http.post("/api/recognizers/default/training", json=ENDLESS).status_code == 202
            queued = http.post("/api/recognizers/later/training", json={"max_iterations": 5})
            assert queued.json()["state"] == "queued"
            wait_for(lambda: training(http, "default")["iterations"] >= 5, 60)
            # To the whole process group, as a terminal's Ctrl+C or systemd's stop sends it:
            # the training process gets the signal too.
            os.killpg(pgid, signum)
            # After its graceful shutdown uvicorn ends by the signal it got, as is customary
            # (SIGINT: its KeyboardInterrupt is caught, exit code 0).
            assert server.process.wait(30) == (0 if signum == signal.SIGINT else -signum)
    finally:
        server.kill()
        server.stop()
    wait_for(lambda: not group_alive(pgid), timeout=10)

    again = Server(data).start()
    try:
        with httpx.Client(base_url=again.url, timeout=30) as http:
            status = training(http, "default")
            assert status["state"] == "stopped", status
            assert "the server was shut down" in status["outcome"] and status["error"] is None
            assert status["started_at"] and status["finished_at"] and status["job"] >= 1
            # The model trained so far is kept, and the status's figures are its figures.
            model = http.get("/api/recognizers/default/model").json()
            summary = http.get("/api/recognizers/default").json()
            assert status["iterations"] >= 5
            assert status["iterations"] == model["iterations"] == summary["model"]["iterations"]
            history = status["history"]
            assert history[0]["iteration"] == 0 and history[-1]["iteration"] == status["iterations"]
            assert status["mse_initial"] == history[0]["mse"]
            assert status["mse_current"] == history[-1]["mse"] == model["mse"]
            frames = http.get("/api/recognizers/default/replay").json()["frames"]
            assert frames[-1]["iteration"] == status["iterations"]
            assert summary["model"]["stale"] is False and summary["training"] == status
            check = http.post(
                "/api/recognizers/default/check",
                json={"strokes": draw("L", np.random.default_rng(3))},
            )
            assert check.status_code == 200 and check.json()["label"] in ("L", "O")
            # Queued, never started: stopped before it started, with nothing trained.
            later = training(http, "later")
            assert later["state"] == "stopped" and later["started_at"] is None
            assert "the server was shut down before it started" in later["outcome"]
            assert http.get("/api/recognizers/later/model").status_code == 409
            # Later trainings count on from the restored ones, and run as usual.
            r = http.post("/api/recognizers/default/training", json={"max_iterations": 3})
            assert r.status_code == 202 and r.json()["job"] > status["job"]
            wait_for(lambda: training(http, "default")["state"] == "finished", 60)
    finally:
        again.stop()
