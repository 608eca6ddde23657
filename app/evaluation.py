"""Evaluation: stratified hold-out split, confusion matrix, temperature calibration, distances.

numpy only. Labels are integer indices 0 .. n_labels - 1; probabilities and logits are
(n_samples, n_labels) row-wise.
"""

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

MIN_PER_LABEL = 5
VALIDATION_FRACTION = 0.2
T_MIN, T_MAX = 0.05, 20.0
# Golden-section steps on log T: the bracket log(400) ~ 6 shrinks to ~1e-12 after 60.
_GOLDEN_STEPS = 60
_INV_PHI = (math.sqrt(5.0) - 1.0) / 2.0
# About 8 MB of float64 temporaries per chunk of the distance matrix.
_DISTANCE_BUDGET = 1 << 20

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
Floats = NDArray[np.floating[Any]]  # inputs: float32 or float64
Indices = NDArray[np.intp]


def held_out_count(n: int, fraction: float) -> int:
    """How many of a label's n samples the split holds out: max(1, fraction * n rounded half up)."""
    return max(1, math.floor(fraction * n + 0.5))


def stratified_split(
    y: Indices,
    fraction: float,
    rng: np.random.Generator,
    min_per_label: int = MIN_PER_LABEL,
    *,
    names: Sequence[str] | None = None,
    keys: NDArray[np.uint64] | None = None,
) -> tuple[Indices, Indices, str | None]:
    """Labels y (n,) -> indices (train, held_out), both sorted, and a note when nothing is held out.

    Every label present holds out held_out_count(n_label, fraction) samples chosen at random
    (never its last one), but only when every label has at least `min_per_label` samples: a
    label missing from validation would make its accuracy silently unknown. `names[i]` names
    label i in the note (else the index is used). With `keys` (n,), each label holds out its
    samples of lowest key instead of random ones: a split that stays put as samples come and go.
    """
    if not 0.0 <= fraction < 1.0:
        raise ValueError(f"fraction must be in [0, 1), got {fraction}")
    if min_per_label < 2:
        raise ValueError(f"min_per_label must be at least 2, got {min_per_label}")
    y = np.asarray(y, dtype=np.intp)
    everything = np.arange(y.size, dtype=np.intp)
    none = np.zeros(0, dtype=np.intp)
    if fraction == 0.0:
        return everything, none, "no validation: validation is off (fraction 0)"
    if y.size == 0:
        return everything, none, "no validation: there are no samples"
    labels, counts = np.unique(y, return_counts=True)
    few = [
        (int(label), int(c)) for label, c in zip(labels, counts, strict=True) if c < min_per_label
    ]
    if few:
        listed = ", ".join(
            f"{_name(label, names)!r} has {c}" if names else f"label {label} has {c}"
            for label, c in few[:5]
        )
        more = f" and {len(few) - 5} more" if len(few) > 5 else ""
        note = (
            f"no validation: hold-out needs at least {min_per_label} samples of every label; "
            f"{listed}{more}"
        )
        return everything, none, note
    held = np.zeros(y.size, dtype=bool)
    for label, c in zip(labels, counts, strict=True):
        members = np.flatnonzero(y == label)
        k = min(held_out_count(int(c), fraction), int(c) - 1)
        if keys is None:
            held[rng.choice(members, size=k, replace=False)] = True
        else:
            held[members[np.argsort(keys[members], kind="stable")[:k]]] = True
    return np.flatnonzero(~held), np.flatnonzero(held), None


def _name(label: int, names: Sequence[str] | None) -> str:
    return names[label] if names is not None and 0 <= label < len(names) else str(label)


def confusion(y_true: Indices, y_pred: Indices, n_labels: int) -> I64:
    """Labels (n,), predictions (n,) -> counts (n_labels, n_labels), [i][j] = true i predicted j."""
    y_true, y_pred = np.asarray(y_true, dtype=np.intp), np.asarray(y_pred, dtype=np.intp)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise ValueError(f"y_true {y_true.shape} and y_pred {y_pred.shape} must be equal 1-D")
    for v in (y_true, y_pred):
        if v.size and (v.min() < 0 or v.max() >= n_labels):
            raise ValueError(f"labels must be in 0 .. {n_labels - 1}")
    flat = np.bincount(y_true * n_labels + y_pred, minlength=n_labels * n_labels)
    return flat.astype(np.int64).reshape(n_labels, n_labels)


def softmax(logits: Floats, temperature: float = 1.0) -> F64:
    """Logits (n, k) -> probabilities (n, k): softmax(logits / temperature) along the last axis."""
    z = np.asarray(logits, dtype=np.float64) / temperature
    z = z - z.max(axis=-1, keepdims=True)  # exp of at most 0 cannot overflow
    e = np.exp(z)
    out: F64 = e / e.sum(axis=-1, keepdims=True)
    return out


def nll(probs: Floats, y: Indices) -> float:
    """Mean negative log-likelihood of the true labels y (n,) under probs (n, k); 0 when n = 0."""
    if len(y) == 0:
        return 0.0
    p = np.asarray(probs, dtype=np.float64)[np.arange(len(y)), y]
    return float(-np.mean(np.log(np.maximum(p, np.finfo(np.float64).tiny))))


def fit_temperature(logits: Floats, y: Indices, prior: tuple[float, float] | None = None) -> float:
    """The T in [T_MIN, T_MAX] minimising the NLL of softmax(logits (n, k) / T) on labels y (n,).

    Temperature scaling (Guo et al. 2017). The NLL is convex in 1 / T, hence unimodal in log T,
    so a golden-section search on log T finds the minimum without gradients. 1.0 for n = 0.
    `prior` (T0, weight) adds weight * (log T - log T0)^2 to the summed NLL: a few held-out
    samples that are all right would otherwise drive T to T_MIN (certainty from 10 drawings).
    """
    z = np.asarray(logits, dtype=np.float64)
    y = np.asarray(y, dtype=np.intp)
    if z.ndim != 2 or y.shape != (z.shape[0],):
        raise ValueError(f"logits {z.shape} must be (n, k) and y {y.shape} must be (n,)")
    if y.size == 0 or not np.ptp(z, axis=1).any():
        return 1.0  # nothing to fit, or every T gives uniform probabilities
    # Shifting rows by their max commutes with dividing by T > 0, so do it once.
    z = z - z.max(axis=1, keepdims=True)
    true = z[np.arange(y.size), y]

    center, weight = (0.0, 0.0) if prior is None else (math.log(prior[0]), prior[1])

    def loss(log_t: float) -> float:
        beta = math.exp(-log_t)
        nll = float(np.sum(np.log(np.exp(z * beta).sum(axis=1)) - true * beta))
        return nll + weight * (log_t - center) ** 2

    a, b = math.log(T_MIN), math.log(T_MAX)
    c, d = b - _INV_PHI * (b - a), a + _INV_PHI * (b - a)
    fc, fd = loss(c), loss(d)
    for _ in range(_GOLDEN_STEPS):
        if fc <= fd:
            b, d, fd = d, c, fc
            c = b - _INV_PHI * (b - a)
            fc = loss(c)
        else:
            a, c, fc = c, d, fd
            d = a + _INV_PHI * (b - a)
            fd = loss(d)
    return math.exp((a + b) / 2)


def ece(probs: Floats, y: Indices, bins: int = 10) -> float:
    """Expected calibration error of probs (n, k) on labels y (n,); 0 when n = 0.

    Top-label confidence in `bins` equal-width bins (lo, hi]; the sum over bins of
    |accuracy - mean confidence| weighted by the bin's share of samples.
    """
    p = np.asarray(probs, dtype=np.float64)
    if len(y) == 0:
        return 0.0
    conf = p.max(axis=1)
    correct = (p.argmax(axis=1) == np.asarray(y)).astype(np.float64)
    b = np.clip(np.ceil(conf * bins).astype(np.intp) - 1, 0, bins - 1)
    # Per bin, count * |accuracy - confidence| = |sum(correct - conf)|.
    gap = np.bincount(b, weights=correct - conf, minlength=bins)
    return float(np.abs(gap).sum() / len(y))


def nearest_distances(reference: Floats, queries: Floats) -> F64:
    """Euclidean distance (n,) of each query (n, d) to its nearest row of reference (m, d)."""
    return _nearest(np.asarray(reference, dtype=np.float64), np.asarray(queries, np.float64), False)


def leave_one_out_nearest(reference: Floats) -> F64:
    """Distance (m,) of each row of reference (m, d), m >= 2, to its nearest other row."""
    r = np.asarray(reference, dtype=np.float64)
    if r.shape[0] < 2:
        raise ValueError("leave-one-out needs at least 2 rows")
    return _nearest(r, r, True)


def _nearest(r: Floats, q: Floats, skip_self: bool) -> F64:
    """Nearest-row distances (n,) of q (n, d) to r (m, d); row i of q skips row i of r if asked."""
    if r.ndim != 2 or q.ndim != 2 or r.shape[1] != q.shape[1]:
        raise ValueError(f"reference {r.shape} and queries {q.shape} must be (m, d) and (n, d)")
    if r.shape[0] == 0:
        raise ValueError("reference has no rows")
    rr = np.einsum("ij,ij->i", r, r)
    qq = np.einsum("ij,ij->i", q, q)
    best = np.empty(q.shape[0], dtype=np.intp)
    step = max(1, _DISTANCE_BUDGET // r.shape[0])
    for start in range(0, q.shape[0], step):
        stop = min(start + step, q.shape[0])
        # |q - r|^2 = |q|^2 + |r|^2 - 2 q.r: one matrix product instead of an (n, m, d) array.
        d2 = qq[start:stop, None] + rr[None, :] - 2.0 * (q[start:stop] @ r.T)
        if skip_self:
            d2[np.arange(stop - start), np.arange(start, stop)] = np.inf
        best[start:stop] = d2.argmin(axis=1)
    # The expansion cancels badly for near neighbours; measure the winners directly, so that
    # duplicates give exactly 0.
    out: F64 = np.sqrt(((q - r[best]) ** 2).sum(axis=1))
    return out
