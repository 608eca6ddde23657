"""A real `hwr serve` for the HTTP benchmarks, and the few API calls they need to set it up."""

import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from app.synth import SHAPES, dataset
from tests.helpers import Server

ALPHABET = list(SHAPES)[:10]  # the 10-label alphabet of item 5 (and the Check recognizer)
LOAD_LABELS = list(SHAPES)  # 16 labels for the ~2,600-sample recognizer of a long training


@contextmanager
def running() -> Iterator[Server]:
    """A server on a free loopback port with a fresh data folder; stopped (and its training
    processes with it) on the way out."""
    with tempfile.TemporaryDirectory(prefix="hwr-bench-") as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        server = Server(data).start()
        try:
            yield server
        finally:
            server.stop()


def drawings(
    labels: list[str], per_label: int, seed: int
) -> list[tuple[str, list[list[list[float]]]]]:
    """Synthetic jittered drawings, coordinates rounded to 0.1 px (as a canvas would send)."""
    return [
        (label, [[[round(v, 1) for v in p] for p in stroke] for stroke in strokes])
        for label, strokes in dataset(labels, per_label, seed)
    ]


def create(client: httpx.Client, name: str, network: Any = None) -> None:
    body: dict[str, Any] = {"name": name}
    if network is not None:
        body["network"] = network
    r = client.post("/api/recognizers", json=body)
    r.raise_for_status()


def load_samples(
    client: httpx.Client, name: str, samples: list[tuple[str, list[list[list[float]]]]]
) -> None:
    doc = {
        "format": "hwr-dataset/1",
        "samples": [{"label": label, "strokes": strokes} for label, strokes in samples],
    }
    client.post(f"/api/recognizers/{name}/dataset", json=doc, timeout=120).raise_for_status()


def start_training(client: httpx.Client, name: str, **body: Any) -> dict[str, Any]:
    r = client.post(f"/api/recognizers/{name}/training", json=body)
    r.raise_for_status()
    return dict(r.json())


def status(client: httpx.Client, name: str) -> dict[str, Any]:
    r = client.get(f"/api/recognizers/{name}/training")
    r.raise_for_status()
    return dict(r.json())


def wait_done(
    client: httpx.Client, name: str, timeout: float = 300, poll: float = 0.005
) -> dict[str, Any]:
    """Poll the status until the training has ended; the final status."""
    deadline = time.monotonic() + timeout
    while True:
        s = status(client, name)
        if s["state"] not in ("running", "stopping"):
            return s
        if time.monotonic() > deadline:
            raise TimeoutError(f"training of {name} still {s['state']} after {timeout} s")
        time.sleep(poll)


def stop_training(client: httpx.Client, name: str) -> dict[str, Any]:
    client.delete(f"/api/recognizers/{name}/training").raise_for_status()
    return wait_done(client, name, timeout=30)


def load_recognizer(client: httpx.Client, name: str = "load", per_label: int = 163) -> int:
    """A recognizer with ~2,600 samples (16 labels x 163) for long trainings; sample count.
    Patience 0: its trainings run until stopped (validation would end them after ~60 passes)."""
    create(client, name, {"patience": 0})
    samples = drawings(LOAD_LABELS, per_label, seed=7)
    load_samples(client, name, samples)
    return len(samples)


@contextmanager
def endless_training(url: str, name: str = "load") -> Iterator[httpx.Client]:
    """A client, with a training of the ~2,600-sample recognizer (loaded on first use) running
    until the block ends and already reporting progress; the training is stopped on the way out."""
    with httpx.Client(base_url=url, timeout=120) as client:
        if client.get(f"/api/recognizers/{name}").status_code == 404:
            load_recognizer(client, name)
        start_training(client, name, target_mse=0, max_iterations=10_000_000)
        iteration_mark(client, name)
        try:
            yield client
        finally:
            stop_training(client, name)


def iteration_mark(client: httpx.Client, name: str, timeout: float = 30.0) -> tuple[int, float]:
    """(iterations, time) at the moment the reported iteration count changes: the status moves
    in steps (one per progress report), so the rate is measured between step edges. The first
    pass of a training with the defaults (2,600 drawings: rasterising their variants, three
    networks) can take several seconds on a busy machine."""
    first = status(client, name)["iterations"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = status(client, name)["iterations"]
        if now != first:
            return int(now), time.perf_counter()
        time.sleep(0.002)
    raise TimeoutError("the training reported no progress")


def passes_per_second(client: httpx.Client, name: str, window: float = 2.0) -> float:
    """Passes per second of the running training over about `window` seconds, measured
    between two edges of the reported iteration count."""
    it0, t0 = iteration_mark(client, name)
    time.sleep(window)
    it1, t1 = iteration_mark(client, name)
    return (it1 - it0) / (t1 - t0)


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")
