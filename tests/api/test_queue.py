"""Bounded training work (issue 13, part 1): at most HWR_MAX_TRAININGS processes, the rest
queued in order, stoppable while queued, and stopped by a shutdown (it says so after the
restart)."""

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.jobs.status import SHUT_DOWN, SHUT_DOWN_QUEUED
from app.main import create_app
from tests.api.conftest import add_drawings
from tests.helpers import local_client, training_processes, wait_for

ENDLESS = {"max_iterations": 10**7, "target_mse": 0, "network": {"patience": 0}}
SHORT = {"max_iterations": 15, "target_mse": 0}


@pytest.fixture
def one_slot(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path / "data", max_trainings=1)
    with local_client(create_app(settings)) as client:
        for name in ("a", "b", "c"):
            assert client.post("/api/recognizers", json={"name": name}).status_code == 201
            add_drawings(client, ["L", "O"], 3, recognizer=name)
        yield client


def training(client: TestClient, name: str) -> dict[str, object]:
    return client.get(f"/api/recognizers/{name}/training").json()  # type: ignore[no-any-return]


def test_starts_beyond_the_limit_wait_in_order_and_can_be_stopped(one_slot: TestClient) -> None:
    client = one_slot
    first = client.post("/api/recognizers/a/training", json=ENDLESS).json()
    assert first["state"] == "running" and first["queue_position"] is None
    second = client.post("/api/recognizers/b/training", json=SHORT)
    third = client.post("/api/recognizers/c/training", json=SHORT)
    assert second.status_code == third.status_code == 202
    assert (second.json()["state"], second.json()["queue_position"]) == ("queued", 1)
    assert (third.json()["state"], third.json()["queue_position"]) == ("queued", 2)
    assert second.json()["queued_at"] and second.json()["started_at"] is None
    # Queued is busy: a second start is refused like one for a running training.
    assert client.post("/api/recognizers/b/training", json=SHORT).status_code == 409
    health = client.get("/api/health").json()
    assert (health["trainings"], health["queued"]) == (1, 2)

    stopped = client.delete("/api/recognizers/b/training").json()
    assert stopped["state"] == "stopped" and "queued" in stopped["outcome"]
    assert training(client, "c")["queue_position"] == 1  # moved up
    assert training(client, "b")["iterations"] == 0  # nothing was trained
    assert client.get("/api/recognizers/b").json()["model"]["trained"] is False

    client.delete("/api/recognizers/a/training")  # frees the slot: c runs, then finishes
    done = wait_for(lambda: (s := training(client, "c"))["state"] == "finished" and s)
    assert done["iterations"] == 15 and done["started_at"] and done["queue_position"] is None
    assert client.get("/api/recognizers/c").json()["model"]["trained"] is True


def test_never_more_processes_than_the_limit(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", max_trainings=2)
    names = [f"r{i}" for i in range(5)]
    with local_client(create_app(settings)) as client:
        for name in names:
            client.post("/api/recognizers", json={"name": name})
            add_drawings(client, ["L", "O"], 3, recognizer=name)
        peak, stop = [0], threading.Event()

        def watch() -> None:  # samples /proc while the trainings come and go
            while not stop.is_set():
                peak[0] = max(peak[0], training_processes())

        watcher = threading.Thread(target=watch)
        watcher.start()
        try:
            states = [
                client.post(f"/api/recognizers/{n}/training", json={"max_iterations": 40}).json()
                for n in names
            ]
            assert [s["state"] for s in states] == ["running"] * 2 + ["queued"] * 3
            assert [s["queue_position"] for s in states[2:]] == [1, 2, 3]
            wait_for(lambda: all(training(client, n)["state"] == "finished" for n in names), 120)
        finally:
            stop.set()
            watcher.join()
        assert peak[0] == 2  # the bar: both slots were used, never a third process


def test_a_shutdown_stops_the_queue_and_says_so_after_the_restart(settings: Settings) -> None:
    settings = settings.model_copy(update={"max_trainings": 1})
    with local_client(create_app(settings)) as client:
        for name in ("a", "b"):
            client.post("/api/recognizers", json={"name": name})
            add_drawings(client, ["L", "O"], 3, recognizer=name)
        client.post("/api/recognizers/a/training", json=ENDLESS)
        assert client.post("/api/recognizers/b/training", json=SHORT).json()["state"] == "queued"
        wait_for(lambda: training(client, "a")["iterations"] >= 2, 60)
    # The server shut down with b still waiting: a was stopped and saved on the way out, and b
    # stopped before it started. The restart says so (not "interrupted": nothing crashed).
    with local_client(create_app(settings)) as client:
        status = training(client, "b")
        assert status["state"] == "stopped" and status["started_at"] is None
        assert status["outcome"] == SHUT_DOWN_QUEUED and status["error"] is None
        first = training(client, "a")
        assert first["state"] == "stopped" and first["outcome"] == SHUT_DOWN
        assert first["iterations"] == client.get("/api/recognizers/a/model").json()["iterations"]


def test_events_follow_a_queued_training_to_its_end(one_slot: TestClient) -> None:
    client = one_slot
    client.post("/api/recognizers/a/training", json=ENDLESS)
    client.post("/api/recognizers/b/training", json=SHORT)
    with client.stream("GET", "/api/recognizers/b/training/events") as events:
        lines = events.iter_lines()
        states = []
        for line in lines:
            if line.startswith("data:") and '"state":"queued"' in line.replace(" ", ""):
                states.append("queued")
                client.delete("/api/recognizers/a/training")  # let b run
            elif line.startswith("event: done"):
                states.append("done")
                break
            elif '"state":"running"' in line.replace(" ", "") and states[-1:] != ["running"]:
                states.append("running")
    assert states[0] == "queued" and states[-2:] == ["running", "done"]
