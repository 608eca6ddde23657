"""The lab (/lab): what a step and a boundary cost, how many events a listener gets, and whether
4 lab runs training (each followed by a page-like event listener) slow Check or a recognizer's
training.

    .venv/bin/python -m bench.lab            # alone: starts its own server, prints its rows

In-process costs: medians of many calls with BLAS on 1 thread, as the server runs. Over HTTP:
Check latency (1 and 8 keep-alive clients, unseen drawings) in blocks alternating between no
lab runs and 4 (XOR, the identity fed 256 pointer samples, the infections linear model and tanh
net), each with one SSE listener; the server's CPU share with the 4 runs and nothing else; and
a recognizer's training's passes per second without and with them, windows alternating.
"""

import math
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import numpy as np
from threadpoolctl import threadpool_limits

from app.lab.encode import boundary_text
from app.lab.manager import TICK_S
from app.lab.run import Run
from app.lab.tasks import resolve
from bench import client, server
from bench.common import Row, log, median, median_us
from bench.http import cpu_seconds
from bench.quality import check_requests, ensure_check_recognizer

BLOCK_S = 2.0
ROUNDS = 4
CLIENTS = (1, 8)
RUNS: list[dict[str, Any]] = [
    {"task": "xor", "learning_rate": 0.05},  # slow: it trains all along
    {"task": "identity", "activation": "tanh"},
    {"task": "infections"},
    {"task": "infections", "hidden_layers": [3]},
]


def costs() -> list[Row]:
    """Per task: one tick's step (its passes), the boundary alone, the run's whole JSON."""
    rows: list[Row] = []
    points = np.random.default_rng(0).uniform(-1, 1, size=(256, 2))
    with threadpool_limits(limits=1):
        for body in RUNS:
            settings = {k: v for k, v in body.items() if k != "task"}
            run = Run("bench", resolve(body["task"], **settings), 0.0)
            if body["task"] == "identity":
                run.add_samples(points, points)
            passes = run.passes_per_tick()

            def snapshot(run: Run = run) -> None:
                run.version += 1
                run.json()

            step = median_us(lambda run=run, passes=passes: run.train(passes), 200)
            boundary = median_us(lambda run=run: run.outputs(run.grid), 300)
            encoded = median_us(lambda run=run: boundary_text(run.outputs(run.grid)[:, 0]), 300)
            whole = median_us(snapshot, 100)
            rows.append(
                {
                    "bench": "lab-cost",
                    "task": body["task"],
                    "label": _label(body),
                    "n": run.config.boundary_size,
                    "passes": passes,
                    "step_us": step,
                    "boundary_us": boundary,
                    "boundary_json_us": encoded,
                    "json_us": whole,
                    "json_kb": len(run.json()) / 1024,
                    "share": (step + whole) * 1e-6 / TICK_S,  # of one core, at 20 ticks/s
                }
            )
            r = rows[-1]
            log(
                f"lab {r['label']}: step {step:.0f} µs ({passes} passes), boundary n={r['n']} "
                f"{boundary:.0f} µs (+ JSON {encoded:.0f} µs), run JSON {whole:.0f} µs "
                f"({r['json_kb']:.1f} kB)"
            )
    return rows


def _label(body: dict[str, Any]) -> str:
    extra = ", ".join(f"{k} {v}" for k, v in body.items() if k != "task")
    return str(body["task"]) + (f" ({extra})" if extra else "")


class Listener(threading.Thread):
    """A page's events stream on one run: counts `event: progress` until stopped."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url, self.count, self.stopped = url, 0, threading.Event()

    def run(self) -> None:
        with httpx.stream("GET", self.url, timeout=httpx.Timeout(30)) as r:
            for line in r.iter_lines():
                if line.startswith("event: progress"):
                    self.count += 1
                if self.stopped.is_set():
                    return


@contextmanager
def lab_runs(api: httpx.Client, url: str) -> Iterator[list[Listener]]:
    """The 4 runs of RUNS, each followed by a listener; deleted on the way out."""
    ids = []
    listeners = []
    try:
        for body in RUNS:
            r = api.post("/api/lab/runs", json=body)
            r.raise_for_status()
            ids.append(r.json()["id"])
            if body["task"] == "identity":
                t = np.linspace(0, 2 * math.pi, 256)
                pts = np.round(np.column_stack([0.8 * np.sin(t), 0.7 * np.sin(2 * t)]), 4)
                data = {"inputs": pts.tolist(), "targets": pts.tolist()}
                api.post(f"/api/lab/runs/{ids[-1]}/samples", json=data).raise_for_status()
            listeners.append(Listener(f"{url}/api/lab/runs/{ids[-1]}/events"))
            listeners[-1].start()
        time.sleep(0.5)
        yield listeners
    finally:
        for listener in listeners:
            listener.stopped.set()
        for run_id in ids:
            api.delete(f"/api/lab/runs/{run_id}")


def _events_per_s(listeners: list[Listener], seconds: float) -> list[float]:
    before = [listener.count for listener in listeners]
    time.sleep(seconds)
    return [(x.count - b) / seconds for x, b in zip(listeners, before, strict=True)]


def check_and_events(url: str, pid: int | None, rounds: int) -> list[Row]:
    checks = check_requests()
    lat: dict[tuple[str, int], list[client.Load]] = {}
    cpu: dict[str, list[float]] = {"idle": [], "lab": []}
    events: list[float] = []
    with httpx.Client(base_url=url, timeout=60) as api:
        ensure_check_recognizer(api)
        for rnd in range(rounds):
            order = ("idle", "lab") if rnd % 2 == 0 else ("lab", "idle")
            for state in order:
                with lab_runs(api, url) if state == "lab" else _nothing() as listeners:
                    before = cpu_seconds(pid)
                    if listeners:
                        events += _events_per_s(listeners, BLOCK_S)
                    else:
                        time.sleep(BLOCK_S)
                    cpu[state].append((cpu_seconds(pid) - before) / BLOCK_S)
                    for clients in CLIENTS:
                        result = client.load(url, checks, clients, BLOCK_S)
                        if result.errors:
                            raise RuntimeError(f"Check: {result.errors} non-200 answers")
                        lat.setdefault((state, clients), []).append(result)
            log(
                f"lab round {rnd + 1}/{rounds}: Check p50 1 client "
                f"{_p(lat[('idle', 1)][-1], 50):.2f} ms idle, {_p(lat[('lab', 1)][-1], 50):.2f} "
                f"ms with 4 lab runs; events/s {min(events[-4:]):.1f}-{max(events[-4:]):.1f}"
            )
    rows: list[Row] = []
    for clients in CLIENTS:
        idle, busy = lat[("idle", clients)], lat[("lab", clients)]
        rows.append(
            {
                "bench": "lab-check",
                "clients": clients,
                "idle_p50_ms": median([_p(x, 50) for x in idle]),
                "lab_p50_ms": median([_p(x, 50) for x in busy]),
                "idle_p99_ms": median([_p(x, 99) for x in idle]),
                "lab_p99_ms": median([_p(x, 99) for x in busy]),
                "idle_rps": median([x.rps for x in idle]),
                "lab_rps": median([x.rps for x in busy]),
            }
        )
    rows.append(
        {
            "bench": "lab-events",
            "runs": len(RUNS),
            "events_per_s": median(events),
            "events_per_s_fewest": min(events),
            "server_cpu_idle": median(cpu["idle"]),
            "server_cpu_lab": median(cpu["lab"]),
        }
    )
    return rows


@contextmanager
def _nothing() -> Iterator[list[Listener]]:
    yield []


def _p(load: client.Load, q: float) -> float:
    return server.percentile(load.latencies, q) * 1e3


TRAIN_NAME = "lab-load"  # 16 labels x 40 drawings, default settings, runs until stopped
TRAIN_WINDOW_S = 4.0


def _rate(api: httpx.Client, seconds: float) -> float:
    it0, t0 = server.iteration_mark(api, TRAIN_NAME, timeout=30)
    time.sleep(seconds)
    it1, t1 = server.iteration_mark(api, TRAIN_NAME, timeout=30)
    return (it1 - it0) / (t1 - t0)


def training(url: str, rounds: int) -> list[Row]:
    """A recognizer's training (in its own process): passes per second alone and with the 4
    lab runs, windows alternating."""
    alone: list[float] = []
    with_lab: list[float] = []
    with httpx.Client(base_url=url, timeout=120) as api:
        if api.get(f"/api/recognizers/{TRAIN_NAME}").status_code == 404:
            server.create(api, TRAIN_NAME, {"patience": 0})
            drawings = server.drawings(server.LOAD_LABELS, 40, seed=7)
            server.load_samples(api, TRAIN_NAME, drawings)
        server.start_training(api, TRAIN_NAME, target_mse=0, max_iterations=10_000_000)
        server.iteration_mark(api, TRAIN_NAME, timeout=30)
        try:
            for rnd in range(rounds):
                if rnd % 2 == 0:
                    alone.append(_rate(api, TRAIN_WINDOW_S))
                with lab_runs(api, url):
                    with_lab.append(_rate(api, TRAIN_WINDOW_S))
                if rnd % 2 == 1:
                    alone.append(_rate(api, TRAIN_WINDOW_S))
                log(f"lab: training {alone[-1]:.1f} passes/s alone, {with_lab[-1]:.1f} with lab")
        finally:
            server.stop_training(api, TRAIN_NAME)
    ratios = [b / a for a, b in zip(alone, with_lab, strict=True)]
    return [
        {
            "bench": "lab-train",
            "alone": median(alone),
            "with_lab": median(with_lab),
            "ratio": median(ratios),
            "ratios": ratios,
        }
    ]


def run(url: str, pid: int | None = None, rounds: int = ROUNDS) -> list[Row]:
    return costs() + check_and_events(url, pid, rounds) + training(url, rounds)


if __name__ == "__main__":
    from bench.report_lab import lab_section

    with server.running() as s:
        rows = run(s.url, s.process.pid if s.process else None)
    verdicts: list[tuple[str, str, bool | None]] = []
    print("\n".join(lab_section(rows, verdicts)))
    for target, measured, ok in verdicts:
        print(f"{'PASS' if ok else 'MISS'}  {target}: {measured}")
