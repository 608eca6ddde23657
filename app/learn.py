"""One training of a recognizer, from its drawings (app.training_data): passes of every
network of the ensemble, early stopping on validation accuracy, then calibration and the
"unknown" detector (numpy only).

The worker process drives a `TrainingRun` one pass at a time (so it can report and stop between
passes); benchmarks and tests drive the same class directly.

- **Ensemble.** `ensemble` networks from different initial weights learn the same passes;
  their logits are averaged (merged into one network, `app.nn.ensemble`).
- **Stopping.** The weights of the pass with the best validation accuracy (ties: the later
  pass) are kept; the run ends when `patience` passes brought no improvement.
"""

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from app import evaluation, open_set
from app.ink import rasterise
from app.nn.ensemble import merge
from app.nn.fit import mse, train_pass
from app.nn.network import Network
from app.schemas import NetworkSettings
from app.training_data import Drawing, Strokes, TrainingData

MIN_PASSES = 20  # no early stop before this many passes
# Temperatures fitted on dev digits (k = 30, 60 held out) were 1.3-1.9; a prior worth a few
# samples keeps 10 held-out drawings from claiming certainty (see evaluation.fit_temperature).
TEMPERATURE_PRIOR = (1.5, 3.0)

__all__ = ["MIN_PASSES", "Drawing", "Point", "TrainingRun", "drive", "sample_grid"]


@dataclass
class Point:
    iteration: int
    mse: float
    validation_accuracy: float | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "iteration": self.iteration,
            "mse": self.mse,
            "validation_accuracy": self.validation_accuracy,
        }


@dataclass
class Best:
    iteration: int = 0
    accuracy: float = -1.0
    W: list[NDArray[Any]] = field(default_factory=list)
    b: list[NDArray[Any]] = field(default_factory=list)


def sample_grid(
    strokes: Strokes, grid_size: int, settings: NetworkSettings | Mapping[str, Any]
) -> list[float]:
    """The grid stored with a sample and used by Check: as the recognizer's settings (typed, or
    as the store keeps them) say."""
    antialias = NetworkSettings.model_validate(settings).antialias
    return rasterise(strokes, grid_size, antialias=antialias).tolist()  # type: ignore[no-any-return]


class TrainingRun:
    """A recognizer's training: call step() for each pass, then finish() for the model's extras."""

    def __init__(
        self,
        members: list[Network],
        drawings: list[Drawing],
        labels: list[str],
        settings: NetworkSettings,
        grid_size: int,
    ) -> None:
        # An ensemble trains its members side by side on the same passes; `net` is them merged
        # into one network (app.nn.ensemble): what is validated, kept and saved.
        self.members, self.labels, self.settings = members, labels, settings
        self.net = merge(members) if len(members) > 1 else members[0]
        self.patience = settings.patience or None
        self.rng = np.random.default_rng(settings.seed)
        self.data = TrainingData(drawings, labels, settings, grid_size, self.rng)
        self.options = settings.training_options()
        self.iteration = 0
        self.best = Best()
        self.member_best = [Best() for _ in members] if len(members) > 1 else []
        self.member_improved = [0 for _ in self.member_best]
        self.improved_at = 0  # the last pass that raised the validation accuracy

    def mse(self) -> float:
        """The original's MSE on the (un-augmented) training drawings."""
        return mse(self.net, self.data.X_train, self.data.Y_train)

    def validate(self) -> float | None:
        """The (merged) network's accuracy on the held-out drawings; None without any."""
        return self._accuracy(self.net)

    def _accuracy(self, net: Network) -> float | None:
        if not len(self.data.val_idx):
            return None
        logits = net.logits(self.data.X_val)[:, : len(self.labels)]
        return float(np.mean(logits.argmax(axis=1) == self.data.y_val))

    def start(self) -> Point:
        """Iteration 0: the error before the first update."""
        if len(self.members) > 1:
            for m, member in enumerate(self.members):
                self._consider(m, member, self._accuracy(member))
        accuracy = self.validate()
        self._consider(None, self.net, accuracy)
        return Point(0, self.mse(), accuracy)

    def step(self) -> Point:
        """One pass of every member, each over its own draw of variants; the point reached."""
        for m, member in enumerate(self.members):
            X, Y = self.data.pass_data(grow=m == 0, dtype=member.dtype)
            train_pass(member, X, Y, self.options, self.rng)
        self.iteration += 1
        if len(self.members) > 1:
            self.net = merge(self.members)
            for m, member in enumerate(self.members):
                self._consider(m, member, self._accuracy(member))
        accuracy = self.validate()
        self._consider(None, self.net, accuracy)
        return Point(self.iteration, self.mse(), accuracy)

    def _consider(self, m: int | None, net: Network, accuracy: float | None) -> None:
        """Keep `net`'s weights if its accuracy is the best yet: member m's, or (None) the
        merged network's. An ensemble keeps each member's best pass: members stopped at
        their own best agree less, which is what averaging gains from."""
        if accuracy is None:
            return
        best = self.best if m is None else self.member_best[m]
        if accuracy > best.accuracy:
            if m is None:
                self.improved_at = self.iteration
            else:
                self.member_improved[m] = self.iteration
        # On a tie the later pass wins: it has seen more variants (measured on the dev digits,
        # k = 30: 0.896 -> 0.904 against keeping the earlier, lower-loss pass).
        if accuracy >= best.accuracy:
            kept = Best(
                self.iteration,
                accuracy,
                [w.copy() for w in net.W],
                [b.copy() for b in net.b],
            )
            if m is None:
                self.best = kept
            else:
                self.member_best[m] = kept

    @property
    def exhausted(self) -> bool:
        """No better validation accuracy (the merged network's, and every member's) for
        `patience` passes; never without validation."""
        if self.patience is None or not len(self.data.val_idx) or self.iteration < MIN_PASSES:
            return False
        last = max([self.improved_at, *self.member_improved])
        return self.iteration - last >= self.patience

    def finish(self) -> dict[str, Any]:
        """Keep the best weights; the model's extras: validation, calibration, open set."""
        if len(self.members) > 1 and all(b.W for b in self.member_best):
            for member, kept in zip(self.members, self.member_best, strict=True):
                _restore(member, kept)
            self.net = merge(self.members)
            self.best = Best(max(b.iteration for b in self.member_best))
        elif self.best.W:
            _restore(self.net, self.best)
        data = self.data
        temperature, validation = 1.0, None
        if len(data.val_idx):
            logits = self.net.logits(data.X_val)[:, : len(self.labels)]
            temperature = evaluation.fit_temperature(logits, data.y_val, TEMPERATURE_PRIOR)
            validation = self._validation(logits.argmax(axis=1))
        return {
            "final_mse": self.mse(),
            "grid": {"antialias": data.antialias},
            "calibration": {"temperature": temperature},
            "open_set": open_set.detector(data.X_train, data.X_val),
            "validation": validation,
            "validation_note": data.validation_note,
            "background": data.background,
        }

    def _validation(self, predicted: NDArray[np.intp]) -> dict[str, Any]:
        """The model's `validation`: how the kept weights answer the held-out drawings."""
        data, labels = self.data, self.labels
        ids, truth = data.ids[data.val_idx], data.y_val
        wrong = predicted != truth
        return {
            "samples": len(data.val_idx),
            "accuracy": float(np.mean(~wrong)),
            "labels": list(labels),
            "confusion": evaluation.confusion(truth, predicted, len(labels)).tolist(),
            "misclassified": [int(i) for i in ids[wrong]],
            "held_out": [
                {"id": int(i), "label": labels[t], "recognised": labels[p]}
                for i, t, p in zip(ids, truth, predicted, strict=True)
            ],
            "iteration": self.best.iteration,
        }


def _restore(net: Network, kept: Best) -> None:
    for i, (W, b) in enumerate(zip(kept.W, kept.b, strict=True)):
        net.W[i][...] = W
        net.b[i][...] = b


def drive(
    run: TrainingRun,
    max_iterations: int,
    target_mse: float,
    stopped: Callable[[], bool],
    report: Callable[[Point], None],
) -> str:
    """Train until stopped, the target MSE, the iteration limit or the patience; the reason.
    `report` gets every point, from iteration 0."""
    point = run.start()
    report(point)
    if stopped():
        return "stopped"
    while point.mse > target_mse:
        if run.iteration >= max_iterations:
            return "max_iterations reached"
        if run.exhausted:
            return f"validation accuracy stopped improving ({run.patience} passes)"
        point = run.step()
        if not math.isfinite(point.mse):
            raise ArithmeticError("training diverged (MSE is not finite): lower the learning rate")
        report(point)
        if stopped():
            return "stopped"
    return "target_mse reached"
