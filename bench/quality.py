"""Item 5: seconds from Train (the POST) to MSE < 0.05 for a 10-label alphabet of 20 jittered
drawings each, over HTTP on a real server, and the accuracy of Check on unseen drawings.

Ours: the recognizer's default settings. The peer: the original design (`network: "classic"`)
on the same drawings. Each repetition trains new recognizers (network seed = repetition).
"""

import time

import httpx
from threadpoolctl import threadpool_limits

from app import worker
from app.learn import Drawing, drive
from app.network_settings import NetworkSettings
from bench import server
from bench.client import request_bytes
from bench.common import Row, log, median

TARGET_MSE = 0.05
PER_LABEL = 20
UNSEEN_PER_LABEL = 30
REPEATS = 3
CHECK_NAME = "letters"  # the trained recognizer the Check benchmark uses


def train_timed(client: httpx.Client, name: str, max_iterations: int) -> dict[str, float]:
    start = time.perf_counter()
    server.start_training(client, name, target_mse=TARGET_MSE, max_iterations=max_iterations)
    final = server.wait_done(client, name, timeout=120, poll=0.002)
    elapsed = time.perf_counter() - start
    return {
        "seconds": elapsed,
        "iterations": float(final["iterations"]),
        "mse": float(final["mse_current"]),
        "reached": float(final["mse_current"] <= TARGET_MSE),
    }


def in_process(samples: list[tuple[str, object]], network: dict[str, object]) -> float:
    """The floor: the same training in this process, as the worker runs it (its network,
    options and seeds, 1 BLAS thread), without the process, the store or HTTP; seconds."""
    settings = NetworkSettings.model_validate(network)
    labels = list(dict.fromkeys(label for label, _ in samples))
    drawings = [
        Drawing(i + 1, labels.index(label), strokes)  # type: ignore[arg-type]
        for i, (label, strokes) in enumerate(samples)
    ]
    spec = worker.JobSpec(drawings, labels, 12, settings, None, 10**5, TARGET_MSE, 100)
    with threadpool_limits(limits=1):
        start = time.perf_counter()
        run = worker.prepare(spec)
        drive(run, spec.max_iterations, TARGET_MSE, lambda: False, lambda _: None)
        return time.perf_counter() - start


def accuracy(client: httpx.Client, name: str, unseen: list[tuple[str, object]]) -> float:
    right = 0
    for label, strokes in unseen:
        r = client.post(f"/api/recognizers/{name}/check", json={"strokes": strokes})
        r.raise_for_status()
        right += r.json()["label"] == label
    return right / len(unseen)


def ensure_check_recognizer(client: httpx.Client) -> None:
    """The Check benchmarks' recognizer (once per server): the default settings, trained to
    TARGET_MSE on the alphabet's PER_LABEL drawings of seed 1, as this benchmark trains."""
    if client.get(f"/api/recognizers/{CHECK_NAME}").status_code == 200:
        return
    server.create(client, CHECK_NAME)
    server.load_samples(client, CHECK_NAME, server.drawings(server.ALPHABET, PER_LABEL, seed=1))
    train_timed(client, CHECK_NAME, max_iterations=100_000)


def check_requests() -> list[bytes]:
    """Raw Check requests of unseen drawings (5 of each letter) for that recognizer."""
    return [
        request_bytes("POST", f"/api/recognizers/{CHECK_NAME}/check", {"strokes": strokes})
        for _, strokes in server.drawings(server.ALPHABET, 5, seed=1234)
    ]


def run(url: str, repeats: int = REPEATS) -> list[Row]:
    train = server.drawings(server.ALPHABET, PER_LABEL, seed=1)
    unseen = server.drawings(server.ALPHABET, UNSEEN_PER_LABEL, seed=99)
    results: dict[str, list[dict[str, float]]] = {"default": [], "classic": []}
    with httpx.Client(base_url=url, timeout=30) as client:
        for rep in range(repeats):
            for kind in ("default", "classic"):
                name = f"q-{kind}-{rep}"
                network = {"seed": rep} if kind == "default" else {"preset": "classic", "seed": rep}
                server.create(client, name, network)
                server.load_samples(client, name, train)
                r = train_timed(client, name, max_iterations=100_000)
                r["accuracy"] = accuracy(client, name, unseen)
                r["in_process"] = in_process(train, network)
                results[kind].append(r)
                log(
                    f"time to MSE < {TARGET_MSE}, {kind} #{rep}: {r['seconds']:.3f} s, "
                    f"{r['iterations']:.0f} passes, unseen accuracy {r['accuracy']:.1%}; "
                    f"in-process {r['in_process'] * 1e3:.0f} ms"
                )
        ensure_check_recognizer(client)
    rows: list[Row] = []
    for kind, runs in results.items():
        rows.append(
            {
                "bench": "quality",
                "kind": kind,
                "seconds": median([r["seconds"] for r in runs]),
                "seconds_all": [r["seconds"] for r in runs],
                "iterations": median([r["iterations"] for r in runs]),
                "mse": median([r["mse"] for r in runs]),
                "reached": all(r["reached"] for r in runs),
                "accuracy": median([r["accuracy"] for r in runs]),
                "accuracy_all": [r["accuracy"] for r in runs],
                "in_process": median([r["in_process"] for r in runs]),
                "samples": len(train),
                "unseen": len(unseen),
            }
        )
    return rows
