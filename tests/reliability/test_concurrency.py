"""Concurrency against a real server: parallel posts and starts, stop/start/delete races, and
100 listeners on the events stream. No 500, no stuck `running`, no orphaned worker, no leak."""

import asyncio
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from app.synth import dataset
from tests.helpers import Server, wait_for
from tests.reliability.conftest import forked_workers
from tests.sse import aevents

pytestmark = pytest.mark.server
LONG = {"max_iterations": 10_000_000, "target_mse": 0}
ACTIVE = ("running", "stopping")


def add_samples(url: str, recognizer: str, labels: list[str], per_label: int) -> list[int]:
    with httpx.Client(base_url=url) as http:
        if recognizer != "default":
            body = {"name": recognizer, "network": {"hidden_layers": [16]}}
            assert http.post("/api/recognizers", json=body).status_code == 201
        ids = []
        for label, strokes in dataset(labels, per_label, seed=7):
            r = http.post(
                f"/api/recognizers/{recognizer}/samples", json={"label": label, "strokes": strokes}
            )
            assert r.status_code == 201, r.text
            ids.append(r.json()["id"])
    return ids


def at_once(n: int, call: Callable[[int], httpx.Response]) -> list[httpx.Response]:
    """Run call(0..n-1) in n threads released together by a barrier."""
    barrier = threading.Barrier(n)

    def go(i: int) -> httpx.Response:
        barrier.wait()
        return call(i)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(go, range(n)))


def health(server: Server) -> dict[str, Any]:
    return dict(httpx.get(server.url + "/api/health").json())


def settled(server: Server, recognizer: str, timeout: float = 30) -> dict[str, Any]:
    """Wait until no training runs anywhere and no worker process is left; the last status."""
    assert server.process is not None
    deadline = time.monotonic() + timeout
    while True:
        r = httpx.get(f"{server.url}/api/recognizers/{recognizer}/training")
        status = r.json() if r.status_code == 200 else {"state": "gone"}
        running, workers = health(server)["trainings"], forked_workers(server.process.pid)
        if status["state"] not in ACTIVE and not running and not workers:
            return dict(status)
        if time.monotonic() > deadline:
            raise AssertionError(f"not settled: {status}, {running} running, workers {workers}")
        time.sleep(0.02)


def test_50_concurrent_sample_posts_are_all_stored(live_server: Server) -> None:
    drawings = list(dataset(["L", "O", "X", "T", "V"], 10, seed=11))
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        responses = at_once(
            50,
            lambda i: http.post(
                "/api/recognizers/default/samples",
                json={"label": drawings[i][0], "strokes": drawings[i][1]},
            ),
        )
        assert [r.status_code for r in responses] == [201] * 50
        ids = [r.json()["id"] for r in responses]
        assert len(set(ids)) == 50
        stored = http.get("/api/recognizers/default/samples").json()
        assert sorted(s["id"] for s in stored) == sorted(ids)
        by_id = {r.json()["id"]: r.json()["label"] for r in responses}
        assert all(by_id[s["id"]] == s["label"] for s in stored)


def test_20_concurrent_training_starts_give_exactly_one_202(live_server: Server) -> None:
    add_samples(live_server.url, "default", ["L", "O"], 3)
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        responses = at_once(20, lambda i: http.post("/api/recognizers/default/training", json=LONG))
        codes = sorted(r.status_code for r in responses)
        assert codes == [202] + [409] * 19, codes
        assert all("already running" in r.text for r in responses if r.status_code == 409)
        assert health(live_server)["trainings"] == 1
        assert http.delete("/api/recognizers/default/training").status_code == 200
    assert settled(live_server, "default")["state"] == "stopped"


def test_stop_and_start_racing(live_server: Server) -> None:
    add_samples(live_server.url, "default", ["L", "O"], 3)
    url = live_server.url + "/api/recognizers/default/training"
    codes: list[int] = []
    with httpx.Client(timeout=30) as http:
        for _ in range(8):
            responses = at_once(
                6,
                lambda i: (
                    http.post(url, json={"max_iterations": 200, "target_mse": 0})
                    if i % 2
                    else http.delete(url)
                ),
            )
            codes += [r.status_code for r in responses]
            for r in responses:
                if r.status_code != 409:
                    # "queued": a stop may land between a start's queueing and its launch.
                    assert r.json()["state"] in (
                        "queued",
                        "idle",
                        "running",
                        "stopping",
                        "finished",
                        "stopped",
                    )
        http.delete(url)
    assert set(codes) <= {200, 202, 409}, codes
    assert 202 in codes
    assert settled(live_server, "default")["state"] in ("finished", "stopped")


def test_delete_a_recognizer_while_it_trains(live_server: Server) -> None:
    add_samples(live_server.url, "victim", ["L", "O", "X"], 4)
    base = live_server.url + "/api/recognizers/victim"
    with httpx.Client(timeout=30) as http:
        assert http.post(base + "/training", json=LONG).status_code == 202
        wait_for(lambda: http.get(base + "/training").json()["iterations"] > 0)
        assert http.delete(base).status_code == 204
        assert http.get(base).status_code == 404
        assert http.get(base + "/training").status_code == 404
        assert settled(live_server, "victim")["state"] == "gone"
        # A new recognizer of the same name starts clean: no model, no status of the old one.
        assert (
            http.post(live_server.url + "/api/recognizers", json={"name": "victim"}).status_code
            == 201
        )
        fresh = http.get(base).json()
        assert fresh["samples"] == 0 and not fresh["model"]["trained"]
        assert fresh["training"]["state"] == "idle"


def start_or_delete(http: httpx.Client, base: str, i: int) -> httpx.Response:
    return http.post(base + "/training", json=LONG) if i % 2 else http.delete(base)


def test_delete_racing_with_start(live_server: Server) -> None:
    """Start and delete at the same moment, again and again: whatever wins, nothing is left
    running for a recognizer that is gone."""
    codes: list[int] = []
    for round_ in range(6):
        name = f"race{round_}"
        add_samples(live_server.url, name, ["L", "O"], 2)
        base = f"{live_server.url}/api/recognizers/{name}"
        with httpx.Client(timeout=30) as http:
            responses = at_once(4, lambda i, base=base: start_or_delete(http, base, i))
        codes += [r.status_code for r in responses]
        assert settled(live_server, name)["state"] == "gone"
    assert set(codes) <= {202, 204, 404, 409}, codes
    assert 204 in codes


def test_delete_samples_while_it_trains(live_server: Server) -> None:
    ids = add_samples(live_server.url, "default", ["L", "O", "X"], 5)
    base = live_server.url + "/api/recognizers/default"
    with httpx.Client(timeout=30) as http:
        assert http.post(base + "/training", json=LONG).status_code == 202
        wait_for(lambda: http.get(base + "/training").json()["iterations"] > 0)
        doomed = ids[::3]
        responses = at_once(len(doomed), lambda i: http.delete(f"{base}/samples/{doomed[i]}"))
        assert [r.status_code for r in responses] == [204] * len(doomed)
        assert http.get(base + "/training").json()["state"] == "running"
        http.delete(base + "/training")
        assert settled(live_server, "default")["state"] == "stopped"
        summary = http.get(base).json()
        assert summary["samples"] == len(ids) - len(doomed)
        assert summary["model"]["trained"] and summary["model"]["stale"]


# --- the events stream ---------------------------------------------------------------------------


async def listen(
    client: httpx.AsyncClient, path: str, seen: dict[str, int], log: list[str]
) -> list[tuple[str, dict[str, Any]]]:
    """Read one events stream to its `done`; count what every listener has seen in `seen`."""
    read: list[tuple[str, dict[str, Any]]] = []
    async with client.stream("GET", path) as r:
        assert r.status_code == 200
        async for name, data in aevents(r.aiter_lines()):
            if name not in [e for e, _ in read]:
                seen[name] = seen.get(name, 0) + 1
            read.append((name, data))
            if name == "done":
                return read
    log.append("stream ended without done")
    return read


async def until(probe: Callable[[], bool], timeout: float = 30) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not probe():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


@pytest.mark.slow
def test_100_listeners_all_get_progress_and_done_and_are_freed(live_server: Server) -> None:
    add_samples(live_server.url, "default", ["L", "O", "X", "T"], 6)
    path = "/api/recognizers/default/training/events"

    async def main() -> list[list[tuple[str, dict[str, Any]]]]:
        seen: dict[str, int] = {}
        log: list[str] = []
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
        timeout = httpx.Timeout(60)
        async with httpx.AsyncClient(base_url=live_server.url, limits=limits, timeout=timeout) as c:
            tasks = [asyncio.create_task(listen(c, path, seen, log)) for _ in range(100)]
            await until(lambda: seen.get("status", 0) == 100)
            assert (await c.get("/api/health")).json()["listeners"] == 100
            assert (await c.post("/api/recognizers/default/training", json=LONG)).status_code == 202
            await until(lambda: seen.get("progress", 0) == 100)
            assert (await c.delete("/api/recognizers/default/training")).status_code == 200
            results = await asyncio.wait_for(asyncio.gather(*tasks), 30)
        assert not log
        return results

    results = asyncio.run(main())
    for events in results:
        names = [name for name, _ in events]
        assert names[0] == "status" and names[-1] == "done"
        assert "progress" in names
        assert events[-1][1]["state"] == "stopped"
    wait_for(lambda: health(live_server)["listeners"] == 0, timeout=10)


class Stream:
    """One open events stream, read event by event (one line iterator for its whole life)."""

    def __init__(self, response: httpx.Response) -> None:
        self.response, self.events = response, aevents(response.aiter_lines())

    @classmethod
    async def open(cls, client: httpx.AsyncClient, path: str) -> "Stream":
        return cls(await client.send(client.build_request("GET", path), stream=True))

    async def next_event(self) -> str | None:
        """The name of the next event, or None when the server ended the stream."""
        event = await anext(self.events, None)
        return None if event is None else event[0]

    async def until_done(self) -> None:
        while (name := await self.next_event()) != "done":
            assert name is not None, "the stream ended without done"
        await self.response.aclose()


def test_listeners_that_disconnect_are_freed(live_server: Server) -> None:
    """Idle streams and streams during a training: clients that hang up free their listener."""
    add_samples(live_server.url, "default", ["L", "O"], 3)
    path = "/api/recognizers/default/training/events"

    def listeners() -> int:
        return int(health(live_server)["listeners"])

    async def open_streams(c: httpx.AsyncClient, n: int) -> list[Stream]:
        streams = [await Stream.open(c, path) for _ in range(n)]
        for stream in streams:
            assert await stream.next_event() == "status"
        return streams

    async def main() -> None:
        limits = httpx.Limits(max_connections=100)
        async with httpx.AsyncClient(base_url=live_server.url, limits=limits, timeout=60) as c:
            idle = await open_streams(c, 30)
            assert listeners() == 30
            for stream in idle:  # hang up
                await stream.response.aclose()
            await until(lambda: listeners() == 0)
            assert (await c.post("/api/recognizers/default/training", json=LONG)).status_code == 202
            busy = await open_streams(c, 20)
            for stream in busy[:12]:
                assert await stream.next_event() == "progress"
                await stream.response.aclose()
            await until(lambda: listeners() == 8)
            await c.delete("/api/recognizers/default/training")
            await asyncio.wait_for(asyncio.gather(*(s.until_done() for s in busy[12:])), 30)
            await until(lambda: listeners() == 0)

    asyncio.run(main())
