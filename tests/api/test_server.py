"""Against a real uvicorn process: the events stream, and a kill -9 that loses nothing."""

from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from app.synth import dataset, draw
from tests.helpers import Server, wait_for
from tests.sse import events

pytestmark = pytest.mark.server


def post_alphabet(url: str, labels: list[str], per_label: int) -> list[int]:
    ids = []
    with httpx.Client(base_url=url) as http:
        for label, strokes in dataset(labels, per_label, seed=4):
            r = http.post(
                "/api/recognizers/default/samples", json={"label": label, "strokes": strokes}
            )
            assert r.status_code == 201
            ids.append(r.json()["id"])
    return ids


def read_events(url: str, limit_s: float = 60) -> list[tuple[str, dict[str, Any]]]:
    """Read one events stream to its end: (event name, status) pairs."""
    read: list[tuple[str, dict[str, Any]]] = []
    with httpx.stream(
        "GET", url + "/api/recognizers/default/training/events", timeout=httpx.Timeout(limit_s)
    ) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        for name, data in events(r.iter_lines()):
            read.append((name, data))
            if name == "done":
                break
    return read


def test_events_stream_progress_and_done(server: Server) -> None:
    post_alphabet(server.url, ["L", "O", "X", "T"], 8)
    r = httpx.post(
        server.url + "/api/recognizers/default/training",
        # patience 0: no early stop, it runs until stopped
        json={"target_mse": 0, "max_iterations": 10_000_000, "network": {"patience": 0}},
    )
    assert r.status_code == 202
    import threading

    stopper = threading.Timer(
        1.5, lambda: httpx.delete(server.url + "/api/recognizers/default/training")
    )
    stopper.start()
    events = read_events(server.url)
    stopper.join()
    names = [name for name, _ in events]
    assert names[0] == "status"
    assert names[-1] == "done"
    progress = [status for name, status in events if name == "progress"]
    # About 1.5 s of training at one event per <= 250 ms: at least 5 progress events.
    assert len(progress) >= 5
    iterations = [s["iterations"] for s in progress]
    assert iterations == sorted(iterations) and iterations[-1] > 0
    assert events[-1][1]["state"] == "stopped"
    assert events[-1][1]["mse_current"] < events[-1][1]["mse_initial"]


def test_kill_9_loses_nothing_and_check_works_after_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = Server(data).start()
    ids = post_alphabet(first.url, ["L", "O", "X"], 6)
    r = httpx.post(
        first.url + "/api/recognizers/default/training",
        json={"target_mse": 0.02, "max_iterations": 5000},
    )
    assert r.status_code == 202

    def trained() -> bool:
        s = httpx.get(first.url + "/api/recognizers/default/training").json()
        return s["state"] == "finished"

    wait_for(trained, timeout=60)
    curve = httpx.get(first.url + "/api/recognizers/default/training").json()["history"]
    strokes = draw("O", np.random.default_rng(77))
    before = httpx.post(
        first.url + "/api/recognizers/default/check", json={"strokes": strokes}
    ).json()
    # One more acknowledged sample, then SIGKILL with no chance to clean up.
    late = httpx.post(
        first.url + "/api/recognizers/default/samples", json={"label": "X", "strokes": strokes}
    )
    assert late.status_code == 201
    first.kill()
    first.stop()

    second = Server(data).start()
    try:
        listed = httpx.get(second.url + "/api/recognizers/default/samples").json()
        assert [s["id"] for s in listed] == [*ids, late.json()["id"]]
        after = httpx.post(second.url + "/api/recognizers/default/check", json={"strokes": strokes})
        assert after.status_code == 200
        assert before.pop("stale") is False
        assert after.json() == {**before, "stale": True}  # the late sample came after training
        assert httpx.get(second.url + "/api/recognizers/default").json()["model"]["stale"]
        # The last model's learning curve is still there after the restart.
        status = httpx.get(second.url + "/api/recognizers/default/training").json()
        assert status["state"] == "idle" and len(curve) > 1 and status["history"] == curve
    finally:
        second.stop()


def test_a_training_killed_with_the_server_reads_interrupted_after_restart(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    first = Server(data).start()
    post_alphabet(first.url, ["L", "O", "X"], 6)
    body = {"target_mse": 0, "max_iterations": 10_000_000, "network": {"patience": 0}}
    assert httpx.post(first.url + "/api/recognizers/default/training", json=body).is_success

    def running() -> bool:
        s = httpx.get(first.url + "/api/recognizers/default/training").json()
        return s["state"] == "running" and s["iterations"] > 5

    wait_for(running, timeout=60)
    first.kill()
    first.stop()
    second = Server(data).start()
    try:
        status = httpx.get(second.url + "/api/recognizers/default/training").json()
        assert status["state"] == "failed"
        assert "interrupted" in status["error"]
        # It is said once: a new training starts and ends normally.
        r = httpx.post(
            second.url + "/api/recognizers/default/training",
            json={"target_mse": 0, "max_iterations": 3},
        )
        assert r.status_code == 202
        wait_for(
            lambda: (
                httpx.get(second.url + "/api/recognizers/default/training").json()["state"]
                == "finished"
            ),
            timeout=60,
        )
    finally:
        second.stop()
    third = Server(data).start()
    try:
        status = httpx.get(third.url + "/api/recognizers/default/training").json()
        assert status["state"] == "idle"  # a clean end leaves nothing "interrupted"
    finally:
        third.stop()
