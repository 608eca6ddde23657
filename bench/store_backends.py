"""Time per Store.add_sample and per Store.get_model, SQLite and PostgreSQL side by side.

    .venv/bin/python -m bench.store_backends [--samples 300] [--reads 200] [--rounds 3]

SQLite is a file in a temporary folder (WAL, synchronous=FULL: a sample is on disk when
add_sample returns); PostgreSQL is a throwaway local server (tests/services.py) with its
durable defaults (fsync on, synchronous_commit on), reached over TCP on 127.0.0.1 through the
store's connection pool. The rounds alternate the backends so that a busy machine slows both.
"""

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from app.store import Store
from app.store.records import dumps
from app.synth import dataset
from tests.services import create_database, postgres_server


def model_document() -> dict[str, object]:
    """The size of a default model: 144 inputs, 144 hidden units, 26 labels."""
    rng = np.random.default_rng(0)
    layers = [rng.normal(size=shape).tolist() for shape in ((144, 144), (144, 26))]
    return {"format": "hwr-model/1", "labels": [chr(65 + i) for i in range(26)], "layers": layers}


def one_round(store: Store, name: str, samples: int, reads: int) -> tuple[list[float], list[float]]:
    """Seconds per add_sample and per get_model on a new recognizer."""
    store.create_recognizer(name, 12, {})
    drawings = dataset(["L", "O", "X"], samples // 3 + 1, seed=1)[:samples]
    grid = [0.5] * 144
    adds = []
    for label, strokes in drawings:
        started = time.perf_counter()
        store.add_sample(name, label, strokes, grid)
        adds.append(time.perf_counter() - started)
    store.save_model(name, model_document(), [chr(65 + i) for i in range(26)], 100, 0.01, samples)
    gets = []
    for _ in range(reads):
        started = time.perf_counter()
        store.get_model(name)
        gets.append(time.perf_counter() - started)
    return adds, gets


def ms(values: list[float]) -> str:
    q = statistics.quantiles(values, n=20)
    return f"{statistics.median(values) * 1e3:6.2f} ms (p95 {q[18] * 1e3:6.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--reads", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    times: dict[str, tuple[list[float], list[float]]] = {"sqlite": ([], []), "postgresql": ([], [])}
    with tempfile.TemporaryDirectory() as folder, postgres_server(durable=True) as base:
        stores = {
            "sqlite": Store(Path(folder) / "hwr.db"),
            "postgresql": Store(create_database(base)),
        }
        try:
            for r in range(args.rounds):
                for backend, store in stores.items():
                    adds, gets = one_round(store, f"r{r}", args.samples, args.reads)
                    times[backend][0].extend(adds)
                    times[backend][1].extend(gets)
        finally:
            for store in stores.values():
                store.close()
    n, size = args.rounds, len(dumps(model_document())) / 1e6
    print(f"{n} rounds x {args.samples} add_sample, {n} rounds x {args.reads} get_model (median)")
    print(f"{'backend':<11} {'add_sample':<26} get_model ({size:.2f} MB document)")
    for backend, (adds, gets) in times.items():
        print(f"{backend:<11} {ms(adds):<26} {ms(gets)}")


if __name__ == "__main__":
    main()
