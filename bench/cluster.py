"""Scale-out mode on one machine: PostgreSQL + Redis + `hwr serve` x 2 + `hwr worker` x 1-2.

1. Trainings per minute with 1 worker and with 2 workers (each concurrency 1): 8 recognizers
   (10 drawings x 5 labels each) trained for a fixed amount of work (exactly PASSES passes: no
   target, no early stop), all started at once through API process A; the time from the first
   start to the last `finished_at` (as the workers published it in Redis; a status that API
   process A still answers differently 3 s after the end is reported). Rounds in the order
   1, 2, 2, 1 workers (the second worker is stopped and started between them); each round
   trains new recognizers.
2. Check latency on API process B (a recognizer trained through B, unseen drawings, 1 and 4
   keep-alive clients) idle, and while 2 endless trainings started through A run on the 2
   workers; blocks alternate idle and busy; medians over rounds.

Needs PostgreSQL and redis-server installed (as the cluster tests do); without them the section
is one row saying why it was skipped. Alone: `.venv/bin/python -m bench.cluster [--quick]`.
"""

import argparse
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from redis import Redis

from app.jobs import bus
from app.jobs.status import ACTIVE
from app.schemas import TrainingStatus
from bench import client, server
from bench.common import Row, log, median
from tests.helpers import Server, Worker, wait_for

RECOGNIZERS = 8  # trainings per throughput round
LABELS = server.ALPHABET[:5]
PER_LABEL = 10
PASSES = 75  # each training's fixed work
ORDER = (1, 2, 2, 1)  # workers per throughput round
CHECK_CLIENTS = (1, 4)
CHECK_REQUESTS = 300  # per block, at most
CHECK_BLOCK_S = 3.0  # per block, at most
CHECK_ROUNDS = 2
ENDLESS = {"max_iterations": 10**7, "target_mse": 0, "network": {"patience": 0}}


@contextmanager
def services() -> Iterator[tuple[str, str]]:
    """(database URL, Redis URL) of throwaway servers; ServiceMissing when one isn't installed."""
    from tests.services import create_database, postgres_server, redis_server

    with ExitStack() as stack:
        base = stack.enter_context(postgres_server())
        redis_url = stack.enter_context(redis_server())
        yield create_database(base), redis_url


def _seconds(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def _recognizer(api: httpx.Client, name: str, labels: list[str], seed: int) -> None:
    server.create(api, name, {"patience": 0})
    server.load_samples(api, name, server.drawings(labels, PER_LABEL, seed))


def _truth(redis: Redis, names: list[str]) -> list[TrainingStatus]:
    """The statuses as the workers published them (Redis), whatever an API process caches."""
    out = [bus.read_status(redis, n) for n in names]
    return [s if s is not None else TrainingStatus() for s in out]


def _ended(redis: Redis, names: list[str]) -> list[TrainingStatus] | None:
    statuses = _truth(redis, names)
    return None if any(s.state in ACTIVE for s in statuses) else statuses


def _running(redis: Redis, names: list[str]) -> bool:
    return all(s.state == "running" and s.iterations > 0 for s in _truth(redis, names))


def _stale(api: httpx.Client, truth: list[TrainingStatus], names: list[str]) -> list[str]:
    """Names whose status the API process still answers differently from Redis 3 s after the
    end (it should follow within milliseconds): the figures come from Redis, this is reported."""
    deadline = time.monotonic() + 3
    while True:
        wrong = [
            n
            for n, t in zip(names, truth, strict=True)
            if server.status(api, n)["state"] != t.state
        ]
        if not wrong or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    if wrong:
        log(f"cluster: WARNING: API process A still answers an old state for {wrong}")
    return wrong


def throughput_round(
    api: httpx.Client, redis: Redis, round_no: int, workers: int
) -> dict[str, Any]:
    """Start RECOGNIZERS trainings at once; trainings per minute from the first start to the
    last finish, and the longest queue seen."""
    names = [f"t{round_no}_{i}" for i in range(RECOGNIZERS)]
    for i, name in enumerate(names):
        _recognizer(api, name, LABELS, seed=100 * round_no + i)
    work = {"max_iterations": PASSES, "target_mse": 0, "network": {"patience": 0}}
    t0 = time.time()
    queued = [server.start_training(api, name, **work) for name in names]
    statuses = wait_for(lambda: _ended(redis, names), 300, 0.25)
    bad = [s for s in statuses if s.state != "finished" or s.iterations != PASSES]
    if bad:
        raise RuntimeError(f"trainings did not finish {PASSES} passes: {bad[:2]}")
    span = max(_seconds(s.finished_at or "") for s in statuses) - t0
    per_min = RECOGNIZERS / span * 60
    longest = max((s.get("queue_position") or 0) for s in queued)
    log(
        f"cluster: {workers} worker(s), {RECOGNIZERS} trainings x {PASSES} passes in {span:.1f} s "
        f"= {per_min:.1f}/min (queue_position up to {longest})"
    )
    stale = _stale(api, statuses, names)
    return {"workers": workers, "seconds": span, "per_min": per_min, "stale": stale}


def check_latency(
    a: httpx.Client, b: httpx.Client, redis: Redis, b_url: str, rounds: int
) -> list[Row]:
    """Check p50/p95 on B idle and while 2 trainings started through A run."""
    _recognizer(b, "check", server.ALPHABET, seed=5)
    server.start_training(b, "check", max_iterations=30, target_mse=0)
    wait_for(lambda: _ended(redis, ["check"]), 120, 0.2)
    busy_names = ["busy0", "busy1"]
    for i, name in enumerate(busy_names):
        _recognizer(a, name, LABELS, seed=900 + i)
    unseen = server.drawings(server.ALPHABET, 4, seed=4321)
    requests = [
        client.request_bytes("POST", "/api/recognizers/check/check", {"strokes": s})
        for _, s in unseen
    ]
    client.load(b_url, requests, 1, 1.0, 30)  # warm: B reads the model once
    lat: dict[tuple[str, int], list[list[float]]] = {}
    for rnd in range(rounds):
        for state in ("idle", "busy") if rnd % 2 == 0 else ("busy", "idle"):
            if state == "busy":
                for name in busy_names:
                    server.start_training(a, name, **ENDLESS)
                wait_for(lambda: _running(redis, busy_names), 60, 0.05)
            for n in CHECK_CLIENTS:
                result = client.load(b_url, requests, n, CHECK_BLOCK_S, CHECK_REQUESTS)
                if result.errors:
                    raise RuntimeError(f"Check on B: {result.errors} non-200 answers")
                lat.setdefault((state, n), []).append(result.latencies)
            if state == "busy":
                for name in busy_names:
                    a.delete(f"/api/recognizers/{name}/training").raise_for_status()
                wait_for(lambda: _ended(redis, busy_names), 60, 0.1)
        log(f"cluster: Check round {rnd + 1}/{rounds} done")
    rows: list[Row] = []
    for n in CHECK_CLIENTS:
        row: Row = {"bench": "cluster", "part": "check", "clients": n}
        for state in ("idle", "busy"):
            blocks = lat[(state, n)]
            row[f"{state}_p50_ms"] = median([server.percentile(x, 50) * 1e3 for x in blocks])
            row[f"{state}_p95_ms"] = median([server.percentile(x, 95) * 1e3 for x in blocks])
            row[f"{state}_requests"] = sum(len(x) for x in blocks)
        row["ratio_p50"] = row["busy_p50_ms"] / row["idle_p50_ms"]
        row["ratio_p95"] = row["busy_p95_ms"] / row["idle_p95_ms"]
        log(
            f"cluster: Check on B x{n}: p50 {row['idle_p50_ms']:.1f} -> {row['busy_p50_ms']:.1f} "
            f"ms, p95 {row['idle_p95_ms']:.1f} -> {row['busy_p95_ms']:.1f} ms while A trains"
        )
        rows.append(row)
    return rows


def run(quick: bool = False) -> list[Row]:
    """The section's rows; one row {"skipped": reason} when PostgreSQL or Redis is missing."""
    from tests.services import ServiceMissing

    order = (1, 2) if quick else ORDER
    rounds = 1 if quick else CHECK_ROUNDS
    with ExitStack() as stack:
        try:
            database, redis_url = stack.enter_context(services())
        except (ServiceMissing, RuntimeError, OSError, ImportError) as exc:
            log(f"cluster: skipped: {exc}")
            return [{"bench": "cluster", "part": "skipped", "reason": str(exc).splitlines()[0]}]
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="hwr-cluster-")))
        env = {"HWR_DATABASE_URL": database, "HWR_BROKER_URL": redis_url}
        apis = []
        for name in ("a", "b"):
            (folder / name / "data").mkdir(parents=True)
            apis.append(Server(folder / name / "data", env=env))
        workers = [Worker(folder, env, i) for i in range(2)]
        for api in apis:
            stack.callback(api.stop)
        for w in workers:
            stack.callback(w.stop)
        for api in apis:
            api.start()
        a = stack.enter_context(httpx.Client(base_url=apis[0].url, timeout=120))
        b = stack.enter_context(httpx.Client(base_url=apis[1].url, timeout=120))
        redis = stack.enter_context(bus.connect(redis_url))
        workers[0].start()
        rounds_out = []
        for i, n in enumerate(order):
            if n == 2 and not workers[1].alive():
                workers[1].start()
            elif n == 1:
                workers[1].stop()
            rounds_out.append(throughput_round(a, redis, i, n))
        per = {n: [r["per_min"] for r in rounds_out if r["workers"] == n] for n in (1, 2)}
        rows: list[Row] = [
            {
                "bench": "cluster",
                "part": "throughput",
                "trainings": RECOGNIZERS,
                "samples": len(LABELS) * PER_LABEL,
                "passes": PASSES,
                "order": list(order),
                "rounds": rounds_out,
                "one_per_min": median(per[1]),
                "two_per_min": median(per[2]),
                "ratio": median(per[2]) / median(per[1]),
                "stale": sorted({n for r in rounds_out for n in r["stale"]}),
            }
        ]
        if not workers[1].alive():
            workers[1].start()
        rows += check_latency(a, b, redis, apis[1].url, rounds)
        return rows
    raise AssertionError("unreachable")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cluster", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer rounds (not for the record)")
    args = parser.parse_args(argv)
    from bench.report_cluster import cluster_section

    started = time.perf_counter()
    rows = run(quick=args.quick)
    print("\n".join(cluster_section(rows, [])))
    log(f"cluster: {time.perf_counter() - started:.0f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
