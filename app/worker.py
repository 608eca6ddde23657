"""What runs inside a training process: build or resume a network, train, report, hand back.

Runs in a child process so the server's event loop and Check never wait on the GIL or on
BLAS threads of a long training (see README, "Why a process").
"""

import contextlib
import ctypes
import os
import time
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from threadpoolctl import threadpool_limits

from app.learn import Drawing, Point, Run, drive
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
    """Where a training's messages go: a pipe's end, or a reporter to Redis (app.jobs.task)."""

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
    settings: dict[str, Any]  # NetworkSettings as a dict
    start: dict[str, Any] | None  # {"network", "layers"} to resume from, or None for a new one
    max_iterations: int
    target_mse: float
    iterations_per_cycle: int


def name_process(name: str) -> None:
    """Set this process's name as the kernel shows it (Linux prctl PR_SET_NAME; else nothing)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(15, name.encode()[:15], 0, 0, 0)


def build_network(
    settings: dict[str, Any], n_inputs: int, n_outputs: int, member: int = 0
) -> Network:
    """A new network for these settings (ensemble member `member` draws its own initial
    weights from the seed); the classic preset uses the original's init."""
    seed = settings.get("seed")
    rng = np.random.default_rng(seed if member == 0 or seed is None else [seed, member])
    sizes = [n_inputs, *settings["hidden_layers"], n_outputs]
    init = "uniform-classic" if settings.get("preset") == "classic" else "auto"
    softmax = settings.get("loss", "squared_error") == "cross_entropy"
    return Network(
        sizes,
        hidden_activation=settings["activation"],
        output_activation="softmax" if softmax else "sigmoid",
        bias=settings["bias"],
        init=init,
        rng=rng,
        dtype=np.float32,
    )


def prepare(spec: JobSpec) -> Run:
    """The network (new or resumed) and the run that trains it."""
    reject = bool(spec.settings.get("reject", False))
    n_out = len(spec.labels) + (1 if reject else 0)
    k = int(spec.settings.get("ensemble", 1))
    if spec.start is not None:
        members = split(Network.from_dict(spec.start, dtype=np.float32), k)
    else:
        members = [build_network(spec.settings, spec.grid_size**2, n_out, m) for m in range(k)]
    return Run(members, spec.drawings, spec.labels, spec.settings, spec.grid_size)


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
