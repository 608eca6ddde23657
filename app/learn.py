"""One training run of a recognizer, from its drawings: hold-out, augmented passes, early
stopping on validation accuracy, then calibration and the "unknown" detector (numpy only).

The worker process drives a `Run` one pass at a time (so it can report and stop between
passes); benchmarks and tests drive the same class directly.

- **Hold-out.** `evaluation.stratified_split` with an rng seeded from the sample ids, so a
  sample stays on the same side when a training continues or samples are added.
- **Passes.** Each pass rasterises a fresh random variant of every training drawing
  (`augment.variant_grid`) while the pool is young, then reuses the pool (`POOL_VARIANTS` per
  drawing): after that a pass costs only the network's work.
- **Ensemble.** `ensemble` networks from different initial weights learn the same passes;
  their logits are averaged (merged into one network, `app.nn.ensemble`).
- **Background class.** With `reject` on, generated scribbles (`app.scribbles`) are a hidden
  extra output the network learns to give to drawings that are none of the labels.
- **Stopping.** The weights of the pass with the best validation accuracy (ties: lower
  validation loss) are kept; the run ends when `patience` passes brought no improvement.
"""

import base64
import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from app import augment, evaluation, scribbles
from app.ink import normalise, rasterise
from app.nn.ensemble import merge
from app.nn.fit import TrainOptions, mse, passes
from app.nn.network import ModelFormatError, Network

Strokes = list[list[list[float]]]
F32 = NDArray[np.float32]

POOL_VARIANTS = 12  # variants kept per drawing; fresh ones until the pool is full
BACKGROUND_SHARE = 1.0  # scribbles per pass, relative to the mean samples per label
BACKGROUND_POOL = 60  # distinct scribbles generated once per run (each pass varies them)
MIN_PASSES = 20  # no early stop before this many passes
DISTANCE_MARGIN = 1.15  # unknown beyond this x the largest typical held-out distance
DISTANCE_QUANTILE = 0.98
MIN_CONFIDENCE = 0.0
# Temperatures fitted on dev digits (k = 30, 60 held out) were 1.3-1.9; a prior worth a few
# samples keeps 10 held-out drawings from claiming certainty (see evaluation.fit_temperature).
TEMPERATURE_PRIOR = (1.5, 3.0)  # calibrated top probability under which a drawing is unknown


@dataclass(frozen=True)
class Drawing:
    id: int
    label: int  # index into the run's labels
    strokes: Strokes


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


def split_keys(ids: NDArray[np.int64]) -> NDArray[np.uint64]:
    """A fixed pseudo-random key per sample id (Fibonacci hashing): which samples are held out
    depends on the ids alone, so a continued training never trains on its held-out samples."""
    with np.errstate(over="ignore"):
        return ids.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)


def sample_grid(strokes: Strokes, grid_size: int, settings: dict[str, Any]) -> list[float]:
    """The grid stored with a sample and used by Check: as the recognizer's settings say."""
    grid = rasterise(strokes, grid_size, antialias=bool(settings.get("antialias", False)))
    return grid.tolist()  # type: ignore[no-any-return]


def pack_grids(grids: F32) -> str:
    """Grids (n, cells) in [0, 1] -> a compact string (4 bits a cell, zlib, base64)."""
    q = np.clip(np.rint(grids * 15), 0, 15).astype(np.uint8).ravel()
    if q.size % 2:
        q = np.append(q, 0)
    return base64.b64encode(zlib.compress((q[0::2] << 4 | q[1::2]).tobytes(), 9)).decode()


def unpack_grids(text: str, cells: int) -> F32:
    """The inverse of pack_grids: (n, cells) float32."""
    raw = np.frombuffer(zlib.decompress(base64.b64decode(text)), dtype=np.uint8)
    q = np.empty(raw.size * 2, dtype=np.uint8)
    q[0::2], q[1::2] = raw >> 4, raw & 15
    n = q.size // cells
    return (q[: n * cells].reshape(n, cells) / 15.0).astype(np.float32)


def check_reference(text: str, grid_size: int) -> None:
    """ModelFormatError unless `text` is pack_grids output of whole grids of this size."""
    try:
        raw = zlib.decompressobj().decompress(base64.b64decode(text, validate=True), 2**24)
    except (ValueError, zlib.error) as exc:
        raise ModelFormatError(f"open_set.reference is not packed grids: {exc}") from None
    cells = grid_size**2
    if (len(raw) * 2) // cells == 0 or len(raw) != (((len(raw) * 2) // cells) * cells + 1) // 2:
        raise ModelFormatError(
            f"open_set.reference does not hold whole {grid_size}x{grid_size} grids"
        )


class Run:
    """A training run: call step() for each pass, then finish() for the model's extras."""

    def __init__(
        self,
        members: list[Network],
        drawings: list[Drawing],
        labels: list[str],
        settings: dict[str, Any],
        grid_size: int,
    ) -> None:
        # An ensemble trains its members side by side on the same passes; `net` is them merged
        # into one network (app.nn.ensemble): what is validated, kept and saved.
        self.members, self.labels, self.settings = members, labels, settings
        self.net = merge(members) if len(members) > 1 else members[0]
        self.grid_size = grid_size
        self.antialias = bool(settings.get("antialias", False))
        self.strength = augment.LEVELS.get(str(settings.get("augmentation", "off")), 0.0)
        self.background = bool(settings.get("reject", False))
        self.patience = int(settings.get("patience", 0)) or None
        seed = settings.get("seed")
        self.rng = np.random.default_rng(seed)
        self.ids = np.array([d.id for d in drawings], dtype=np.int64)
        y = np.array([d.label for d in drawings], dtype=np.intp)
        fraction = float(settings.get("validation_split", 0.0))
        train, held, self.validation_note = evaluation.stratified_split(
            y, fraction, self.rng, names=labels, keys=split_keys(self.ids)
        )
        self.train_idx, self.val_idx = np.sort(train), np.sort(held)
        self.n_outputs = len(labels) + (1 if self.background else 0)
        shapes = [normalise(d.strokes, grid_size) for d in drawings]
        self.shapes = [shapes[i] for i in self.train_idx]
        self.clean = self._grids(drawings)  # (n, cells): every drawing, un-augmented
        self.y = y
        self.X_train = self.clean[self.train_idx]
        self.Y_train = self._onehot(y[self.train_idx])
        self.X_val, self.y_val = self.clean[self.val_idx], y[self.val_idx]
        self.options = _options(settings)
        self.pool: list[list[F32]] = [[] for _ in self.shapes]
        self.bg_shapes: list[list[NDArray[np.float64]]] = []
        self.bg_count = 0
        if self.background:
            per_label = len(self.train_idx) / max(len(labels), 1)
            self.bg_count = max(4, round(BACKGROUND_SHARE * per_label))
            bg = scribbles.generate(
                BACKGROUND_POOL, np.random.default_rng(self.rng.integers(2**32))
            )
            self.bg_shapes = [normalise(s, grid_size) for s in bg]
        self.iteration = 0
        self.best = Best()
        self.member_best = [Best() for _ in members] if len(members) > 1 else []
        self.member_improved = [0 for _ in self.member_best]
        self.improved_at = 0  # the last pass that raised the validation accuracy

    # --- data ----------------------------------------------------------------------------

    def _grids(self, drawings: list[Drawing]) -> F32:
        cells = self.grid_size**2
        out = np.empty((len(drawings), cells), dtype=np.float32)
        for i, d in enumerate(drawings):
            out[i] = rasterise(d.strokes, self.grid_size, antialias=self.antialias)
        return out

    def _onehot(self, y: NDArray[np.intp]) -> F32:
        Y = np.zeros((len(y), self.n_outputs), dtype=np.float32)
        Y[np.arange(len(y)), y] = 1.0
        return Y

    def _variant(self, shape: list[NDArray[np.float64]]) -> F32:
        return augment.variant_grid(shape, self.rng, self.strength, self.grid_size, self.antialias)

    def _pass_data(self, grow: bool) -> tuple[F32, F32]:
        """A pass's inputs and targets: a variant of each training drawing (a new one while the
        pool grows, when `grow`; else one of the pool), and scribbles."""
        if self.strength <= 0:
            X, Y = self.X_train, self.Y_train
        else:
            X = np.empty_like(self.X_train)
            for i, shape in enumerate(self.shapes):
                pool = self.pool[i]
                if grow and len(pool) < POOL_VARIANTS:
                    pool.append(self._variant(shape))
                    X[i] = pool[-1]
                else:
                    X[i] = pool[self.rng.integers(len(pool))]
            Y = self.Y_train
        if self.bg_count:
            picks = self.rng.integers(len(self.bg_shapes), size=self.bg_count)
            strength = max(self.strength, 1.0)
            bg = np.stack(
                [
                    augment.variant_grid(
                        self.bg_shapes[k], self.rng, strength, self.grid_size, self.antialias
                    )
                    for k in picks
                ]
            )
            Yb = np.zeros((self.bg_count, self.n_outputs), dtype=np.float32)
            Yb[:, -1] = 1.0
            X, Y = np.concatenate([X, bg]), np.concatenate([Y, Yb])
        return X.astype(self.net.dtype, copy=False), Y.astype(self.net.dtype, copy=False)

    # --- the passes ----------------------------------------------------------------------

    def mse(self) -> float:
        """The original's MSE on the (un-augmented) training drawings."""
        return mse(self.net, self.X_train, self.Y_train)

    def validate(self) -> float | None:
        """The (merged) network's accuracy on the held-out drawings; None without any."""
        return self._accuracy(self.net)

    def _accuracy(self, net: Network) -> float | None:
        if not len(self.val_idx):
            return None
        logits = net.logits(self.X_val)[:, : len(self.labels)]
        return float(np.mean(logits.argmax(axis=1) == self.y_val))

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
            X, Y = self._pass_data(grow=m == 0)
            next(passes(member, X, Y, self.options, self.rng))
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
        if self.patience is None or not len(self.val_idx) or self.iteration < MIN_PASSES:
            return False
        last = max([self.improved_at, *self.member_improved])
        return self.iteration - last >= self.patience

    # --- the end -------------------------------------------------------------------------

    def finish(self) -> dict[str, Any]:
        """Keep the best weights; the model's extras: validation, calibration, open set."""
        if len(self.members) > 1 and all(b.W for b in self.member_best):
            for member, kept in zip(self.members, self.member_best, strict=True):
                _restore(member, kept)
            self.net = merge(self.members)
            self.best = Best(max(b.iteration for b in self.member_best))
        elif self.best.W:
            _restore(self.net, self.best)
        temperature = 1.0
        validation: dict[str, Any] | None = None
        n = len(self.labels)
        if len(self.val_idx):
            logits = self.net.logits(self.X_val)
            temperature = evaluation.fit_temperature(logits[:, :n], self.y_val, TEMPERATURE_PRIOR)
            predicted = logits[:, :n].argmax(axis=1)
            wrong = predicted != self.y_val
            validation = {
                "samples": len(self.val_idx),
                "accuracy": float(np.mean(~wrong)),
                "labels": list(self.labels),
                "confusion": evaluation.confusion(self.y_val, predicted, n).tolist(),
                "misclassified": [int(i) for i in self.ids[self.val_idx][wrong]],
                "held_out": [
                    {"id": int(i), "label": self.labels[t], "recognised": self.labels[p]}
                    for i, t, p in zip(self.ids[self.val_idx], self.y_val, predicted, strict=True)
                ],
                "iteration": self.best.iteration,
            }
        return {
            "final_mse": self.mse(),
            "grid": {"antialias": self.antialias},
            "calibration": {"temperature": temperature},
            "open_set": self._open_set(),
            "validation": validation,
            "validation_note": self.validation_note,
            "background": self.background,
        }

    def _open_set(self) -> dict[str, Any]:
        """Nearest-drawing distance threshold from held-out drawings (or leave-one-out)."""
        reference = self.X_train
        if len(self.val_idx):
            typical = evaluation.nearest_distances(reference, self.X_val)
        else:
            typical = evaluation.leave_one_out_nearest(reference)
        threshold = None
        if typical.size >= 2:
            threshold = float(np.quantile(typical, DISTANCE_QUANTILE) * DISTANCE_MARGIN)
        return {
            "reference": pack_grids(reference),
            "distance": threshold,
            "min_confidence": MIN_CONFIDENCE,
        }


def _restore(net: Network, kept: Best) -> None:
    for i, (W, b) in enumerate(zip(kept.W, kept.b, strict=True)):
        net.W[i][...] = W
        net.b[i][...] = b


def drive(
    run: Run,
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


def _options(settings: dict[str, Any]) -> TrainOptions:
    return TrainOptions(
        mode=settings["mode"],
        batch_size=settings["batch_size"],
        learning_rate=settings["learning_rate"],
        momentum=settings["momentum"],
        shuffle=settings["shuffle"],
        loss=settings.get("loss", "squared_error"),
        weight_decay=settings.get("weight_decay", 0.0),
    )
