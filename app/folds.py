"""Cross-fitting's folds and the honest figure they give (docs/settings.md, "Validation").

Each of an ensemble's K members holds out one fold and trains on the others, so every drawing
has exactly one out-of-fold answer, from the member that never saw it.
"""

import math
import zlib
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from app.nn.network import Network

Z_95 = 1.959963984540054  # the standard normal's 97.5% quantile


def assign_folds(
    ids: Sequence[int],
    labels: Sequence[str],
    k: int,
    previous: Mapping[int, int] | None = None,
) -> NDArray[np.intp]:
    """The fold (0 .. k-1) of each sample: stratified and stable.

    A sample in `previous` (the folds of the run being continued) keeps its fold, so no member
    ever trains on a drawing it is later asked to answer out-of-fold. Every other sample, in the
    order of the ids (the order they were added), joins the fold that has the fewest of its
    label; ties go round from an offset a hash of the label chooses (so labels with fewer than k
    samples do not all leave the same fold empty). Within a label the counts of the folds then
    differ by at most one, unless deletions unbalanced the kept ones.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    previous = previous or {}
    folds = np.empty(len(ids), dtype=np.intp)
    counts: dict[str, list[int]] = {}
    new = []
    for i, (sample, label) in enumerate(zip(ids, labels, strict=True)):
        kept = previous.get(int(sample))
        if kept is not None and 0 <= kept < k:
            folds[i] = kept
            counts.setdefault(label, [0] * k)[kept] += 1
        else:
            new.append(i)
    for i in sorted(new, key=lambda i: int(ids[i])):
        label = labels[i]
        count = counts.setdefault(label, [0] * k)
        offset = zlib.crc32(label.encode())
        fold = min(range(k), key=lambda f: (count[f], (f - offset) % k))
        folds[i] = fold
        count[fold] += 1
    return folds


def wilson(successes: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of a rate: 95% by default; (0, 1) when n is 0.

    Unlike the plain p ± z·se it never leaves [0, 1], and 5 of 5 right reads 57-100%, not 100%."""
    if n <= 0:
        return 0.0, 1.0
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


class CrossFit:
    """A run's folds: which drawings each member trains on, and the out-of-fold answers.

    Members 0 .. k-1 each hold out their fold; any member past them (the refit) trains on all."""

    def __init__(
        self,
        ids: NDArray[np.int64],
        labels: Sequence[str],
        k: int,
        previous: Mapping[int, int] | None = None,
    ) -> None:
        self.ids, self.k = ids, k
        self.folds = assign_folds(ids.tolist(), labels, k, previous)
        self.held = [np.flatnonzero(self.folds == m) for m in range(k)]
        self._trained = [np.flatnonzero(self.folds != m) for m in range(k)]

    def rows(self, member: int) -> NDArray[np.intp] | None:
        """The drawings (rows) `member` trains on; None: all of them."""
        return self._trained[member] if member < self.k else None

    def out_of_fold(
        self, members: Sequence[Network], X: NDArray[np.floating[Any]], n_labels: int
    ) -> NDArray[np.float64]:
        """Every drawing's logits (n, n_labels) from the member that held it out."""
        out = np.zeros((len(X), n_labels))
        for m, rows in enumerate(self.held):
            if len(rows):
                out[rows] = members[m].logits(X[rows])[:, :n_labels]
        return out

    def as_dict(self) -> dict[int, int]:
        """The folds as a model document keeps them, for a continued run: sample id -> fold."""
        return {int(i): int(f) for i, f in zip(self.ids, self.folds, strict=True)}
