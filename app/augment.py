"""Augmentation: random variants of a drawing's strokes, for training on few samples (numpy only).

A recognizer trained on a handful of real drawings per label learns more if every training pass
sees a slightly different version of each. We have the strokes, not only the pixels, so we vary
the path before rasterising; the grid then shows a plausible new drawing with crisp lines,
instead of a blurred or shifted copy of the old grid.

augment() does three things, each scaled by `strength` (1 = "standard": about the variation a
writer shows between two drawings of the same character, not more):

1. Densify: points are inserted so that no segment is longer than 1/DENSIFY of the bounding box,
   so that step 3 can bend straight lines. A one-point stroke (a dot) stays one point.
2. A random affine map about the bounding-box centre: log-uniform scale of each axis, then a
   rotation and a shear. The two are drawn as the tilt of horizontals (ROTATION) and the slant
   of verticals (SLANT), each bounded on its own: a "1" stays upright-ish and thin whatever the
   combination. There are no flips and no large rotations, so a "6" never becomes a "9".
3. A smooth elastic displacement: a sum of WAVES random low-frequency plane waves over the
   bounding box, at most ELASTIC of its size, so lines bend a little and loops change shape.

Sizes are relative to the bounding box, so any units work (canvas pixels or grid coordinates).
"""

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from app.ink import GRID_SIZE, PEN_RADIUS, rasterise, rasterise_joined

F64 = NDArray[np.float64]

LEVELS: dict[str, float] = {"off": 0.0, "light": 0.5, "standard": 1.0, "strong": 1.5}

DENSIFY = 16  # segments per bounding-box size at most: short enough to bend a line smoothly
ROTATION = 10.0  # degrees: largest tilt of horizontals (the baseline) at strength 1
SLANT = 10.0  # degrees: largest slant of verticals at strength 1, whatever the rotation
SCALE = 0.15  # largest |log| scale of each axis at strength 1: x0.86 .. x1.16
ELASTIC = 0.04  # largest elastic displacement at strength 1, as a fraction of the box size
WAVES = 3  # plane waves summed into the elastic field: enough for bends that vary along a line
FREQUENCY = (0.5, 1.5)  # cycles per box size of each wave: a half bend up to an S-shaped wiggle
PEN_SPREAD = 0.5  # largest |log| change of the pen radius at strength 1: 0.30 .. 0.82 cells


def augment(strokes: Sequence[F64], rng: np.random.Generator, strength: float = 1.0) -> list[F64]:
    """A random variant of a drawing: strokes (n_i, 2) of x, y (y down) -> new list of (m_i, 2).

    Same units as the input; m_i >= n_i (points are inserted). Strength 0 returns copies.
    """
    _check(strength)
    counts = np.fromiter(map(len, strokes), np.intp, len(strokes))
    if strength == 0.0 or not counts.any():
        return [np.array(s, dtype=np.float64) for s in strokes]
    kept = counts[counts > 0]
    P = np.concatenate([s for s in strokes if len(s)], dtype=np.float64)
    box = _boxes(P, np.array([P.shape[0]]))
    draws = [_draw(rng)] if box[4][0] > 0.0 else [None]
    Q, kept = _vary(P, kept, np.array([kept.size]), box, draws, strength)
    varied = iter(np.split(Q, np.cumsum(kept)[:-1]))
    return [next(varied) if len(s) else np.empty((0, 2)) for s in strokes]


def variant_grids(
    shapes: Sequence[Sequence[F64]],
    rng: np.random.Generator,
    strength: float,
    grid_size: int = GRID_SIZE,
    antialias: bool = True,
) -> NDArray[np.float32]:
    """variant_grid of each drawing (none without points), drawing from rng in the same order,
    computed all at once (points of all drawings joined, then ink.rasterise_joined): the same
    grids (n, grid_size**2), ~10-20x faster."""
    _check(strength)
    if not shapes:
        return np.zeros((0, grid_size * grid_size), dtype=np.float32)
    strokes = [s for shape in shapes for s in shape if len(s)]
    counts = np.fromiter(map(len, strokes), np.intp, len(strokes))
    per = [sum(1 for s in shape if len(s)) for shape in shapes]  # non-empty strokes of each
    if not all(per):
        raise ValueError("every drawing needs points")
    firsts = np.cumsum(per) - np.array(per)  # each drawing's first stroke
    sizes = np.add.reduceat(counts, firsts)
    P = np.concatenate(strokes, dtype=np.float64)
    box = _boxes(P, sizes)
    draws: list[list[float] | None] = []
    radii = np.full(len(shapes), PEN_RADIUS)
    for i, size in enumerate(box[4].tolist()):
        draws.append(_draw(rng) if strength > 0.0 and size > 0.0 else None)
        if antialias:
            radii[i] = pen_radius(rng, strength)
    Q, counts = _vary(P, counts, np.array(per), box, draws, strength)
    sizes = np.add.reduceat(counts, firsts)
    return rasterise_joined(Q[:, 0], Q[:, 1], counts, sizes, grid_size, antialias, radii)


def _draw(rng: np.random.Generator) -> list[float]:
    """The uniform draws of one variant: 4 for the affine map, 5 for each wave."""
    return rng.random(4 + 5 * WAVES).tolist()  # type: ignore[no-any-return]


def _boxes(P: F64, sizes: NDArray[np.intp]) -> tuple[F64, F64, F64, F64, F64]:
    """Bounding boxes of drawings of `sizes` points (d,) among P (n, 2): x0, x1, y0, y1, size."""
    starts = np.cumsum(sizes) - sizes
    x0, x1 = np.minimum.reduceat(P[:, 0], starts), np.maximum.reduceat(P[:, 0], starts)
    y0, y1 = np.minimum.reduceat(P[:, 1], starts), np.maximum.reduceat(P[:, 1], starts)
    return x0, x1, y0, y1, np.maximum(x1 - x0, y1 - y0)


def _vary(
    P: F64,
    counts: NDArray[np.intp],
    per: NDArray[np.intp],
    box: tuple[F64, F64, F64, F64, F64],
    draws: Sequence[list[float] | None],
    strength: float,
) -> tuple[F64, NDArray[np.intp]]:
    """Points P (n, 2) of strokes of counts (s,), none 0, of drawings of per (d,) strokes, their
    boxes, and each drawing's draws (None: kept as it is) -> varied points (m, 2) and the points
    of each stroke (s,)."""
    x0, x1, y0, y1, size = box
    n_strokes = np.repeat(np.arange(per.size), per)  # the drawing of each stroke
    step = np.where(np.array([d is not None for d in draws]), size / DENSIFY, np.inf)
    P, ends = _densify(P, counts, step[n_strokes])
    counts = np.diff(ends, prepend=0)
    drawing = np.repeat(n_strokes, counts)  # the drawing of each point
    # Each drawing's affine map and waves, in plain Python floats (numpy's per-call cost would
    # dominate scalars); a drawing kept as it is gets the identity and no wave.
    M = np.zeros((len(draws), 6))  # a, b, d, e and the shift: x' = a x + b y + tx, ...
    W = np.zeros((len(draws), 3, WAVES))  # each wave's x and y frequency, and phase
    V = np.zeros((len(draws), 2, WAVES))  # each wave's shift along x and along y
    for i, u in enumerate(draws):
        if u is None:
            M[i, [0, 3]] = 1.0
            continue
        cx, cy = (float(x0[i]) + float(x1[i])) / 2, (float(y0[i]) + float(y1[i])) / 2
        r = [(2 * v - 1) * strength for v in u[:4]]  # in [-strength, strength)
        theta, alpha = math.radians(r[0] * ROTATION), math.radians(r[1] * SLANT)
        sx, sy = math.exp(r[2] * SCALE), math.exp(r[3] * SCALE)
        c, s = math.cos(theta), math.sin(theta)
        k = math.tan(alpha) + math.tan(theta)  # shear x += k y after rotating: slant alpha
        a, b, d, e = (c + k * s) * sx, (k * c - s) * sy, s * sx, c * sy  # shear @ rot @ scale
        # The map about the box centre (cx, cy): X -> M (X - centre) + centre.
        M[i] = a, b, d, e, cx - a * cx - b * cy, cy - d * cx - e * cy
        # Elastic field: no point moves further than ELASTIC of the box size (at strength 1).
        waves = [u[4 + 5 * j : 9 + 5 * j] for j in range(WAVES)]
        box_size = float(size[i])
        W[i], V[i] = _field(waves, (cx, cy), box_size, ELASTIC * strength * box_size)
    m, w, v = M[drawing], W[drawing], V[drawing]
    x, y = P[:, 0], P[:, 1]
    Q = np.empty_like(P)
    Q[:, 0] = x * m[:, 0] + y * m[:, 1] + m[:, 4]
    Q[:, 1] = x * m[:, 2] + y * m[:, 3] + m[:, 5]
    S = np.sin(Q[:, :1] * w[:, 0] + Q[:, 1:] * w[:, 1] + w[:, 2])  # (m, WAVES)
    Q[:, 0] += (S * v[:, 0]).sum(axis=1)
    Q[:, 1] += (S * v[:, 1]).sum(axis=1)
    return Q, counts


def pen_radius(rng: np.random.Generator, strength: float = 1.0) -> float:
    """A random pen radius (cells), log-uniform in PEN_RADIUS * exp(+-PEN_SPREAD * strength)."""
    _check(strength)
    return PEN_RADIUS * math.exp((2 * rng.random() - 1) * PEN_SPREAD * strength)


def variant_grid(
    strokes: Sequence[F64],
    rng: np.random.Generator,
    strength: float,
    grid_size: int = GRID_SIZE,
    antialias: bool = True,
) -> NDArray[np.float32]:
    """augment + rasterise (with a random pen radius when antialias) -> grid (grid_size**2,)."""
    # Nested lists parse faster in rasterise than arrays (it iterates over points in Python).
    varied = [s.tolist() for s in augment(strokes, rng, strength)]
    if not antialias:
        return rasterise(varied, grid_size)
    return rasterise(varied, grid_size, antialias=True, pen_radius=pen_radius(rng, strength))


def _check(strength: float) -> None:
    if not (math.isfinite(strength) and strength >= 0.0):
        raise ValueError(f"strength must be a finite number >= 0, got {strength}")


def _field(
    draws: list[list[float]], centre: tuple[float, float], size: float, amplitude: float
) -> tuple[F64, F64]:
    """WAVES rows of 5 uniform draws -> W (3, WAVES): x and y frequency and phase; V (2, WAVES):
    shifts along x and y.

    The displacement of a point (x, y) is sum over waves of sin(x W[0] + y W[1] + W[2]) V: plane
    waves of FREQUENCY cycles per box size in random directions, with random phases at the box
    centre, each moving points along its own random direction. The shifts' lengths sum to
    amplitude, a bound.
    """
    tau = 2 * math.pi
    scale = amplitude / max(sum(d[4] for d in draws), 1e-12)
    W, V = [], []
    for turn, shift_turn, phase_turn, f, weight in draws:
        k = tau * (FREQUENCY[0] + (FREQUENCY[1] - FREQUENCY[0]) * f) / size  # radians per unit
        wx, wy = k * math.cos(tau * turn), k * math.sin(tau * turn)
        W.append((wx, wy, tau * phase_turn - wx * centre[0] - wy * centre[1]))
        length = scale * weight
        V.append((length * math.cos(tau * shift_turn), length * math.sin(tau * shift_turn)))
    return np.array(W).T, np.array(V).T


def _densify(P: F64, counts: NDArray[np.intp], step: F64) -> tuple[F64, NDArray[np.intp]]:
    """Points P (n, 2) in strokes of counts (s,), none 0, each stroke's longest segment step (s,)
    (inf: none inserted) -> points (m, 2), segments <= step; and where each stroke ends among
    the m points (s,).
    """
    ends = np.cumsum(counts)
    d = P[1:] - P[:-1]
    seg2 = np.einsum("ij,ij->i", d, d)  # (n - 1,): squared length of each segment
    seg2[ends[:-1] - 1] = 0.0  # no segment from a stroke's last point to the next stroke
    limit = np.repeat(step, counts)[:-1]  # each segment's stroke's step
    if not (seg2 > limit * limit).any():
        return P, ends
    n = P.shape[0]
    pieces = np.ones(n, dtype=np.intp)  # points emitted from each point: itself and inserted
    np.maximum(np.ceil(np.sqrt(seg2) / limit), 1, out=pieces[:-1], casting="unsafe")
    cum = np.cumsum(pieces)
    src = np.repeat(np.arange(n), pieces)
    t = (np.arange(cum[-1]) - np.repeat(cum - pieces, pieces)) / pieces[src]
    nxt = np.minimum(src + 1, n - 1)  # where t is 0 the next point does not matter
    out = P[src] + t[:, None] * (P[nxt] - P[src])
    return out, cum[ends - 1]
