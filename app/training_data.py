"""What a recognizer's training learns from and is measured on (numpy only): the hold-out, the
clean grids, and each pass's augmented variants and generated scribbles.

- **Hold-out.** `evaluation.stratified_split` with keys from the sample ids, so a sample stays on
  the same side when a training continues or samples are added.
- **Passes.** Each pass rasterises a fresh random variant of every training drawing
  (`augment.variant_grid`) while the pool is young, then reuses the pool (`POOL_VARIANTS` per
  drawing): after that a pass costs only the network's work.
- **Background class.** With `reject` on, generated scribbles (`app.scribbles`) are a hidden
  extra output, last, that the network learns to give to drawings that are none of the labels.
"""

from dataclasses import dataclass

import numpy as np
from numpy.typing import DTypeLike, NDArray

from app import augment, evaluation, scribbles
from app.ink import normalise, rasterise
from app.schemas import NetworkSettings

Strokes = list[list[list[float]]]
F32 = NDArray[np.float32]

POOL_VARIANTS = 12  # variants kept per drawing; fresh ones until the pool is full
BACKGROUND_SHARE = 1.0  # scribbles per pass, relative to the mean samples per label
BACKGROUND_POOL = 60  # distinct scribbles generated once per run (each pass varies them)


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
        train, held, self.validation_note = evaluation.stratified_split(
            self.y, settings.validation_split, rng, names=labels, keys=split_keys(self.ids)
        )
        self.train_idx, self.val_idx = np.sort(train), np.sort(held)
        self.clean = self._grids(drawings)  # (n, cells): every drawing, un-augmented
        self.X_train = self.clean[self.train_idx]
        self.Y_train = self._onehot(self.y[self.train_idx])
        self.X_val, self.y_val = self.clean[self.val_idx], self.y[self.val_idx]
        self.shapes = [normalise(drawings[i].strokes, grid_size) for i in self.train_idx]
        self.pool: list[list[F32]] = [[] for _ in self.shapes]
        self.bg_shapes: list[list[NDArray[np.float64]]] = []
        self.bg_count = 0
        if self.background:
            per_label = len(self.train_idx) / max(len(labels), 1)
            self.bg_count = max(4, round(BACKGROUND_SHARE * per_label))
            bg = scribbles.generate(BACKGROUND_POOL, np.random.default_rng(rng.integers(2**32)))
            self.bg_shapes = [normalise(s, grid_size) for s in bg]

    def _grids(self, drawings: list[Drawing]) -> F32:
        out = np.empty((len(drawings), self.grid_size**2), dtype=np.float32)
        for i, d in enumerate(drawings):
            out[i] = rasterise(d.strokes, self.grid_size, antialias=self.antialias)
        return out

    def _onehot(self, y: NDArray[np.intp]) -> F32:
        Y = np.zeros((len(y), self.n_outputs), dtype=np.float32)
        Y[np.arange(len(y)), y] = 1.0
        return Y

    def _variant(self, shape: list[NDArray[np.float64]], strength: float) -> F32:
        return augment.variant_grid(shape, self.rng, strength, self.grid_size, self.antialias)

    def pass_data(self, grow: bool, dtype: DTypeLike) -> tuple[F32, F32]:
        """A pass's inputs and targets: a variant of each training drawing (a new one while the
        pool grows, when `grow`; else one of the pool), and scribbles."""
        if self.strength <= 0:
            X, Y = self.X_train, self.Y_train
        else:
            X = np.empty_like(self.X_train)
            for i, shape in enumerate(self.shapes):
                pool = self.pool[i]
                if grow and len(pool) < POOL_VARIANTS:
                    pool.append(self._variant(shape, self.strength))
                    X[i] = pool[-1]
                else:
                    X[i] = pool[self.rng.integers(len(pool))]
            Y = self.Y_train
        if self.bg_count:
            picks = self.rng.integers(len(self.bg_shapes), size=self.bg_count)
            strength = max(self.strength, 1.0)
            bg = np.stack([self._variant(self.bg_shapes[k], strength) for k in picks])
            Yb = np.zeros((self.bg_count, self.n_outputs), dtype=np.float32)
            Yb[:, -1] = 1.0
            X, Y = np.concatenate([X, bg]), np.concatenate([Y, Yb])
        return X.astype(dtype, copy=False), Y.astype(dtype, copy=False)
