"""Cross-fitting's folds and the honest figure they give (docs/recognition.md).

Each of an ensemble's K members holds out one fold and trains on the others, so every drawing
has exactly one out-of-fold answer, from the member that never saw it.
"""

import math
import zlib
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

Z_95 = 1.959963984540054  # the standard normal's 97.5% quantile


def assign_folds(ids: Sequence[int], labels: Sequence[str], k: int) -> NDArray[np.intp]:
    """The fold (0 .. k-1) of each sample: stratified and stable.

    Within each label the samples take the folds in turn, in the order of their ids (the order
    they were added), from an offset that a hash of the label chooses (so labels with fewer than
    k samples do not all leave the same fold empty). A new sample has a larger id than every
    other: it joins the end of its label's turn, and every other sample keeps its fold.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    folds = np.empty(len(ids), dtype=np.intp)
    order = np.argsort(np.asarray(ids, dtype=np.int64), kind="stable")
    seen: dict[str, int] = {}
    for i in order:
        label = labels[i]
        rank = seen.get(label, 0)
        seen[label] = rank + 1
        folds[i] = (rank + zlib.crc32(label.encode())) % k
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
