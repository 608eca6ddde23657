"""What runs inside a training process: build or resume a network, train, report, hand back.

Runs in a child process so the server's event loop and Check never wait on the GIL or on
BLAS threads of a long training (docs/design.md, design notes).
"""

import contextlib
import ctypes
import os
import signal
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from numpy.typing import DTypeLike
from threadpoolctl import threadpool_limits

from app.learn import Drawing, Point, TrainingRun, drive
from app.network_settings import NetworkSettings
from app.nn.ensemble import split
from app.nn.network import Network
from app.snapshot import SNAPSHOT_INTERVAL_S

REPORT_INTERVAL_S = 0.1
# A training is background work: at a lower CPU priority it takes only what Check and the event
# streams leave. Measured (Check over HTTP, 1-32 clients, busy/idle): with the training at the
# server's priority Check answered 0.4-0.75x as many requests while it ran; niced, 0.75-1.15x.
NICE = 10
# What `ps` and /proc/<pid>/comm show for a training process: operators and tests count them.
PROCESS_NAME = "hwr-train"


class Sender(Protocol):
    """Where a training's messages go: a pipe's end, or a reporter to Redis (app.jobs.queue_job)."""

    def send(self, obj: Any) -> None: ...
    def close(self) -> None: ...


class Flag(Protocol):
    """A multiprocessing.Event, or a look-alike read from Redis."""

    def is_set(self) -> bool: ...


@dataclass(frozen=True)
class JobSpec:
    """Everything a training process needs; pickled once to the child."""

    drawings: list[Drawing]
    labels: list[str]
    grid_size: int
    settings: NetworkSettings
    start: Network | None  # the network to resume from, or None for a new one
    max_iterations: int
    target_mse: float | None  # None: no target (the run stops on validation)
    iterations_per_cycle: int
    folds: Mapping[int, int] | None = None  # the continued run's folds: sample id -> fold


def name_process(name: str) -> None:
    """Set this process's name as the kernel shows it (Linux prctl PR_SET_NAME; else nothing)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(15, name.encode()[:15], 0, 0, 0)


def build_network(
    settings: NetworkSettings,
    n_inputs: int,
    n_outputs: int,
    member: int = 0,
    dtype: DTypeLike = np.float32,
) -> Network:
    """A new network for these settings (ensemble member `member` draws its own initial
    weights from the seed). float32: the same passes as float64, 1.5-2x faster per sample."""
    seed = settings.seed
    rng = np.random.default_rng(seed if member == 0 or seed is None else [seed, member])
    return Network(
        [n_inputs, *settings.hidden_layers, n_outputs],
        hidden_activation=settings.activation,
        output_activation=settings.output_activation(),
        bias=settings.bias,
        init=settings.init(),
        rng=rng,
        dtype=dtype,
    )


def prepare(spec: JobSpec) -> TrainingRun:
    """The network (new or resumed) and the run that trains it."""
    settings, k = spec.settings, spec.settings.networks()
    if spec.start is not None:
        members = split(spec.start, k)
    else:
        n_out = settings.outputs(len(spec.labels))
        members = [build_network(settings, spec.grid_size**2, n_out, m) for m in range(k)]
    return TrainingRun(members, spec.drawings, spec.labels, settings, spec.grid_size, spec.folds)


def train(spec: JobSpec, conn: Sender, stop: Flag, watch: Flag) -> None:
    """Child-process entry point. Messages to the parent:
    ("progress", points) with the history points [iteration, mse, validation_accuracy] since
    the last message; while `watch` is set, ("snapshot", iteration, W, b) with the network's
    weights as float16, at most every SNAPSHOT_INTERVAL_S; then one of
    ("done", reason, {"network", "layers"}, extras, points) or ("error", text).
    A parent that died makes send() fail, which ends this process too.
    """
    with contextlib.suppress(AttributeError, OSError):  # os.nice: not on Windows
        os.nice(NICE)
    name_process(PROCESS_NAME)
    # Whoever started it (the server, an hwr worker) stops it through `stop` on its own
    # shutdown, and the model trained so far is saved: a signal sent to the whole process
    # group (Ctrl+C in a terminal, systemd's stop) must not kill it first. It still ends when
    # that parent dies, at its next report.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)
    try:
        with threadpool_limits(limits=1):
            _train(spec, conn, stop, watch)
    except (BrokenPipeError, EOFError):
        pass  # the server is gone; nothing to report to
    except Exception as exc:  # report, don't die silently: the parent marks the job failed
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def _train(spec: JobSpec, conn: Sender, stop: Flag, watch: Flag) -> None:
    run = prepare(spec)
    pending: list[dict[str, Any]] = []  # points not sent yet
    last_report = last_snapshot = 0.0

    def report(point: Point) -> None:
        nonlocal pending, last_report, last_snapshot
        pending.append(point.as_dict())
        now = time.monotonic()
        # Nobody watching costs one flag test a pass (measured in make bench: 0 vs 10 viewers).
        if watch.is_set() and now - last_snapshot >= SNAPSHOT_INTERVAL_S:
            net = run.net
            W = [w.astype(np.float16) for w in net.W]
            b = [v.astype(np.float16) for v in net.b]
            conn.send(("snapshot", point.iteration, W, b))
            last_snapshot = now
        if (
            point.iteration <= 1  # the start, and the first pass: the curve begins at once
            or point.iteration % spec.iterations_per_cycle == 0
            or now - last_report >= REPORT_INTERVAL_S
        ):
            conn.send(("progress", pending))
            pending, last_report = [], now

    reason = drive(run, spec.max_iterations, spec.target_mse, stop.is_set, report)
    extras = run.finish()
    conn.send(("done", reason, run.net.to_dict(), extras, pending))
