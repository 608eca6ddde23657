"""The live network view: what a snapshot costs (bytes, ms to build one), and whether 10 pages
watching a training slow it (passes per second with 0 and 10 viewers, rounds alternating).

The training: the 'load' recognizer (~2,600 samples), as in the events benchmark. A viewer polls
GET .../network every 200 ms, as the page does while the view is visible.
"""

import threading
import time

import httpx
import numpy as np

from app.nn.ensemble import merge
from app.nn.network import Network
from app.snapshot import snapshot
from bench import server
from bench.common import Row, log, median

VIEWERS = 10
POLL_S = 0.2
ROUNDS = 6
WARM_PASSES = 40
WINDOW_S = 5.0  # a 2 s window's rate moved +-20% between windows, watched or not


def _rate(api: httpx.Client) -> float:
    return server.passes_per_second(api, "load", WINDOW_S)


def _watch(url: str, stop: threading.Event, sizes: list[int]) -> None:
    with httpx.Client(base_url=url, timeout=30) as c:
        while not stop.is_set():
            r = c.get("/api/recognizers/load/network")
            if r.status_code == 200:
                sizes.append(len(r.content))
            stop.wait(POLL_S)


def frame_cost(repeats: int = 50) -> tuple[int, float]:
    """Bytes of JSON and ms to build one snapshot of member 0 of a 3 x 144-144-26 ensemble."""
    rng = np.random.default_rng(0)
    nets = [Network([144, 144, 26], output_activation="softmax", rng=rng) for _ in range(3)]
    net = merge(nets)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        shot = snapshot(net.W, net.b, True, 3, 0, source="training")
        times.append(time.perf_counter() - t)
    import json

    return len(json.dumps(shot)), median(times) * 1e3


def run(url: str, rounds: int = ROUNDS) -> list[Row]:
    size, ms = frame_cost()
    log(f"viewers: a 144-144-26 snapshot is {size / 1024:.1f} KB, built in {ms:.2f} ms")
    alone: list[float] = []
    watched: list[float] = []
    sizes: list[int] = []
    with server.endless_training(url) as api:
        # Not counted: a training's first passes are several times slower (each drawing's
        # augmented variants are made as the passes first need them).
        deadline = time.monotonic() + 120
        while server.status(api, "load")["iterations"] < WARM_PASSES:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the training did not reach {WARM_PASSES} passes")
            time.sleep(0.1)
        for rnd in range(rounds):
            if rnd % 2 == 0:
                alone.append(_rate(api))
            stop = threading.Event()
            threads = [
                threading.Thread(target=_watch, args=(url, stop, sizes), daemon=True)
                for _ in range(VIEWERS)
            ]
            for t in threads:
                t.start()
            watched.append(_rate(api))
            stop.set()
            for t in threads:
                t.join(10)
            time.sleep(2.5)  # the worker stops sending once nobody asked for 2 s
            if rnd % 2 == 1:
                alone.append(_rate(api))
            log(
                f"viewers round {rnd + 1}/{rounds}: {alone[-1]:.1f} passes/s alone, "
                f"{watched[-1]:.1f} with {VIEWERS} viewers"
            )
    ratios = [b / a for a, b in zip(alone, watched, strict=True)]
    return [
        {
            "bench": "viewers",
            "viewers": VIEWERS,
            "snapshot_bytes": size,
            "snapshot_ms": ms,
            "served_bytes": median([float(s) for s in sizes]) if sizes else None,
            "passes_per_s_alone": median(alone),
            "passes_per_s_watched": median(watched),
            "ratio": median(ratios),
            "ratios": ratios,
            "window_s": WINDOW_S,
            "warm_passes": WARM_PASSES,
        }
    ]
