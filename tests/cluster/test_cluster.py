"""Scale-out mode with the real servers (issue 13, part 3): two API processes and two workers
share one PostgreSQL and one Redis."""

import itertools
import signal
import threading
from typing import Any

import httpx
import numpy as np

from app import synth
from app.jobs.status import WORKER_SHUT_DOWN
from app.worker import PROCESS_NAME
from tests import sse
from tests.cluster.conftest import Cluster
from tests.helpers import live_processes, training_processes, wait_for

ENDLESS = {"max_iterations": 10**7, "target_mse": 0, "network": {"patience": 0}}
SIXTY = {**ENDLESS, "max_iterations": 60}  # exactly 60 passes: no target, no early stop
_names = itertools.count(1)


def new_recognizer(api: httpx.Client, labels: tuple[str, ...] = ("L", "O", "X"), n: int = 4) -> str:
    name = f"c{next(_names)}"
    assert api.post("/api/recognizers", json={"name": name}).status_code == 201
    for label, strokes in synth.dataset(list(labels), n, seed=len(name)):
        body = {"label": label, "strokes": strokes}
        assert api.post(f"/api/recognizers/{name}/samples", json=body).status_code == 201
    return name


def status(api: httpx.Client, name: str) -> dict[str, Any]:
    return api.get(f"/api/recognizers/{name}/training").json()  # type: ignore[no-any-return]


def training_endlessly(api: httpx.Client, passes: int = 0) -> str:
    """A new recognizer of L and O whose endless training runs (past `passes` passes)."""
    name = new_recognizer(api, ("L", "O"))
    api.post(f"/api/recognizers/{name}/training", json=ENDLESS)
    wait_for(
        lambda: (s := status(api, name))["state"] == "running" and s["iterations"] >= passes, 60
    )
    return name


def ended(api: httpx.Client, name: str, job: int | None = None) -> dict[str, Any] | None:
    """The status once the training (of this job, when given) has ended. Another API process
    hears of a start through Redis a moment later: until then it shows the previous end."""
    s = status(api, name)
    over = s["state"] not in ("queued", "running", "stopping")
    return s if over and (job is None or s["job"] == job) else None


def test_samples_posted_to_one_api_appear_in_the_other(a: httpx.Client, b: httpx.Client) -> None:
    name = new_recognizer(a)
    assert [r["name"] for r in b.get("/api/recognizers").json()].count(name) == 1
    ids_a = [s["id"] for s in a.get(f"/api/recognizers/{name}/samples").json()]
    ids_b = [s["id"] for s in b.get(f"/api/recognizers/{name}/samples").json()]
    assert ids_a == ids_b and len(ids_a) == 12
    b.delete(f"/api/recognizers/{name}/samples/{ids_a[0]}")
    assert len(a.get(f"/api/recognizers/{name}/samples").json()) == 11


def test_training_through_a_streams_to_b_and_check_on_b_uses_the_model(
    cluster: Cluster, a: httpx.Client, b: httpx.Client
) -> None:
    name = new_recognizer(a)
    strokes = synth.draw("O", np.random.default_rng(7))
    assert b.post(f"/api/recognizers/{name}/check", json={"strokes": strokes}).status_code == 409
    events: list[tuple[str, dict[str, Any]]] = []
    listening = threading.Event()

    def listen() -> None:
        with b.stream("GET", f"/api/recognizers/{name}/training/events", timeout=60) as stream:
            for kind, data in sse.events(stream.iter_lines()):
                events.append((kind, data))
                listening.set()
                if kind == "done":
                    return

    listener = threading.Thread(target=listen)
    listener.start()
    assert listening.wait(10)
    started = a.post(f"/api/recognizers/{name}/training", json=SIXTY)
    assert started.status_code == 202 and started.json()["state"] == "queued"
    listener.join(90)
    assert not listener.is_alive(), cluster.logs()
    kinds = [kind for kind, _ in events]
    progress = [s for kind, s in events if kind == "progress" and s["state"] == "running"]
    assert kinds[0] == "status" and kinds[-1] == "done"
    assert len(progress) >= 2, kinds  # it watched the curve grow, from the other process
    final = events[-1][1]
    assert final["state"] == "finished" and final["iterations"] == 60
    assert len(final["history"]) == 61 and final["history"][-1]["iteration"] == 60
    # Check through B answers with the model trained through A, by a worker.
    check = b.post(f"/api/recognizers/{name}/check", json={"strokes": strokes})
    assert check.status_code == 200
    model_a = a.get(f"/api/recognizers/{name}/model").json()
    assert model_a["iterations"] == 60
    assert {c["label"] for c in check.json()["confidences"]} == {"L", "O", "X"}
    assert b.get(f"/api/recognizers/{name}").json()["model"]["trained"] is True


def test_a_second_training_replaces_the_model_b_checks_with(
    cluster: Cluster, a: httpx.Client, b: httpx.Client
) -> None:
    """B cached the first model; the worker's announcement makes it read the second."""
    name = new_recognizer(a, ("L", "O"))
    strokes = synth.draw("L", np.random.default_rng(1))
    a.post(f"/api/recognizers/{name}/training", json={"max_iterations": 5})
    wait_for(lambda: ended(b, name), 60)
    first = b.post(f"/api/recognizers/{name}/check", json={"strokes": strokes}).json()
    for label, drawing in synth.dataset(["X"], 4, seed=9):  # a third label: a new network
        a.post(f"/api/recognizers/{name}/samples", json={"label": label, "strokes": drawing})
    assert b.get(f"/api/recognizers/{name}").json()["model"]["stale"] is True
    job = a.post(f"/api/recognizers/{name}/training", json={"max_iterations": 5}).json()["job"]
    # B has seen this training end, so it has dropped the old model.
    wait_for(lambda: ended(b, name, job), 60)
    second = b.post(f"/api/recognizers/{name}/check", json={"strokes": strokes}).json()
    assert len(first["confidences"]) == 2 and len(second["confidences"]) == 3


def test_stop_from_the_other_api_saves_the_model(
    cluster: Cluster, a: httpx.Client, b: httpx.Client
) -> None:
    name = training_endlessly(a, passes=5)
    assert b.delete(f"/api/recognizers/{name}/training").json()["state"] in ("stopping", "stopped")
    final = wait_for(lambda: ended(a, name), 30)
    assert final["state"] == "stopped" and final["iterations"] >= 5
    assert b.get(f"/api/recognizers/{name}").json()["model"]["trained"] is True


def test_live_weights_on_b_while_a_worker_trains(
    cluster: Cluster, a: httpx.Client, b: httpx.Client
) -> None:
    name = training_endlessly(a)
    try:

        def live() -> dict[str, Any] | None:
            shot = b.get(f"/api/recognizers/{name}/network").json()
            return shot if shot.get("source") == "training" else None

        first = wait_for(live, 30)
        later = wait_for(lambda: (s := live()) and s["iteration"] > first["iteration"] and s, 30)
        assert later["job"] == status(a, name)["job"] and later["labels"] == ["L", "O"]
    finally:
        a.delete(f"/api/recognizers/{name}/training")
    wait_for(lambda: ended(a, name), 30)


def test_a_queued_training_stopped_through_b_never_runs(
    cluster: Cluster, a: httpx.Client, b: httpx.Client
) -> None:
    busy = [new_recognizer(a, ("L", "O"), 3) for _ in range(2)]
    waiting = new_recognizer(a, ("L", "O"), 3)
    for name in busy:
        a.post(f"/api/recognizers/{name}/training", json=ENDLESS)
    try:
        wait_for(lambda: all(status(a, n)["state"] == "running" for n in busy), 60)
        queued = a.post(f"/api/recognizers/{waiting}/training", json={"max_iterations": 5})
        assert (queued.json()["state"], queued.json()["queue_position"]) == ("queued", 1)
        assert status(b, waiting)["queue_position"] == 1  # the same queue, seen from B
        assert b.post(f"/api/recognizers/{waiting}/training").status_code == 409
        stopped = b.delete(f"/api/recognizers/{waiting}/training").json()
        assert stopped["state"] == "stopped" and "nothing was trained" in stopped["outcome"]
        wait_for(lambda: status(a, waiting)["state"] == "stopped", 5)  # A hears it from Redis
    finally:
        for name in busy:
            b.delete(f"/api/recognizers/{name}/training")
    for name in busy:
        wait_for(lambda n=name: ended(a, n), 30)
    assert status(b, waiting)["state"] == "stopped"  # the workers never took it
    assert a.get(f"/api/recognizers/{waiting}").json()["model"]["trained"] is False


def test_deleted_while_a_worker_trains_it_a_new_one_of_that_name_starts_clean(
    cluster: Cluster, a: httpx.Client, b: httpx.Client
) -> None:
    name = training_endlessly(a)
    assert b.delete(f"/api/recognizers/{name}").status_code == 204
    assert a.get(f"/api/recognizers/{name}/training").status_code == 404
    assert a.post("/api/recognizers", json={"name": name}).status_code == 201

    def settled() -> dict[str, Any] | None:  # the worker noticed, stopped, and said nothing
        s = status(b, name)
        return s if s["state"] == "idle" and not training_processes(*roots) else None

    roots = [w.pid for w in cluster.workers]
    fresh = wait_for(settled, 30)
    assert fresh["iterations"] == 0 and fresh["history"] == []
    wait_for(lambda: status(a, name) == fresh, 5)  # A hears it from Redis
    assert a.get(f"/api/recognizers/{name}").json()["model"]["trained"] is False  # not its model


def test_ten_trainings_with_two_workers_never_run_more_than_two_at_once(
    cluster: Cluster, a: httpx.Client, b: httpx.Client
) -> None:
    names = [new_recognizer(a, ("L", "O"), 3) for _ in range(10)]
    peak, stop = [0], threading.Event()
    roots = [w.pid for w in cluster.workers]

    def watch() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], training_processes(*roots))

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        apis = [a, b]
        started = [
            apis[i % 2].post(f"/api/recognizers/{n}/training", json={"max_iterations": 30})
            for i, n in enumerate(names)
        ]
        assert all(r.status_code == 202 for r in started)
        positions = [status(b, n).get("queue_position") for n in names]
        assert any(p is not None and p >= 2 for p in positions), positions  # a real queue
        finals = [wait_for(lambda n=n: ended(b, n), 180) for n in names]
    finally:
        stop.set()
        watcher.join()
    assert [f["state"] for f in finals] == ["finished"] * 10, cluster.logs()
    assert 1 <= peak[0] <= 2  # the cluster-wide bar: 2 workers x concurrency 1


def test_a_worker_shut_down_mid_training_stops_it_and_keeps_the_model(
    cluster: Cluster, a: httpx.Client, b: httpx.Client
) -> None:
    """SIGTERM to the worker alone (what `docker stop` sends its main process)."""
    name = training_endlessly(a, passes=3)
    worker = next(w for w in cluster.workers if training_processes(w.pid) == 1)
    assert worker.process is not None
    worker.process.send_signal(signal.SIGTERM)
    final = wait_for(lambda: ended(b, name), 20)  # seconds, not the training's whole run
    assert final["state"] == "stopped" and final["iterations"] >= 3
    assert final["outcome"] == WORKER_SHUT_DOWN  # not the Stop button: the status says why
    assert b.get(f"/api/recognizers/{name}/model").json()["iterations"] == final["iterations"]
    assert worker.process.wait(20) == 0  # and the worker left cleanly
    worker.start()


def test_a_worker_killed_mid_training_reads_worker_lost(
    cluster: Cluster, a: httpx.Client, b: httpx.Client
) -> None:
    """Runs last in this module: it kills a worker (and starts a new one)."""
    name = new_recognizer(a, ("L", "O"))
    a.post(f"/api/recognizers/{name}/training", json={"max_iterations": 5})
    wait_for(lambda: ended(a, name), 60)
    before = a.get(f"/api/recognizers/{name}/model").json()
    a.post(f"/api/recognizers/{name}/training", json=ENDLESS)
    wait_for(lambda: (s := status(a, name))["state"] == "running" and s["iterations"] >= 3, 60)
    victim = next(w for w in cluster.workers if training_processes(w.pid) == 1)
    [horse] = [
        pid
        for pid, p in live_processes().items()
        if p.name == PROCESS_NAME and p.ppid == victim.pid
    ]
    victim.kill()
    final = wait_for(lambda: ended(b, name), 40)  # heartbeat expiry + a sweep, bounded
    assert final["state"] == "failed" and "worker lost" in final["error"]
    # RQ's work horse has a process group of its own: it outlives the kill, but not by long.
    wait_for(lambda: horse not in live_processes(), 10)
    assert a.get(f"/api/recognizers/{name}/model").json() == before  # never half-written
    # The other worker still takes trainings, and the recognizer can train again.
    victim.start()
    again = a.post(f"/api/recognizers/{name}/training", json={"max_iterations": 5})
    assert again.status_code == 202
    assert wait_for(lambda: ended(b, name, again.json()["job"]), 60)["state"] == "finished"
