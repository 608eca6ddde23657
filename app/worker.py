"""What runs inside a training process: build or resume a network, train, report, hand back.

Runs in a child process so the server's event loop and Check never wait on the GIL or on
BLAS threads of a long training (see README, "Why a process").
"""

import contextlib
import math
import os
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event
from typing import Any

import numpy as np
from numpy.typing import NDArray
from threadpoolctl import threadpool_limits

from app.nn.fit import TrainOptions, mse, passes
from app.nn.network import Network

REPORT_INTERVAL_S = 0.1
# A training is background work: at a lower CPU priority it takes only what Check and the event
# streams leave. Measured (Check over HTTP, 1-32 clients, busy/idle): with the training at the
# server's priority Check answered 0.4-0.75x as many requests while it ran; niced, 0.75-1.15x.
NICE = 10


@dataclass(frozen=True)
class JobSpec:
    """Everything a training process needs; pickled once to the child."""

    X: NDArray[np.float32]  # (n_samples, n_inputs)
    Y: NDArray[np.float32]  # (n_samples, n_labels) one-hot targets
    settings: dict[str, Any]  # NetworkSettings as a dict
    start: dict[str, Any] | None  # {"network", "layers"} to resume from, or None for a new one
    max_iterations: int
    target_mse: float
    iterations_per_cycle: int


def build_network(settings: dict[str, Any], n_inputs: int, n_outputs: int) -> Network:
    """A new network for these settings; the classic preset uses the original's init."""
    rng = np.random.default_rng(settings.get("seed"))
    sizes = [n_inputs, *settings["hidden_layers"], n_outputs]
    init = "uniform-classic" if settings.get("preset") == "classic" else "auto"
    return Network(
        sizes,
        hidden_activation=settings["activation"],
        output_activation="sigmoid",
        bias=settings["bias"],
        init=init,
        rng=rng,
        dtype=np.float32,
    )


def options(settings: dict[str, Any]) -> TrainOptions:
    """The training loop's options from the recognizer's network settings."""
    return TrainOptions(
        mode=settings["mode"],
        batch_size=settings["batch_size"],
        learning_rate=settings["learning_rate"],
        momentum=settings["momentum"],
        shuffle=settings["shuffle"],
    )


def train(spec: JobSpec, conn: Connection, stop: Event) -> None:
    """Child-process entry point. Messages to the parent:
    ("progress", iterations, mse_initial, mse_current), then one of
    ("done", reason, iterations, mse_initial, mse_current, {"network", "layers"}) or
    ("error", text).
    A parent that died makes send() fail, which ends this process too.
    """
    with contextlib.suppress(AttributeError, OSError):  # os.nice: not on Windows
        os.nice(NICE)
    try:
        with threadpool_limits(limits=1):
            _train(spec, conn, stop)
    except (BrokenPipeError, EOFError):
        pass  # the server is gone; nothing to report to
    except Exception as exc:  # report, don't die silently: the parent marks the job failed
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def _train(spec: JobSpec, conn: Connection, stop: Event) -> None:
    n_in, n_out = spec.X.shape[1], spec.Y.shape[1]
    if spec.start is not None:
        net = Network.from_dict(spec.start, dtype=np.float32)
    else:
        net = build_network(spec.settings, n_in, n_out)
    X = spec.X.astype(net.W[0].dtype, copy=False)
    Y = spec.Y.astype(net.W[0].dtype, copy=False)
    rng = np.random.default_rng(spec.settings.get("seed"))
    mse_initial = current = mse(net, X, Y)
    conn.send(("progress", 0, mse_initial, current))
    iterations, reason = 0, "target_mse reached"
    last_report = time.monotonic()
    if current > spec.target_mse and not stop.is_set():
        reason = "max_iterations reached"
        for iterations, current in enumerate(passes(net, X, Y, options(spec.settings), rng), 1):
            if not math.isfinite(current):
                raise ArithmeticError(
                    "training diverged (MSE is not finite): lower the learning rate"
                )
            if stop.is_set():
                reason = "stopped"
                break
            if current <= spec.target_mse:
                reason = "target_mse reached"
                break
            if iterations >= spec.max_iterations:
                break
            now = time.monotonic()
            if (
                iterations % spec.iterations_per_cycle == 0
                or now - last_report >= REPORT_INTERVAL_S
            ):
                conn.send(("progress", iterations, mse_initial, current))
                last_report = now
    elif stop.is_set():
        reason = "stopped"
    conn.send(("done", reason, iterations, mse_initial, current, net.to_dict()))
