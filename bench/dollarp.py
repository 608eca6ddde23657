"""The $P point-cloud recognizer (Vatavu, Anthony & Wobbrock, "Gestures as Point Clouds: A $P
Recognizer for User Interface Prototypes", ICMI 2012), in numpy.

As in the paper: each drawing is resampled to n = 32 points equally spaced along its path (the
gaps between strokes do not count), scaled to the unit box keeping its aspect ratio, and its
centroid moved to the origin. Two clouds are compared by GreedyCloudMatch: from every
floor(n ** (1 - epsilon))-th start point (epsilon = 0.5: starts 0, 5, ..., 30), in both
directions, each point in turn takes its nearest not yet matched point of the other cloud,
weighted 1 - ((i - start + n) % n) / n; the distance is the least of those sums, and a drawing
gets the label of the nearest template (the first one on a tie).

`greedy_cloud_match` is the paper's pseudo-code as written. `PDollar` gives the same answers
faster: all (start, direction) runs of many pairs advance together, one point per numpy step,
and only runs that can still win are run. Each term of a run is at least its weight times the
distance from that point to its nearest point of the other cloud, so those weighted nearest
distances sum to a lower bound of the run; a run whose bound exceeds a distance already found
for that drawing cannot be the nearest.

Where the paper leaves a case open: a drawing with no path length (dots only) is resampled by
repeating its points in order, a drawing with no extent is not scaled, and the last resampled
point is always the end of the path (the paper's step-by-step Resample takes the drawing's
last point when rounding falls short, which differs only after a final one-point stroke).
"""

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

N_POINTS = 32
EPSILON = 0.5
F64 = NDArray[np.float64]
Strokes = Sequence[Sequence[Sequence[float]]]

_CHUNK = 16  # drawings per block: 16 x 300 templates x 32 x 32 float64 distances = 39 MB
_SEED_RUNS = 32  # runs per drawing evaluated first, the lowest bounds, to find a distance to beat
_CHECK_EVERY = 4  # steps between checks whether a run can still win
_TOLERANCE = 1e-9  # relative; the bound and the run sum the same terms in a different order


def normalise(strokes: Strokes, n: int = N_POINTS) -> F64:
    """Strokes -> the $P cloud (n, 2): resampled, scaled to the unit box, centroid at 0."""
    points = resample(strokes, n)
    low = points.min(axis=0)
    size = float((points.max(axis=0) - low).max()) or 1.0
    points = (points - low) / size
    centred: F64 = points - points.mean(axis=0)
    return centred


def resample(strokes: Strokes, n: int = N_POINTS) -> F64:
    """Strokes -> n points (n, 2) equally spaced along the path, jumps between strokes skipped.

    The first point is the drawing's first point; then one point every path_length / (n - 1)
    along the strokes, the paper's Resample without its step-by-step rounding.
    """
    parts = [np.asarray(s, dtype=np.float64)[:, :2] for s in strokes if len(s)]
    if not parts:
        raise ValueError("strokes contain no points")
    points = np.concatenate(parts)
    a = np.concatenate([p[:-1] for p in parts])
    b = np.concatenate([p[1:] for p in parts])
    length = np.hypot(*(b - a).T)
    a, b, length = a[length > 0], b[length > 0], length[length > 0]
    if length.size == 0:
        return np.resize(points, (n, 2))
    ends = np.cumsum(length)
    at = ends[-1] / (n - 1) * np.arange(1, n)  # path length of each new point
    j = np.minimum(np.searchsorted(ends, at, side="left"), length.size - 1)
    t = np.clip((at - (ends[j] - length[j])) / length[j], 0.0, 1.0)
    return np.vstack([points[:1], a[j] + t[:, None] * (b[j] - a[j])])


def starts(n: int = N_POINTS) -> list[int]:
    """The start points GreedyCloudMatch tries: every floor(n ** (1 - EPSILON))-th."""
    return list(range(0, n, int(np.floor(n ** (1 - EPSILON)))))


def greedy_cloud_match(points: F64, template: F64) -> float:
    """The paper's GreedyCloudMatch of two clouds (n, 2), written as its pseudo-code."""
    n = len(points)
    best = np.inf
    for i in starts(n):
        d1 = cloud_distance(points, template, i)
        d2 = cloud_distance(template, points, i)
        best = min(best, d1, d2)
    return float(best)


def cloud_distance(points: F64, template: F64, start: int) -> float:
    """The paper's CloudDistance: each point from `start` on takes its nearest unmatched one."""
    n = len(points)
    matched = [False] * n
    total = 0.0
    i = start
    while True:
        least, index = np.inf, -1
        for j in range(n):
            if not matched[j]:
                dx, dy = points[i] - template[j]
                d = math.sqrt(dx * dx + dy * dy)
                if d < least:
                    least, index = d, j
        matched[index] = True
        weight = 1 - ((i - start + n) % n) / n
        total += weight * least
        i = (i + 1) % n
        if i == start:
            return total


class PDollar:
    """$P: nearest template by GreedyCloudMatch. fit(drawings, labels); predict(drawings)."""

    def __init__(self, n: int = N_POINTS) -> None:
        self.n = n
        self.clouds: F64 = np.empty((0, n, 2))
        self.labels: list[str] = []

    def fit(self, strokes_list: Sequence[Strokes], labels: Sequence[str]) -> "PDollar":
        if len(strokes_list) != len(labels) or not labels:
            raise ValueError("need as many labels as drawings, and at least one of each")
        self.clouds = np.stack([normalise(s, self.n) for s in strokes_list])
        self.labels = [str(label) for label in labels]
        return self

    def predict(self, strokes_list: Sequence[Strokes]) -> list[str]:
        index, _ = self.nearest(strokes_list)
        return [self.labels[i] for i in index]

    def nearest(self, strokes_list: Sequence[Strokes]) -> tuple[NDArray[np.intp], F64]:
        """Index (k,) of each drawing's nearest template and its distance (k,)."""
        if not self.labels:
            raise ValueError("fit the recognizer first")
        clouds = np.stack([normalise(s, self.n) for s in strokes_list]).reshape(-1, self.n, 2)
        index = np.zeros(len(clouds), dtype=np.intp)
        distance = np.zeros(len(clouds))
        for lo in range(0, len(clouds), _CHUNK):
            index[lo : lo + _CHUNK], distance[lo : lo + _CHUNK] = _nearest(
                clouds[lo : lo + _CHUNK], self.clouds
            )
        return index, distance


def _nearest(clouds: F64, templates: F64) -> tuple[NDArray[np.intp], F64]:
    """Clouds (k, n, 2) against templates (m, n, 2) -> nearest template (k,), distance (k,)."""
    k, m, n = len(clouds), len(templates), clouds.shape[1]
    # D2[c, t, i, j]: squared distance from point i of cloud c to point j of template t.
    # Direction 0 matches the cloud's points in turn (rows), direction 1 the template's.
    D2 = clouds[:, None, :, None, 0] - templates[None, :, None, :, 0]
    dy = clouds[:, None, :, None, 1] - templates[None, :, None, :, 1]
    D2 *= D2
    dy *= dy
    D2 += dy
    first = np.asarray(starts(n))
    steps = (np.arange(n)[None, :] - first[:, None]) % n  # (s, n): step at which point i goes
    weights = 1 - steps / n  # (s, n)
    # bound[c, t, d, s]: a lower bound of run (direction d, start s) of cloud c, template t.
    near = np.stack([np.sqrt(D2.min(axis=3)), np.sqrt(D2.min(axis=2))], axis=2)  # (k, m, 2, n)
    bound = near @ weights.T  # (k, m, 2, s): a lower bound of each run
    runs = bound.reshape(k, -1)  # (k, m * 2 * s), run r = (t * 2 + d) * s + start index
    seed = np.argsort(runs, axis=1)[:, :_SEED_RUNS]
    c = np.repeat(np.arange(k), seed.shape[1])
    seed_sum = _runs(D2, near, first, c, seed.ravel(), np.full(c.size, np.inf))
    beat = seed_sum.reshape(k, -1).min(axis=1)  # (k,): the nearest is at most this far
    c, r = np.nonzero(runs <= beat[:, None] * (1 + _TOLERANCE))
    total = np.full(runs.shape, np.inf)
    total[c, r] = _runs(D2, near, first, c, r, beat[c])
    per_template = total.reshape(k, m, -1).min(axis=2)
    index = per_template.argmin(axis=1)
    return index, per_template[np.arange(k), index]


def _runs(
    D2: F64,
    near: F64,
    first: NDArray[np.intp],
    c: NDArray[np.intp],
    r: NDArray[np.intp],
    limit: F64,
) -> F64:
    """CloudDistance of many runs at once: cloud c (q,), run r (q,) -> weighted sums (q,).

    D2 (k, m, n, n) and near (k, m, 2, n) are as in _nearest; run r = (template * 2 +
    direction) * len(first) + start. A run is given up (inf) once its sum so far plus the bound
    of its remaining terms exceeds its limit (q,).
    """
    n = D2.shape[2]
    t, rest = np.divmod(r, 2 * len(first))
    direction, s = np.divmod(rest, len(first))
    order = (first[s][:, None] + np.arange(n)) % n  # (q, n): the point that goes at each step
    M = np.sqrt(D2[c, t])  # (q, n, n)
    M = np.where(direction[:, None, None] == 0, M, M.transpose(0, 2, 1))
    M = np.take_along_axis(M, order[:, :, None], axis=1)  # rows in step order
    weight = 1 - np.arange(n) / n
    # What the terms from each step on add at least: (q, n + 1), 0 after the last step.
    least = np.take_along_axis(near[c, t, direction], order, axis=1) * weight
    rest_bound = np.zeros((len(c), n + 1))
    rest_bound[:, :n] = np.cumsum(least[:, ::-1], axis=1)[:, ::-1]
    out = np.full(len(c), np.inf)
    alive = np.arange(len(c))
    matched = np.zeros((len(c), n), dtype=bool)
    total = np.zeros(len(c))
    for step in range(n):
        if step and step % _CHECK_EVERY == 0:
            keep = total + rest_bound[alive, step] <= limit[alive] * (1 + _TOLERANCE)
            if not keep.all():
                alive, M, matched, total = alive[keep], M[keep], matched[keep], total[keep]
        q = np.arange(alive.size)
        row = M[:, step]  # (q, n): distances from this step's point; each row is used once
        row[matched] = np.inf
        j = row.argmin(axis=1)
        total += weight[step] * row[q, j]
        matched[q, j] = True
    out[alive] = total
    return out
