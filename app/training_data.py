"""What a recognizer's training learns from and is measured on (numpy only): the hold-out, the
clean grids, and each pass's augmented variants and generated scribbles.

- **Hold-out** (without cross-fitting): `evaluation.stratified_split` with keys from the sample
  ids, so a sample stays on the same side when a training continues or samples are added.
- **Passes.** Each pass rasterises a fresh random variant of every training drawing
  (`augment.variant_grids`: all drawings at once) while the pool is young, then reuses the pool
  (`POOL_VARIANTS` per drawing): after that a pass costs only the network's work.
- **Background class.** With `reject` on, generated scribbles (`app.scribbles`) are a hidden
  extra output, last, that the network learns to give to drawings that are none of the labels.
  They are the same for every run (`background`: a fixed seed), so they are made once per
  process and a training process inherits them from the forkserver (`app.jobs.preload`).
"""

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import DTypeLike, NDArray

from app import augment, evaluation, scribbles
from app.ink import normalise_many, rasterise_many
from app.network_settings import NetworkSettings

Strokes = list[list[list[float]]]
F32 = NDArray[np.float32]

POOL_VARIANTS = 12  # variants kept per drawing; fresh ones until the pool is full
BACKGROUND_SHARE = 1.0  # scribbles per pass, relative to the mean samples per label
BACKGROUND_POOL = 60  # distinct scribbles, POOL_VARIANTS variants each
# The background's scribbles and variants: one fixed draw (bench.realdata's "unknown" figures
# use another seed), so rasterising them is paid once per process instead of in every run.
BACKGROUND_SEED = 0x5C81BB1E


@dataclass(frozen=True)
class Drawing:
    id: int
    label: int  # index into the run's labels
    strokes: Strokes


def split_keys(ids: NDArray[np.int64]) -> NDArray[np.uint64]:
    """A fixed pseudo-random key per sample id (Fibonacci hashing): which samples are held out
    depends on the ids alone, so a continued training never trains on its held-out samples."""
    with np.errstate(over="ignore"):
        return ids.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)


def hold_out(
    ids: NDArray[np.int64], y: NDArray[np.intp], labels: list[str], settings: NetworkSettings
) -> tuple[NDArray[np.intp], NDArray[np.intp], str | None]:
    """Indices (trained on by every network, held out from all) and the note when nothing is
    held out. Cross-fitting holds out folds per network (app.folds) instead: nothing here."""
    if settings.cross_fits():
        return np.arange(len(y)), np.zeros(0, dtype=np.intp), None
    # The keys make the split deterministic: the rng is never drawn from.
    return evaluation.stratified_split(
        y, settings.validation_split, np.random.default_rng(0), names=labels, keys=split_keys(ids)
    )


def validation_size(drawings: list[Drawing], labels: list[str], settings: NetworkSettings) -> int:
    """How many drawings a run's validation answers: all of them with cross-fitting."""
    ids = np.array([d.id for d in drawings], dtype=np.int64)
    y = np.array([d.label for d in drawings], dtype=np.intp)
    _, held, _ = hold_out(ids, y, labels, settings)
    return len(y) if settings.cross_fits() else len(held)


class TrainingData:
    """The drawings of one training, split and rasterised as its settings say."""

    def __init__(
        self,
        drawings: list[Drawing],
        labels: list[str],
        settings: NetworkSettings,
        grid_size: int,
        rng: np.random.Generator,
    ) -> None:
        self.grid_size, self.rng = grid_size, rng
        self.antialias = settings.antialias
        self.strength = augment.LEVELS[settings.augmentation]
        self.background = settings.reject
        self.n_outputs = settings.outputs(len(labels))
        self.ids = np.array([d.id for d in drawings], dtype=np.int64)
        self.y = np.array([d.label for d in drawings], dtype=np.intp)
        train, held, self.validation_note = hold_out(self.ids, self.y, labels, settings)
        self.train_idx, self.val_idx = np.sort(train), np.sort(held)
        self.clean = self._grids(drawings)  # (n, cells): every drawing, un-augmented
        self.X_train = self.clean[self.train_idx]
        self.Y_train = self._onehot(self.y[self.train_idx])
        self.X_val, self.y_val = self.clean[self.val_idx], self.y[self.val_idx]
        self.shapes = normalise_many([drawings[i].strokes for i in self.train_idx], grid_size)
        # Each drawing's variants: one more a pass (all drawings together) until the pool is full.
        self.pool = np.empty((len(self.shapes), POOL_VARIANTS, grid_size**2), dtype=np.float32)
        self.pool_size = 0
        self.bg_count = 0
        self.bg_pool = np.zeros((0, grid_size**2), dtype=np.float32)
        if self.background:
            per_label = len(self.train_idx) / max(len(labels), 1)
            self.bg_count = max(4, round(BACKGROUND_SHARE * per_label))
            self.bg_pool = background(settings, grid_size)

    def _grids(self, drawings: list[Drawing]) -> F32:
        return rasterise_many(
            [d.strokes for d in drawings], self.grid_size, antialias=self.antialias
        )

    def _onehot(self, y: NDArray[np.intp]) -> F32:
        Y = np.zeros((len(y), self.n_outputs), dtype=np.float32)
        Y[np.arange(len(y)), y] = 1.0
        return Y

    def pass_data(
        self, grow: bool, dtype: DTypeLike, rows: NDArray[np.intp] | None = None
    ) -> tuple[F32, F32]:
        """A pass's inputs and targets: a variant of each training drawing (a new one while the
        pool grows, when `grow`; else one of the pool), or of those in `rows`, and scribbles."""
        if self.strength <= 0:
            X, Y = self.X_train, self.Y_train
            if rows is not None:
                X, Y = X[rows], Y[rows]
        else:
            made = grow and self.pool_size < POOL_VARIANTS
            if made:
                self.pool[:, self.pool_size] = augment.variant_grids(
                    self.shapes, self.rng, self.strength, self.grid_size, self.antialias
                )
                self.pool_size += 1
            chosen = np.arange(len(self.shapes)) if rows is None else rows
            if made:  # the variants just made
                variant = np.full(len(chosen), self.pool_size - 1)
            else:
                variant = self.rng.integers(self.pool_size, size=len(chosen))
            X, Y = self.pool[chosen, variant], self.Y_train[chosen]
        if self.bg_count:
            bg = self.bg_pool[self.rng.integers(len(self.bg_pool), size=self.bg_count)]
            Yb = np.zeros((self.bg_count, self.n_outputs), dtype=np.float32)
            Yb[:, -1] = 1.0
            X, Y = np.concatenate([X, bg]), np.concatenate([Y, Yb])
        return X.astype(dtype, copy=False), Y.astype(dtype, copy=False)


def background(settings: NetworkSettings, grid_size: int) -> F32:
    """The background class's grids (BACKGROUND_POOL * POOL_VARIANTS, cells) for a run of these
    settings, read-only: the same for every such run, so made once per process (~0.5 s)."""
    # Scribbles vary at least as much as the standard augmentation, whatever the settings say.
    strength = max(augment.LEVELS[settings.augmentation], 1.0)
    return _background(grid_size, settings.antialias, strength)


@lru_cache(maxsize=8)
def _background(grid_size: int, antialias: bool, strength: float) -> F32:
    rng = np.random.default_rng(BACKGROUND_SEED)
    shapes = normalise_many(scribbles.generate(BACKGROUND_POOL, rng), grid_size)
    variants = [shape for shape in shapes for _ in range(POOL_VARIANTS)]
    grids = augment.variant_grids(variants, rng, strength, grid_size, antialias)
    grids.flags.writeable = False
    return grids
