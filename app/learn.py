"""One training of a recognizer, from its drawings (app.training_data): passes of every
network of the ensemble, a stop when validation stops improving, then calibration and the
"unknown" detector (numpy only).

The worker process drives a `TrainingRun` one pass at a time (so it can report and stop between
passes); benchmarks and tests drive the same class directly.

- **Ensemble.** The networks learn side by side, each from its own initial weights and its own
  batches, as one stacked computation (`app.nn.stacked`: one matmul for all of them); their
  logits are averaged (merged into one network, `app.nn.ensemble`): what Check uses.
- **Cross-fitting** (the default, app.folds). Each of the K ensemble members holds out one
  stratified fold of the drawings; one more network, the refit, trains on all of them. Every
  drawing trains K of the K + 1 networks, and has one out-of-fold answer from the member that
  never saw it: validation, the temperature and the confusion matrix come from those answers.
  Without it, a share of each label is held out from every network (`validation_split`).
- **Stopping.** The run ends when validation accuracy (ties: its loss) has not improved for
  `patience` passes, after at least MIN_PASSES; the networks keep their last weights.
"""

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from app import evaluation, open_set
from app.folds import CrossFit, wilson
from app.ink import rasterise
from app.network_settings import NetworkSettings
from app.nn.ensemble import merge
from app.nn.fit import mse, train_pass
from app.nn.network import Network
from app.nn.stacked import Stack, train_stacked
from app.replay import Recorder
from app.training_data import Drawing, Strokes, TrainingData

# No stop before this many passes, and the default patience (NetworkSettings.patience): measured
# on the dev digits (docs/settings.md, "When a run stops").
MIN_PASSES = 20
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


@dataclass(frozen=True)
class Answers:
    """Validation's answers: the drawings answered (rows of the run's data), their true labels,
    and the logits (n, labels) of the network(s) that never trained on them."""

    rows: NDArray[np.intp]
    truth: NDArray[np.intp]
    logits: NDArray[np.floating[Any]]

    def accuracy(self) -> float:
        return float(np.mean(self.logits.argmax(axis=1) == self.truth))

    def loss(self) -> float:
        return evaluation.nll(evaluation.softmax(self.logits), self.truth)


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
        folds: Mapping[int, int] | None = None,
    ) -> None:
        """`members`: settings.networks() networks; `folds`: the folds of the run this one
        continues (sample id -> fold), which its drawings keep."""
        self.members, self.labels, self.settings = members, labels, settings
        self.net = merge(members) if len(members) > 1 else members[0]
        self.patience = settings.patience or None
        self.rng = np.random.default_rng(settings.seed)
        self.data = TrainingData(drawings, labels, settings, grid_size, self.rng)
        self.crossfit = None
        if settings.cross_fits():
            names = [labels[d.label] for d in drawings]
            self.crossfit = CrossFit(self.data.ids, names, settings.ensemble, folds)
        self.options = settings.training_options()
        data = self.data
        # The members train as one stacked computation (app.nn.stacked), from the most rows to
        # the fewest: the refit (all drawings) first, then the members by their folds' sizes.
        rows = [
            len(data.train_idx) if r is None else len(r)
            for r in map(self._rows, range(len(members)))
        ]
        self.order = sorted(range(len(members)), key=lambda m: -rows[m])
        self.stack = Stack([members[m] for m in self.order]) if len(members) > 1 else None
        answered = (
            np.arange(len(data.y))
            if self.crossfit
            else data.val_idx
            if len(data.val_idx)
            else data.train_idx
        )
        self.recorder = Recorder(data.ids, data.y, answered, labels)
        self.iteration = 0
        self.best = (-1.0, -math.inf)  # (accuracy, -loss) of the best validation yet
        self.improved_at = 0  # the last pass that improved it

    def mse(self) -> float:
        """The original's MSE on the (un-augmented) training drawings."""
        return mse(self.net, self.data.X_train, self.data.Y_train)

    def answers(self) -> Answers | None:
        """Validation's answers now: out-of-fold, or the merged network's on the held-out
        drawings; None without either."""
        data, n = self.data, len(self.labels)
        if self.crossfit is not None:
            logits = self.crossfit.out_of_fold(self.members, data.clean, n)
            return Answers(np.arange(len(data.y)), data.y, logits)
        if not len(data.val_idx):
            return None
        return Answers(data.val_idx, data.y_val, self.net.logits(data.X_val)[:, :n])

    def _point(self) -> Point:
        """This pass's point; counts towards the stop, and recorded when its frame is due."""
        answers = self.answers()
        accuracy = None
        if answers is not None:
            accuracy = answers.accuracy()
            score = (accuracy, -answers.loss())
            if score > self.best:
                self.best, self.improved_at = score, self.iteration
        point = Point(self.iteration, self.mse(), accuracy)
        self._record(point, answers, final=False)
        return point

    def _record(self, point: Point, answers: Answers | None, final: bool) -> None:
        self.recorder.observe(
            point.iteration,
            point.mse,
            point.validation_accuracy,
            lambda rows: self._guesses(answers, rows),
            self.members[0],
            final,
        )

    def _guesses(self, answers: Answers | None, rows: NDArray[np.intp]) -> NDArray[Any]:
        """The logits (len(rows), labels) validation has for these drawings, or without
        validation the model's own."""
        if answers is None:
            return self.net.logits(self.data.clean[rows])[:, : len(self.labels)]
        where = {int(r): i for i, r in enumerate(answers.rows)}
        return answers.logits[[where[int(r)] for r in rows]]

    def start(self) -> Point:
        """Iteration 0: the error before the first update."""
        return self._point()

    def _rows(self, member: int) -> NDArray[np.intp] | None:
        """The training drawings `member` learns from (None: all of them)."""
        return None if self.crossfit is None else self.crossfit.rows(member)

    def step(self) -> Point:
        """One pass of every network, each over its own draw of variants; the point reached."""
        data = [
            self.data.pass_data(grow=m == 0, dtype=member.dtype, rows=self._rows(m))
            for m, member in enumerate(self.members)
        ]
        if self.stack is None:
            train_pass(self.members[0], *data[0], self.options, self.rng)
        else:
            train_stacked(self.stack, [data[m] for m in self.order], self.options, self.rng)
        self.iteration += 1
        if len(self.members) > 1:
            self.net = merge(self.members, into=self.net)
        return self._point()

    @property
    def exhausted(self) -> bool:
        """No better validation for `patience` passes (after MIN_PASSES); never without it."""
        if self.patience is None or self.best[0] < 0 or self.iteration < MIN_PASSES:
            return False
        return self.iteration - self.improved_at >= self.patience

    def finish(self) -> dict[str, Any]:
        """The model's extras: validation, calibration, open set, the folds, the recording."""
        data, answers, final_mse = self.data, self.answers(), self.mse()
        accuracy = None if answers is None else answers.accuracy()
        # The last pass's frame, when it was not due.
        self._record(Point(self.iteration, final_mse, accuracy), answers, final=True)
        temperature, validation = 1.0, None
        if answers is not None:
            temperature = (
                evaluation.fit_temperature(answers.logits, answers.truth, TEMPERATURE_PRIOR)
                * self._shrink()
            )
            validation = self._validation(answers)
        return {
            "final_mse": final_mse,
            "grid": {"antialias": data.antialias},
            "calibration": {"temperature": temperature},
            "open_set": open_set.detector(data.X_train, data.X_val),
            "validation": validation,
            "validation_note": data.validation_note,
            "background": data.background,
            "folds": None if self.crossfit is None else self.crossfit.as_dict(),
            "replay": self.recorder.frames(),
        }

    def _shrink(self) -> float:
        """How much smaller the merged network's logits are than its members', on the same
        drawings: out-of-fold answers are single members', and averaging K + 1 members' logits
        shrinks them where the members disagree, so the temperature fitted on the first is
        scaled by this for the second (1 without cross-fitting: validation used the merged)."""
        if self.crossfit is None:
            return 1.0
        X, n = self.data.clean, len(self.labels)

        def spread(net: Network) -> float:
            z = net.logits(X)[:, :n].astype(np.float64)
            return float(np.mean(np.abs(z - z.mean(axis=1, keepdims=True))))

        members = float(np.mean([spread(m) for m in self.members]))
        return spread(self.net) / members if members > 0 else 1.0

    def _validation(self, answers: Answers) -> dict[str, Any]:
        """The model's `validation`: how the networks that never saw them answer the drawings."""
        labels, truth = self.labels, answers.truth
        predicted = answers.logits.argmax(axis=1)
        ids = self.data.ids[answers.rows]
        wrong = predicted != truth
        right = int(np.sum(~wrong))
        return {
            "samples": len(ids),
            "accuracy": right / len(ids),
            "interval": list(wilson(right, len(ids))),
            "cross_fitted": self.crossfit is not None,
            "labels": list(labels),
            "confusion": evaluation.confusion(truth, predicted, len(labels)).tolist(),
            "misclassified": [int(i) for i in ids[wrong]],
            "held_out": [
                {"id": int(i), "label": labels[t], "recognised": labels[p]}
                for i, t, p in zip(ids, truth, predicted, strict=True)
            ],
            "iteration": self.iteration,
        }


def drive(
    run: TrainingRun,
    max_iterations: int,
    target_mse: float | None,
    stopped: Callable[[], bool],
    report: Callable[[Point], None],
) -> str:
    """Train until stopped, the target MSE (None: none), the iteration limit or the patience;
    the reason. `report` gets every point, from iteration 0."""
    target = -1.0 if target_mse is None else target_mse
    point = run.start()
    report(point)
    if stopped():
        return "stopped"
    while point.mse > target:
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
