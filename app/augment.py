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

from app.ink import GRID_SIZE, PEN_RADIUS, rasterise, rasterise_many

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
    if not counts.all():  # empty strokes stay empty; the others are varied together
        varied = iter(augment([s for s in strokes if len(s)], rng, strength))
        return [next(varied) if len(s) else np.empty((0, 2)) for s in strokes]
    P = np.concatenate(strokes, dtype=np.float64)
    x, y = P[:, 0], P[:, 1]
    x0, x1, y0, y1 = float(x.min()), float(x.max()), float(y.min()), float(y.max())
    size = max(x1 - x0, y1 - y0)
    if not size > 0.0:  # all points in one place: no shape to vary
        return [np.array(s, dtype=np.float64) for s in strokes]
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    P, ends = _densify(P, counts, size / DENSIFY)

    # Scalars in plain Python floats: numpy's per-call cost dominates arrays this small.
    u = rng.random(4 + 5 * WAVES).tolist()
    r = [(2 * v - 1) * strength for v in u[:4]]  # in [-strength, strength)
    theta, alpha = math.radians(r[0] * ROTATION), math.radians(r[1] * SLANT)
    sx, sy = math.exp(r[2] * SCALE), math.exp(r[3] * SCALE)
    c, s = math.cos(theta), math.sin(theta)
    k = math.tan(alpha) + math.tan(theta)  # shear x += k y after rotating: verticals slant alpha
    a, b, d, e = (c + k * s) * sx, (k * c - s) * sy, s * sx, c * sy  # shear @ rotation @ scale
    # The map about the box centre (cx, cy): X -> M (X - centre) + centre, as X @ M.T + shift.
    Q = P @ np.array([[a, d], [b, e]]) + (cx - a * cx - b * cy, cy - d * cx - e * cy)

    # Elastic field: no point moves further than ELASTIC of the box size (at strength 1).
    draws = [u[4 + 5 * i : 9 + 5 * i] for i in range(WAVES)]
    W, phase, V = _field(draws, (cx, cy), size, ELASTIC * strength * size)
    Q += np.sin(Q @ W + phase) @ V
    return [Q[i:j] for i, j in zip([0, *ends[:-1]], ends, strict=True)]


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


def variant_grids(
    shapes: Sequence[Sequence[F64]],
    rng: np.random.Generator,
    strength: float,
    grid_size: int = GRID_SIZE,
    antialias: bool = True,
) -> NDArray[np.float32]:
    """variant_grid of each drawing, drawing from rng in the same order, rasterised all at once
    (ink.rasterise_many): the same grids (n, grid_size**2), ~10x faster."""
    varied: list[list[F64]] = []
    radii: list[float] = []
    for strokes in shapes:
        varied.append(augment(strokes, rng, strength))
        if antialias:
            radii.append(pen_radius(rng, strength))
    if not antialias:
        return rasterise_many(varied, grid_size)
    return rasterise_many(varied, grid_size, antialias=True, pen_radius=radii)


def _check(strength: float) -> None:
    if not (math.isfinite(strength) and strength >= 0.0):
        raise ValueError(f"strength must be a finite number >= 0, got {strength}")


def _field(
    draws: list[list[float]], centre: tuple[float, float], size: float, amplitude: float
) -> tuple[F64, F64, F64]:
    """WAVES rows of 5 uniform draws -> W (2, WAVES), phase (WAVES,), shifts V (WAVES, 2).

    The displacement of points X (n, 2) is sin(X @ W + phase) @ V: plane waves of FREQUENCY
    cycles per box size in random directions, with random phases at the box centre, each moving
    points along its own random direction. The shifts' lengths sum to amplitude, a bound.
    """
    tau = 2 * math.pi
    scale = amplitude / max(sum(d[4] for d in draws), 1e-12)
    W, phase, V = [], [], []
    for turn, shift_turn, phase_turn, f, weight in draws:
        k = tau * (FREQUENCY[0] + (FREQUENCY[1] - FREQUENCY[0]) * f) / size  # radians per unit
        wx, wy = k * math.cos(tau * turn), k * math.sin(tau * turn)
        W.append((wx, wy))
        phase.append(tau * phase_turn - wx * centre[0] - wy * centre[1])
        length = scale * weight
        V.append((length * math.cos(tau * shift_turn), length * math.sin(tau * shift_turn)))
    return np.array(W).T, np.array(phase), np.array(V)


def _densify(P: F64, counts: NDArray[np.intp], step: float) -> tuple[F64, list[int]]:
    """Points P (n, 2) in strokes of counts (s,), none 0 -> points (m, 2), segments <= step.

    Also returns where each stroke ends among the m points (s,).
    """
    ends = np.cumsum(counts)
    d = P[1:] - P[:-1]
    seg2 = np.einsum("ij,ij->i", d, d)  # (n - 1,): squared length of each segment
    seg2[ends[:-1] - 1] = 0.0  # no segment from a stroke's last point to the next stroke
    if not seg2.max(initial=0.0) > step * step:
        return P, ends.tolist()
    n = P.shape[0]
    pieces = np.ones(n, dtype=np.intp)  # points emitted from each point: itself and inserted
    np.maximum(np.ceil(np.sqrt(seg2) / step), 1, out=pieces[:-1], casting="unsafe")
    cum = np.cumsum(pieces)
    src = np.repeat(np.arange(n), pieces)
    t = (np.arange(cum[-1]) - np.repeat(cum - pieces, pieces)) / pieces[src]
    nxt = np.minimum(src + 1, n - 1)  # where t is 0 the next point does not matter
    out = P[src] + t[:, None] * (P[nxt] - P[src])
    return out, cum[ends - 1].tolist()
