"""One lab run: a Network on a task's data, its training passes, and its JSON (API.md, Lab).

Training is the recognizer's own pass (app.nn.fit.passes and train_pass); runs that train one
sample at a time in order also report the original demos' "epoch error" (each sample's squared
error taken just before its own update, averaged over the pass), computed with the same
per-sample step (train_pass on one row at a time: exactly what a classic pass does).

Not thread-safe by itself: the caller holds `run.lock` around every method but `__init__`.
"""

import json
import math
import threading
from dataclasses import replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from app.history import Curve
from app.lab.encode import HistoryText, Raw, boundary_text, dumps, pairs_text
from app.lab.tasks import (
    DEMO_WEIGHTS,
    DOCUMENTED_EPOCH_ERROR,
    DOCUMENTED_ITERATION,
    Config,
    Scale,
)
from app.nn.fit import TrainOptions, mse, passes, train_pass
from app.nn.network import Array, Network

IDENTITY_BUFFER = 256  # the latest pointer samples an identity run trains on
PRETRAIN_POINTS = 256  # "pre-train": uniform points of [-1, 1]^2 ...
PRETRAIN_PASSES = 200  # ... trained on for this many passes, PRETRAIN_PER_TICK at a time
PRETRAIN_PER_TICK = 8
DIVERGED = 1e12  # a loss above this (or not finite) stops the run: the rate is too high
MAX_STEP = 100  # passes one PATCH {"step": n} may ask for (it runs in the request's thread)


def _rows(A: NDArray[Any], digits: int = 6) -> list[list[float | None]]:
    """A 2-D array as JSON rows rounded to `digits` decimals; a number that is not finite
    becomes null. (Rounded floats also print 2-3x faster: json.dumps is most of a snapshot.)"""
    A = np.round(np.asarray(A, dtype=np.float64), digits)
    if np.isfinite(A).all():
        return A.tolist()  # type: ignore[no-any-return]
    return [[_finite(float(v)) for v in row] for row in A]


def _significant(value: float) -> float:
    """6 significant digits: a loss for the history (JSON, drawn on a log scale)."""
    return float(f"{value:.6g}")


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


class Run:
    """A network, its data, and what the run JSON reports."""

    def __init__(self, run_id: str, config: Config, now: float) -> None:
        self.id, self.config = run_id, config
        spec = config.spec
        self.rng = np.random.default_rng(config.seed)
        init = "zeros" if config.init == "demo" else config.init
        self.net = Network(
            config.sizes,
            hidden_activation=list(config.activations),
            output_activation=config.output_activation,
            bias=config.bias,
            init=init,
            rng=self.rng,
            dtype=np.float64,
        )
        if config.init == "demo":
            self.net.W[0][:, 0] = DEMO_WEIGHTS
        self.x_scale = Scale.of(spec.X, config.normalize)
        self.y_scale = Scale.of(spec.Y, config.normalize)
        self.loss_scale = float(self.y_scale.half[0] ** 2)  # normalised MSE -> table units
        n_out = config.sizes[-1]
        self.raw_X = spec.X if spec.X is not None else np.empty((0, 2))
        self.raw_Y = spec.Y if spec.Y is not None else np.empty((0, n_out))
        self.X, self.Y = self.x_scale.apply(self.raw_X), self.y_scale.apply(self.raw_Y)
        # The epoch error as the infections demo summed it (its linear model): one sample at a
        # time, in order.
        # (Per-row calls cost ~4x a pass of passes(); the other tasks do not need it.)
        self.in_order = config.task == "infections" and not config.hidden_layers
        self.learning_rate = config.learning_rate
        self.running = True
        self.iteration = 0
        self.curve = Curve()
        self.loss: float | None = None
        self.epoch_error: float | None = None
        self.reference: float | None = None  # the epoch error of pass DOCUMENTED_ITERATION
        self.message: str | None = None
        self.pointer: NDArray[np.float64] | None = None
        self.pretrain_X: NDArray[np.float64] | None = None
        self.pretrain_left = 0
        x0, x1, y0, y1 = spec.extent
        n = config.boundary_size
        gx, gy = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y1, y0, n))  # top row first
        self.grid = self.x_scale.apply(np.column_stack([gx.ravel(), gy.ravel()]))
        self.lock = threading.Lock()
        self.version = 0  # bumped by every change the JSON shows
        self._json: tuple[int, str] | None = None
        self.last_used = now
        self.listeners: set[Any] = set()  # the events streams' wake-ups (LabRuns keeps them)
        self._history_text = HistoryText()
        self._measure()

    # -- training ---------------------------------------------------------------------------

    def options(self) -> TrainOptions:
        spec = self.config.spec
        return TrainOptions(
            mode=spec.mode,
            batch_size=spec.batch_size,
            learning_rate=self.learning_rate,
            momentum=self.config.momentum,
            shuffle=spec.shuffle,
            loss="squared_error",  # the lab's outputs are elementwise (tasks.HIDDEN_ACTIVATIONS)
            dropout=self.config.dropout,
        )

    @property
    def pretraining(self) -> bool:
        return self.pretrain_left > 0

    def has_data(self) -> bool:
        return self.pretraining or len(self.X) > 0

    def passes_per_tick(self) -> int:
        return PRETRAIN_PER_TICK if self.pretraining else self.config.spec.passes_per_tick

    def train(self, n: int) -> int:
        """Up to n passes over the run's data; the number made. A loss that overflows restores
        the weights from before that pass and pauses the run with a message."""
        if not self.has_data():
            return 0
        made = 0
        options = self.options()
        pretraining = self.pretraining
        X, Y = (self.pretrain_X, self.pretrain_X) if pretraining else (self.X, self.Y)
        assert X is not None and Y is not None
        gen = passes(self.net, X, Y, options, self.rng)
        for k in range(n):
            saved = [w.copy() for w in self.net.W], [b.copy() for b in self.net.b]
            # The epoch error needs the pass one row at a time (the same updates, ~4x the cost):
            # made for the pass the JSON will show (the last of this call) and for pass 100.
            last = k == n - 1 or self.iteration + 1 == DOCUMENTED_ITERATION
            if self.in_order and not pretraining and last:
                epoch_error: float | None = self._pass_in_order(X, Y, options)
                loss = mse(self.net, X, Y) * self.loss_scale
            else:
                epoch_error, loss = None, next(gen) * self.loss_scale
            if not (math.isfinite(loss) and loss < DIVERGED):
                self._diverged(saved)
                break
            made += 1
            self.iteration += 1
            self.loss = loss
            if epoch_error is not None:
                self.epoch_error = epoch_error
            self.curve.add({"iteration": self.iteration, "mse": _significant(loss)})
            if self.iteration == DOCUMENTED_ITERATION and epoch_error is not None:
                self.reference = epoch_error
            if pretraining:
                self.pretrain_left -= 1
                if not self.pretraining:
                    self._measure()  # back to the pointer's samples
                    break
        if made:
            self.version += 1
        return made

    def _pass_in_order(self, X: Array, Y: Array, options: TrainOptions) -> float:
        """A classic pass, one row at a time; the mean of each row's summed squared error taken
        just before its own update (the demos' epoch error, in table units)."""
        squared = 0.0
        one_at_a_time = replace(options, mode="classic", shuffle=False)
        for r in range(len(X)):
            x, y = X[r : r + 1], Y[r : r + 1]
            e = self.net.predict(x) - y
            squared += float(np.vdot(e, e))
            train_pass(self.net, x, y, one_at_a_time, self.rng)
        return squared / len(X) * self.loss_scale

    def _diverged(self, saved: tuple[list[Array], list[Array]]) -> None:
        for w, s in zip(self.net.W + self.net.b, saved[0] + saved[1], strict=True):
            w[...] = s
        self.net.VW, self.net.Vb = [], []
        self.running = False
        self.pretrain_left = 0
        self.message = (
            f"The loss overflowed at learning rate {self.learning_rate:g}: paused, with the "
            "weights from before that pass. Lower the rate and resume."
        )
        self.version += 1

    def _measure(self) -> None:
        """The loss on the current data (a new run, new samples, the end of pre-training)."""
        if len(self.X) == 0:
            return
        self.loss = mse(self.net, self.X, self.Y) * self.loss_scale
        if not self.curve.points():
            self.curve.add({"iteration": self.iteration, "mse": _significant(self.loss)})

    # -- changes from requests --------------------------------------------------------------

    def set_learning_rate(self, value: float) -> None:
        self.learning_rate = float(value)
        self.version += 1

    def set_running(self, running: bool) -> None:
        self.running = bool(running)
        if running:
            self.message = None
        self.version += 1

    def add_samples(self, inputs: NDArray[Any], targets: NDArray[Any]) -> None:
        """Pointer samples (identity): kept are the latest IDENTITY_BUFFER."""
        if self.config.task != "identity":
            raise ValueError(f"samples: the {self.config.task} task has fixed data")
        X = np.asarray(inputs, dtype=np.float64)
        Y = np.asarray(targets, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != 2 or len(X) == 0:
            raise ValueError("inputs: a non-empty list of [x, y] points")
        if Y.shape != (len(X), self.config.sizes[-1]):
            raise ValueError(f"targets: one [x, y] per input, {len(X)} of them")
        self.raw_X = np.concatenate([self.raw_X, X])[-IDENTITY_BUFFER:]
        self.raw_Y = np.concatenate([self.raw_Y, Y])[-IDENTITY_BUFFER:]
        self.X, self.Y = self.raw_X, self.raw_Y
        self.pointer = X[-1].copy()
        self._measure()
        self.version += 1

    def pretrain(self) -> None:
        """Identity: train on PRETRAIN_POINTS generated points for PRETRAIN_PASSES passes, a few
        each tick of the lab's thread, then go on with the pointer's samples."""
        if self.config.task != "identity":
            raise ValueError("pretrain: only the identity task has a generated dataset")
        self.pretrain_X = self.rng.uniform(-1.0, 1.0, size=(PRETRAIN_POINTS, 2))
        self.pretrain_left = PRETRAIN_PASSES
        self.running = True
        self.message = None
        self.version += 1

    # -- the JSON ---------------------------------------------------------------------------

    def outputs(self, X: Array) -> Array:
        """The network's outputs for inputs X (n, 2) in the task's units."""
        return self.y_scale.undo(self.net.predict(X))

    def document(self, raw: bool = False) -> dict[str, Any]:
        """The run as API.md describes it, and what the lab page needs beyond. `raw`: the
        history and the boundary's values as encode.Raw JSON texts (for json())."""
        cfg, spec = self.config, self.config.spec
        model = self.net.to_dict()
        values = self.outputs(self.grid)[:, 0]
        predictions = self.outputs(self.X) if len(self.X) else np.empty((0, cfg.sizes[-1]))
        texts = {
            "boundary": Raw(boundary_text(values)),
            "history": Raw(self._history_text(self.curve.points())),
        }
        if cfg.task == "identity":  # 256 points of the pad: rounded to 3 decimals, fast
            texts["inputs"] = Raw(pairs_text(self.raw_X))
            texts["predictions"] = Raw(pairs_text(predictions))
        parts: dict[str, Any] = (
            texts if raw else {key: json.loads(value.text) for key, value in texts.items()}
        )
        doc: dict[str, Any] = {
            "id": self.id,
            "task": cfg.task,
            "state": "running" if self.running else "paused",
            "iteration": self.iteration,
            "loss": _finite(self.loss),
            "learning_rate": self.learning_rate,
            "momentum": cfg.momentum,
            "dropout": cfg.dropout,
            "seed": cfg.seed,
            "init": cfg.init,
            "normalize": cfg.normalize,
            "network": {**model["network"], "dropout": cfg.dropout},
            "layers": model["layers"],
            "history": parts["history"],
            "boundary": {
                "size": cfg.boundary_size,
                "extent": list(spec.extent),
                "values": parts["boundary"],
            },
            "inputs": parts["inputs"] if "inputs" in parts else _rows(self.raw_X),
            "targets": None if cfg.task == "identity" else _rows(self.raw_Y),
            "predictions": parts["predictions"] if "predictions" in parts else _rows(predictions),
            "epoch_error": _finite(self.epoch_error),
            "reference": None,
            "pointer": None,
            "pretraining": None,
            "message": self.message,
        }
        if cfg.task == "infections":
            doc["reference"] = {
                "iteration": DOCUMENTED_ITERATION,
                "epoch_error": self.reference,
                "documented": DOCUMENTED_EPOCH_ERROR if cfg.is_documented_demo else None,
            }
        if self.pointer is not None:
            out = self.outputs(self.pointer[None])[0]
            doc["pointer"] = {"input": self.pointer.tolist(), "output": _rows(out[None])[0]}
        if self.pretraining:
            doc["pretraining"] = {"left": self.pretrain_left, "total": PRETRAIN_PASSES}
        return doc

    def json(self) -> str:
        """The run's JSON text, made once per version (for GET, PATCH and every listener)."""
        if self._json is None or self._json[0] != self.version:
            self._json = (self.version, dumps(self.document(raw=True)))
        return self._json[1]

    def cached_json(self) -> str | None:
        """The JSON if it is up to date, else None (without building it)."""
        cached = self._json
        return cached[1] if cached is not None and cached[0] == self.version else None


__all__ = ["IDENTITY_BUFFER", "MAX_STEP", "PRETRAIN_PASSES", "Run"]
