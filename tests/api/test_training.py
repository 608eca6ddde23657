"""Training: start, status, stop, continue vs restart, errors."""

import asyncio
import json
import threading
from typing import Any
from unittest.mock import patch

from fastapi.testclient import TestClient

from app.config import Settings
from app.events import RETRY_MS, Listeners, Step, event, follow
from app.main import create_app
from app.routes.training import status_event
from app.schemas import TrainingStatus
from tests.api.conftest import add_drawings, train_until_done
from tests.helpers import local_client, wait_for


def test_training_needs_two_labels(client: TestClient) -> None:
    r = client.post("/api/recognizers/default/training")
    assert r.status_code == 422
    assert "2 labels" in r.json()["detail"]
    add_drawings(client, ["L"], 3)
    r = client.post("/api/recognizers/default/training")
    assert r.status_code == 422
    assert client.get("/api/recognizers/default/training").json()["state"] == "idle"


def test_train_to_target_then_model_is_fresh(client: TestClient, alphabet: list[int]) -> None:
    status = train_until_done(client, {"target_mse": 0.05, "max_iterations": 5000})
    assert status["state"] == "finished"
    assert status["outcome"] == "target_mse reached"
    assert status["mse_current"] <= 0.05 < status["mse_initial"]
    assert status["resumed"] is False
    assert status["labels"] == ["L", "O", "X"]
    assert status["started_at"] and status["finished_at"]
    model = client.get("/api/recognizers/default").json()["model"]
    assert model["trained"] is True
    assert model["labels"] == ["L", "O", "X"]
    assert model["stale"] is False
    assert model["iterations"] == status["iterations"] > 0
    # The networks keep their last pass: the model's MSE is the last pass's.
    assert model["mse"] == status["mse_current"] < status["mse_initial"]
    assert status["validation"] is not None


def test_max_iterations_ends_training(client: TestClient, alphabet: list[int]) -> None:
    status = train_until_done(client, {"target_mse": 0, "max_iterations": 7})
    assert status["state"] == "finished"
    assert status["iterations"] == 7
    assert status["outcome"] == "max_iterations reached"


def test_continue_when_labels_unchanged_restart_when_changed(
    client: TestClient, alphabet: list[int]
) -> None:
    first = train_until_done(client, {"target_mse": 0, "max_iterations": 30})
    add_drawings(client, ["L"], 1, seed=9)
    assert client.get("/api/recognizers/default").json()["model"]["stale"] is True
    second = train_until_done(client, {"target_mse": 0, "max_iterations": 10})
    assert second["resumed"] is True
    assert second["reason"] == "continued from the trained model"
    # Continuing starts from the trained weights: the error starts near where it ended.
    assert second["mse_initial"] < first["mse_initial"]
    assert client.get("/api/recognizers/default").json()["model"]["iterations"] == 40
    add_drawings(client, ["T"], 3, seed=3)
    third = train_until_done(client, {"target_mse": 0, "max_iterations": 5})
    assert third["resumed"] is False
    assert "labels changed" in third["reason"]
    model = client.get("/api/recognizers/default").json()["model"]
    assert model["labels"] == ["L", "O", "X", "T"]
    assert model["iterations"] == 5


def test_a_continued_training_keeps_each_drawing_in_its_fold(
    client: TestClient, alphabet: list[int]
) -> None:
    train_until_done(client, {"target_mse": 0, "max_iterations": 5})
    first = client.get("/api/recognizers/default/model").json()["folds"]
    ids = [s["id"] for s in client.get("/api/recognizers/default/samples").json()]
    assert sorted(map(int, first)) == sorted(ids) and set(first.values()) == {0, 1, 2}
    # Delete two drawings and add three: the others keep their folds, the new ones get theirs.
    for gone in ids[:2]:
        assert client.delete(f"/api/recognizers/default/samples/{gone}").status_code == 204
    added = add_drawings(client, ["L", "O", "X"], 1, seed=9)
    second = train_until_done(client, {"target_mse": 0, "max_iterations": 5})
    assert second["resumed"] is True
    again = client.get("/api/recognizers/default/model").json()["folds"]
    assert {i: again[i] for i in first if int(i) not in ids[:2]} == {
        i: f for i, f in first.items() if int(i) not in ids[:2]
    }
    assert sorted(map(int, again)) == sorted([*ids[2:], *added])
    assert second["validation"]["samples"] == len(ids) - 2 + 3


def test_without_a_target_a_run_stops_on_validation_and_classic_keeps_its_target(
    client: TestClient, alphabet: list[int]
) -> None:
    assert client.get("/api/health").json()["training_defaults"]["target_mse"] is None
    status = train_until_done(client, {"network": {"patience": 3}})
    assert status["target_mse"] is None and "stopped improving" in status["outcome"]
    assert status["iterations"] >= 20  # never before MIN_PASSES, however low the MSE
    classic = train_until_done(client, {"network": "classic", "max_iterations": 5})
    assert classic["target_mse"] == 0.01


def test_changing_the_network_restarts(client: TestClient, alphabet: list[int]) -> None:
    train_until_done(client, {"target_mse": 0, "max_iterations": 3})
    status = train_until_done(
        client, {"target_mse": 0, "max_iterations": 3, "network": {"hidden_layers": [32, 16]}}
    )
    assert status["resumed"] is False
    assert status["reason"] == "new network: the network settings changed"
    assert client.get("/api/recognizers/default").json()["network"]["hidden_layers"] == [32, 16]


def test_stop_keeps_the_model_and_second_start_is_409(
    client: TestClient, alphabet: list[int]
) -> None:
    r = client.post(
        "/api/recognizers/default/training", json={"target_mse": 0, "max_iterations": 10_000_000}
    )
    assert r.status_code == 202
    assert r.json()["state"] == "running"
    assert client.post("/api/recognizers/default/training").status_code == 409
    wait_for(lambda: client.get("/api/recognizers/default/training").json()["iterations"] > 0)
    stop = client.delete("/api/recognizers/default/training")
    assert stop.status_code == 200
    assert stop.json()["state"] in ("stopping", "stopped")

    def ended() -> dict | None:
        s = client.get("/api/recognizers/default/training").json()
        return s if s["state"] == "stopped" else None

    status = wait_for(ended, timeout=10)
    assert status["outcome"] == "stopped"
    assert client.get("/api/recognizers/default").json()["model"]["trained"] is True
    # Stop is idempotent.
    again = client.delete("/api/recognizers/default/training")
    assert again.status_code == 200
    assert again.json()["state"] == "stopped"


def test_training_endpoints_404(client: TestClient) -> None:
    for method in ("get", "post", "delete"):
        assert getattr(client, method)("/api/recognizers/nope/training").status_code == 404
    assert client.get("/api/recognizers/nope/training/events").status_code == 404


def test_bad_training_bodies_are_422(client: TestClient, alphabet: list[int]) -> None:
    for body in (
        {"max_iterations": 0},
        {"target_mse": -1},
        {"network": {"momentum": 1.5}},
        {"iterations_per_cycle": 0},
        {"unknown": True},
    ):
        r = client.post("/api/recognizers/default/training", json=body)
        assert r.status_code == 422, body
    assert client.get("/api/recognizers/default/training").json()["state"] == "idle"


def test_after_a_restart_a_continued_models_curve_ends_at_its_iterations(
    settings: Settings,
) -> None:
    """The status a restart shows is the model's: its iterations, and the last run's curve
    counted to end at them, as the replay's frames are (issue 22: "Iterations 380" beside a
    chart of 24)."""
    body = {"target_mse": 0, "max_iterations": 3}
    with local_client(create_app(settings)) as client:
        add_drawings(client, ["L", "O"], 3)
        train_until_done(client, body)
        second = train_until_done(client, {**body, "max_iterations": 4})
        assert second["resumed"] is True and second["iterations"] == 4  # the run's own count
    with local_client(create_app(settings)) as client:
        status = client.get("/api/recognizers/default/training").json()
        model = client.get("/api/recognizers/default").json()["model"]
        assert status["state"] == "idle" and status["iterations"] == model["iterations"] == 7
        points = [p["iteration"] for p in status["history"]]
        assert points == [3, 4, 5, 6, 7]
        assert status["mse_initial"] == status["history"][0]["mse"] == second["mse_initial"]
        assert status["mse_current"] == second["mse_current"]
        frames = client.get("/api/recognizers/default/replay").json()["frames"]
        assert (frames[0]["iteration"], frames[-1]["iteration"]) == (3, 7)


def test_an_event_is_serialised_and_encoded_once_for_all_its_listeners() -> None:
    """Every listener of a recognizer gets the same bytes for one status (and kind): the
    status JSON is made once, each kind of event of it encoded once."""
    status = TrainingStatus(state="running", iterations=3)
    progress = status_event("once", "progress", status)
    assert progress == event("progress", json.dumps(status.model_dump())).encode()
    assert status_event("once", "progress", status) is progress
    first = status_event("once", "status", status)  # a new listener's first event
    assert first == event("status", json.dumps(status.model_dump())).encode()
    assert status_event("once", "progress", status) is progress  # still made once
    later = status.model_copy(update={"iterations": 4})
    assert (
        json.loads(status_event("once", "progress", later).split(b"data: ")[1])["iterations"] == 4
    )


def test_a_stream_sends_bytes_whatever_its_feed_gives() -> None:
    """follow(): the retry line with the first event, then each event as bytes (a feed's str
    encoded, its bytes as they are), until the feed's last."""

    class Feed:
        def __init__(self) -> None:
            self.wake = asyncio.Event()
            self.steps = [Step("event: a\n\n"), Step(b"event: b\n\n", last=True)]
            self.unlistened = False

        def listen(self) -> asyncio.Event:
            return self.wake

        def unlisten(self, wake: asyncio.Event) -> None:
            self.unlistened = wake is self.wake

        async def first(self) -> Step:
            return Step("event: first\n\n")

        async def next(self, woke: bool) -> Step:
            return self.steps.pop(0)

        def wait_s(self) -> float:
            return 0.001

    async def collect(feed: Feed) -> list[bytes]:
        return [chunk async for chunk in follow(feed)]

    feed = Feed()
    assert asyncio.run(collect(feed)) == [
        f"retry: {RETRY_MS}\nevent: first\n\n".encode(),
        b"event: a\n\n",
        b"event: b\n\n",
    ]
    assert feed.unlistened


def test_listeners_are_woken_by_what_they_follow_from_any_thread() -> None:
    """wake() from a training's thread sets the events of that key's listeners only (on the
    loop); a key nobody follows costs no hop; wake_all() sets every one."""

    async def run() -> None:
        loop = asyncio.get_running_loop()
        listeners = Listeners()
        listeners.attach(loop)
        a1, a2, b = listeners.listen("a"), listeners.listen("a"), listeners.listen("b")
        hops: list[object] = []
        original = loop.call_soon_threadsafe

        def counted(*args: Any) -> Any:
            hops.append(args[0])
            return original(*args)

        with patch.object(loop, "call_soon_threadsafe", counted):
            thread = threading.Thread(target=listeners.wake, args=("a", "nobody"))
            thread.start()
            await asyncio.wait_for(asyncio.gather(a1.wait(), a2.wait()), 5)
            thread.join()
            listeners.wake("nobody")
        assert len(hops) == 1 and not b.is_set()
        listeners.unlisten("a", a1)
        a1.clear()
        a2.clear()
        listeners.wake_all()
        await asyncio.wait_for(asyncio.gather(a2.wait(), b.wait()), 5)
        assert not a1.is_set() and listeners.count() == 2

    asyncio.run(run())
