"""The machine's limit: float32 GEMM GFLOP/s (numpy's OpenBLAS) at the network's shapes and 2048^3.

Also the trap: OpenBLAS's default thread count on small products while the other core is busy.
"""

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
from threadpoolctl import threadpool_limits

from bench.common import N_CLASSES, N_HIDDEN, N_INPUTS, Row, interleave, log, median

BIG = 2048
DEFAULT_THREADS = 2  # what OpenBLAS picks here (one per core)


def _operands(m: int, k: int, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    a = rng.random((m, k), dtype=np.float32)
    b = rng.random((k, n), dtype=np.float32)
    return a, b, np.empty((m, n), dtype=np.float32)


def gflops(m: int, k: int, n: int, threads: int, budget_s: float = 0.05) -> float:
    """One timed block of (m, k) @ (k, n) products with `threads` BLAS threads -> GFLOP/s."""
    a, b, c = _operands(m, k, n)
    flops = 2.0 * m * k * n
    with threadpool_limits(limits=threads, user_api="blas"):
        np.dot(a, b, out=c)
        start = time.perf_counter()
        np.dot(a, b, out=c)
        one = max(time.perf_counter() - start, 1e-7)
        reps = max(1, int(budget_s / one))
        start = time.perf_counter()
        for _ in range(reps):
            np.dot(a, b, out=c)
        return flops * reps / (time.perf_counter() - start) / 1e9


def network_shapes(m: int) -> list[tuple[str, tuple[int, int, int]]]:
    """The five products of one training step of 144-144-26 on a batch of m (m, k, n)."""
    return [
        ("X @ W1", (m, N_INPUTS, N_HIDDEN)),
        ("A1 @ W2", (m, N_HIDDEN, N_CLASSES)),
        ("dZ2 @ W2.T", (m, N_CLASSES, N_HIDDEN)),
        ("A1.T @ dZ2", (N_HIDDEN, m, N_CLASSES)),
        ("X.T @ dZ1", (N_INPUTS, m, N_HIDDEN)),
    ]


def step_limit(m: int, threads: int = 1, repeats: int = 7) -> float:
    """Samples per second if a training step were nothing but its five products (the same
    calls, shapes and layouts as the engine's, transposed views included), median of rounds."""
    rng = np.random.default_rng(1)
    X = rng.random((m, N_INPUTS), dtype=np.float32)
    W1 = rng.random((N_INPUTS, N_HIDDEN), dtype=np.float32)
    W2 = rng.random((N_HIDDEN, N_CLASSES), dtype=np.float32)
    A1 = np.empty((m, N_HIDDEN), np.float32)
    A2 = np.empty((m, N_CLASSES), np.float32)
    dZ1 = rng.random((m, N_HIDDEN), dtype=np.float32)
    G1, G2 = np.empty_like(W1), np.empty_like(W2)
    XT, A1T, W2T = X.T, A1.T, W2.T
    reps = max(1, 20_000 // m)

    def block() -> float:
        start = time.perf_counter()
        for _ in range(reps):
            np.dot(X, W1, out=A1)
            np.dot(A1, W2, out=A2)
            np.dot(A2, W2T, out=dZ1)
            np.dot(A1T, A2, out=G2)
            np.dot(XT, dZ1, out=G1)
        return reps * m / (time.perf_counter() - start)

    with threadpool_limits(limits=threads, user_api="blas"):
        return median(interleave({"step": block}, repeats)["step"])


@contextmanager
def other_core_busy() -> Iterator[None]:
    """A child process spinning on the CPU (what a neighbour or a second job does to us)."""
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.2)
        yield
    finally:
        spinner.kill()
        spinner.wait()


def threads_row(bench: str, name: str, shape: tuple[int, int, int], repeats: int) -> Row:
    """GFLOP/s of one product on 1 thread and on the default threads, interleaved."""
    budget = 0.3 if shape[0] == BIG else 0.05
    rates = interleave(
        {
            f"{t}": (lambda t=t: gflops(*shape, threads=t, budget_s=budget))
            for t in (1, DEFAULT_THREADS)
        },
        repeats,
    )
    row: Row = {
        "bench": bench,
        "name": name,
        "shape": "x".join(map(str, shape)),
        "gflops_1": median(rates["1"]),
        "gflops_default": median(rates[str(DEFAULT_THREADS)]),
    }
    busy = ", other core busy" if bench == "gemm-busy" else ""
    log(
        f"gemm {name}{busy}: {row['gflops_1']:.1f} GFLOP/s on 1 thread, "
        f"{row['gflops_default']:.1f} on {DEFAULT_THREADS}"
    )
    return row


def run(repeats: int = 5) -> list[Row]:
    shapes = [
        ("2048^3", (BIG, BIG, BIG)),
        *network_shapes(256),
        ("X @ W1, batch 64", (64, N_INPUTS, N_HIDDEN)),
        ("X @ W1, batch 16", (16, N_INPUTS, N_HIDDEN)),
        ("x @ W1, one sample", (1, N_INPUTS, N_HIDDEN)),
    ]
    rows = [threads_row("gemm", name, shape, repeats) for name, shape in shapes]
    # The trap: the same small product while the other core is busy.
    with other_core_busy():
        for name, shape in [("X @ W1, batch 64", (64, N_INPUTS, N_HIDDEN)), ("2048^3", (BIG,) * 3)]:
            rows.append(threads_row("gemm-busy", name, shape, repeats))
    for m in (1, 16, 64, 256):
        rows.append({"bench": "gemm-step", "batch": m, "samples_per_s": step_limit(m)})
        log(f"GEMM-only step limit at batch {m}: {rows[-1]['samples_per_s']:,.0f} samples/s")
    return rows
