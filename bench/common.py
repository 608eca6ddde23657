"""Shared pieces of the benchmarks: rows, interleaved timing, the learnable data set, facts."""

import gc
import os
import platform
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

Row = dict[str, Any]
N_CLASSES = 26
N_INPUTS = 144
N_HIDDEN = 144
SHAPE = (N_INPUTS, N_HIDDEN, N_CLASSES)
N_WEIGHTS = N_INPUTS * N_HIDDEN + N_HIDDEN * N_CLASSES  # 24,480
FLOPS_PER_SAMPLE = 6 * N_WEIGHTS  # the convention: 6 FLOPs per weight per sample


def log(message: str) -> None:
    """Progress on stdout, flushed at once (make bench takes minutes)."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def median(values: list[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


@contextmanager
def no_gc() -> Iterator[None]:
    """Collect once, then keep the garbage collector out of a timed block."""
    gc.collect()
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def seconds(call: Callable[[], object]) -> float:
    """Wall time of one call, without GC pauses."""
    with no_gc():
        start = time.perf_counter()
        call()
        return time.perf_counter() - start


def median_us(call: Callable[[], object], repeats: int) -> float:
    """Median wall time of one call in microseconds, after a warm-up call, without GC pauses."""
    call()
    times = []
    with no_gc():
        for _ in range(repeats):
            start = time.perf_counter()
            call()
            times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


def rate_over(step: Callable[[], int], budget_s: float) -> float:
    """Call `step` (which returns how many samples it processed) until `budget_s` seconds have
    passed; samples per second. Blocks of equal length for every contender: a pass at batch 256
    takes 4 ms, and a 4 ms block is at the mercy of one time slice of a neighbour."""
    done = 0
    start = time.perf_counter()
    while True:
        done += step()
        elapsed = time.perf_counter() - start
        if elapsed >= budget_s:
            return done / elapsed


def interleave(
    contenders: dict[str, Callable[[], float]], repeats: int, warmup: bool = True
) -> dict[str, list[float]]:
    """Call each contender once per round, round after round; each call returns a rate.

    Interleaving spreads the machine's noise (the other tenant of this 2-core box) over all
    contenders alike; the caller quotes medians.
    """
    if warmup:
        for call in contenders.values():
            call()
    rates: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, call in contenders.items():
            rates[name].append(call())
    return rates


@dataclass(frozen=True)
class Letters:
    """26 random binary 144-cell prototypes and noisy copies (10% of the cells flipped)."""

    X: NDArray[np.float32]  # (n_train, 144)
    y: NDArray[np.intp]  # (n_train,)
    Y: NDArray[np.float32]  # (n_train, 26) one-hot
    X_test: NDArray[np.float32]  # (n_test, 144), held-out copies of the same prototypes
    y_test: NDArray[np.intp]


def letters(per_class: int = 100, test_per_class: int = 40, seed: int = 0) -> Letters:
    """The issue's learnable data: 2,600 training samples by default, in label order."""
    rng = np.random.default_rng(seed)
    P = (rng.random((N_CLASSES, N_INPUTS)) < 0.5).astype(np.float32)

    def copies(n: int) -> tuple[NDArray[np.float32], NDArray[np.intp]]:
        y = np.repeat(np.arange(N_CLASSES), n)
        X = P[y]
        flip = np.argsort(rng.random(X.shape), axis=1)[:, : N_INPUTS // 10]  # exactly 14 cells
        np.put_along_axis(X, flip, 1 - np.take_along_axis(X, flip, axis=1), axis=1)
        return X, y

    X, y = copies(per_class)
    X_test, y_test = copies(test_per_class)
    Y = np.eye(N_CLASSES, dtype=np.float32)[y]
    return Letters(X, y, Y, X_test, y_test)


def machine() -> dict[str, Any]:
    """Facts for the report header: cores, CPU, BLAS libraries, versions, OPENBLAS_* values."""
    from threadpoolctl import threadpool_info

    facts: dict[str, Any] = {
        "cores": os.cpu_count(),
        "cpu": _cpu_name(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "env": {k: v for k, v in sorted(os.environ.items()) if k.startswith(("OPENBLAS", "OMP"))},
        "blas": [
            f"{i.get('internal_api')} {i.get('version')} ({i.get('prefix')}, "
            f"{i.get('architecture', '-')}, {i.get('num_threads')} threads)"
            for i in threadpool_info()
        ],
    }
    for name in ("sklearn", "torch"):
        try:
            module = __import__(name)
            facts[name] = module.__version__
        except ImportError:
            facts[name] = "not installed"
    return facts


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def fmt(value: float, digits: int = 3) -> str:
    """A number with about `digits` significant figures and thousands separators."""
    if value != value:  # NaN
        return "—"
    if abs(value) >= 10 ** (digits - 1):
        return f"{value:,.0f}"
    return f"{value:.{digits}g}"
