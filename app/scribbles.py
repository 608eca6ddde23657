"""Scribbles: generated drawings that are no character, as a pointer would record them.

A recogniser learns them as a background class to reject, and tests use them as drawings that
deserve an "unknown". Each kind builds polylines in a unit-sized frame; `_finish` stretches,
rotates, scales them to 100-300 px, places them on the canvas and resamples every stroke at a
few pixels per point with a little pen noise. Points are [x, y] in canvas pixels, y down.
"""

from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]
Strokes = list[list[list[float]]]

MIN_SIZE, MAX_SIZE = 100.0, 300.0  # longest side of the bounding box, pixels
# Well inside the API limits (64 strokes, 4096 points) so a drawing can also be augmented.
MAX_STROKES, MAX_POINTS = 48, 2000


def _scribble(rng: np.random.Generator) -> list[F64]:
    """A smooth random walk chasing random waypoints with drifting curvature, so it crosses."""
    n = int(rng.integers(150, 450))
    step, pull = 0.05, rng.uniform(0.05, 0.2)
    wild = rng.uniform(0.02, 0.1)  # how fast the curvature wanders
    heading, kappa = rng.uniform(0, 2 * np.pi), 0.0
    p, goal, pts = np.zeros(2), rng.uniform(-1, 1, 2), np.empty((n, 2))
    for i in range(n):
        # Waypoints, not a fence, keep it within the box: a fence makes it trace an "O".
        if np.hypot(*(goal - p)) < 0.2 or rng.random() < 0.02:
            goal = rng.uniform(-1, 1, 2)
        # Ornstein-Uhlenbeck curvature: smooth turns that change sign now and then.
        kappa += -0.1 * kappa + wild * rng.normal()
        towards = np.arctan2(goal[1] - p[1], goal[0] - p[0])
        heading += kappa + pull * np.angle(np.exp(1j * (towards - heading)))
        p = p + step * np.array([np.cos(heading), np.sin(heading)])
        pts[i] = p
    return _lifts(pts, rng, int(rng.choice([1, 1, 1, 2, 3])))


def _lifts(pts: F64, rng: np.random.Generator, pieces: int) -> list[F64]:
    """Cut one path into `pieces` strokes, dropping a few points where the pen was lifted."""
    if pieces == 1:
        return [pts]
    # Cuts near even spacing leave every piece long enough to survive the dropped points.
    at = (np.arange(1, pieces) + rng.uniform(-0.3, 0.3, pieces - 1)) / pieces
    parts = np.split(pts, (at * len(pts)).astype(np.intp))
    return [parts[0]] + [part[int(rng.integers(2, 8)) :] for part in parts[1:]]


def _tangle(rng: np.random.Generator) -> list[F64]:
    """A knot: a closed sum of harmonics traced 2-3 times while its coefficients drift."""
    k = int(rng.integers(3, 7))
    order = np.arange(1, k + 1)
    loops = int(rng.integers(2, 4))
    t = np.linspace(0, 2 * np.pi * loops + rng.uniform(0, 1), 240 * loops)
    drift = (t / t[-1])[:, None]
    a0, a1, b0, b1 = rng.normal(size=(4, k))
    a, b = (1 - drift) * a0 + drift * a1, (1 - drift) * b0 + drift * b1
    a, b = a / order**0.6, b / order**0.6
    phase = rng.uniform(0, 2 * np.pi, size=(2, k))
    x = (a * np.cos(order * t[:, None] + phase[0])).sum(axis=1)
    y = (b * np.sin(order * t[:, None] + phase[1])).sum(axis=1)
    # Equal spread on both axes: a thin knot would pass for an I or an L.
    return [np.stack([x / x.std(), y / y.std()], axis=1)]


def _spiral(rng: np.random.Generator) -> list[F64]:
    """An Archimedean spiral of 1.5-4 turns, wobbling, drawn inwards or outwards."""
    turns = rng.uniform(1.5, 4.0)
    theta = np.linspace(0, 2 * np.pi * turns, int(300 * turns))
    r = rng.uniform(0.0, 0.15) + theta / theta[-1]
    r = r * (1 + 0.05 * np.sin(rng.integers(2, 5) * theta + rng.uniform(0, 6.3)))
    angle = rng.choice([-1.0, 1.0]) * theta + rng.uniform(0, 2 * np.pi)
    pts = np.stack([r * np.cos(angle), r * np.sin(angle)], axis=1)
    return [pts[::-1] if rng.random() < 0.5 else pts]


def _hatch(rng: np.random.Generator, n: int) -> list[F64]:
    """n roughly parallel, roughly equal lines, spaced evenly, each a stroke."""
    # The lines span 35-90% of their length across, so three lines never fuse into one bar.
    gap = rng.uniform(0.35, 0.9) / (n - 1)
    back_and_forth = rng.random() < 0.4  # some people hatch in both directions
    lines = []
    for i in range(n):
        x0, x1 = rng.normal(0, 0.06) - 0.5, 0.5 + rng.normal(0, 0.06)
        tilt = rng.normal(0, 0.03)
        y = i * gap + rng.normal(0, 0.1 * gap)
        line = np.array([[x0, y - tilt / 2], [x1, y + tilt / 2]])
        lines.append(line[::-1] if back_and_forth and i % 2 else line)
    return lines


def _crosshatch(rng: np.random.Generator) -> list[F64]:
    """Two hatchings of 3-7 lines crossing at 50-130 degrees."""
    first, second = _hatch(rng, int(rng.integers(3, 8))), _hatch(rng, int(rng.integers(3, 8)))
    a = rng.uniform(np.radians(50), np.radians(130)) * rng.choice([-1.0, 1.0])
    turn = np.array([[np.cos(a), np.sin(a)], [-np.sin(a), np.cos(a)]])
    centre = [np.mean(np.concatenate(h), axis=0) for h in (first, second)]
    return [s - centre[0] for s in first] + [(s - centre[1]) @ turn for s in second]


def _zigzag(rng: np.random.Generator) -> list[F64]:
    """A zigzag or a sawtooth of 5-12 teeth along one line."""
    teeth = int(rng.integers(5, 13))
    height = rng.uniform(0.15, 0.5)
    if rng.random() < 0.6:  # zigzag: up, down, up, ...
        x = np.linspace(0, 1, 2 * teeth + 1)
        y = height * (np.arange(x.size) % 2)
    else:  # sawtooth: a slope up, then straight down
        x = np.repeat(np.linspace(0, 1, teeth + 1), 2)[1:-1]
        y = np.tile([height, 0.0], teeth)
    pts = np.stack([x, y], axis=1) + rng.normal(0, 0.012, size=(x.size, 2))
    return [pts]


def _circles(rng: np.random.Generator) -> list[F64]:
    """2-5 concentric circles, each a stroke with its own start, overlap and small offset."""
    n = int(rng.integers(2, 6))
    radii = np.linspace(1.0, rng.uniform(0.1, 0.45), n) * rng.uniform(0.93, 1.07, size=n)
    out = []
    for r in radii:
        start = rng.uniform(0, 2 * np.pi)
        a = start + rng.choice([-1.0, 1.0]) * np.linspace(0, 2 * np.pi + rng.uniform(0, 0.5), 200)
        centre = rng.normal(0, 0.03, size=2)
        out.append(centre + r * np.stack([np.cos(a), rng.uniform(0.9, 1.1) * np.sin(a)], axis=1))
    return out


def _blob(rng: np.random.Generator) -> list[F64]:
    """A shape filled in by back-and-forth passes, maybe with its outline drawn first."""
    theta = np.linspace(0, 2 * np.pi, 181)
    r = np.ones_like(theta)
    for k in (2, 3, 4):
        r += rng.normal(0, 0.12) * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
    outline = np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1)
    gap = rng.uniform(0.07, 0.16)
    passes = []
    for i, y in enumerate(np.arange(outline[:, 1].min() + gap / 2, outline[:, 1].max(), gap)):
        # Where the outline's edges cross this height: the pass spans the outermost crossings.
        a, b = outline[:-1], outline[1:]
        hit = (a[:, 1] - y) * (b[:, 1] - y) <= 0
        t = (y - a[hit, 1]) / np.where(b[hit, 1] == a[hit, 1], 1, b[hit, 1] - a[hit, 1])
        xs = a[hit, 0] + t * (b[hit, 0] - a[hit, 0])
        if xs.size:
            ends = np.array([xs.min(), xs.max()]) + rng.normal(0, 0.05, 2)
            ends = ends[::-1] if i % 2 else ends
            passes.append(np.stack([ends, [y, y + rng.normal(0, 0.2 * gap)]], axis=1))
    # One to three runs of passes: the pen is lifted now and then while filling in.
    pieces = min(len(passes), int(rng.integers(1, 4)))
    cuts = np.sort(rng.choice(np.arange(1, len(passes)), size=pieces - 1, replace=False))
    strokes = [np.concatenate(group) for group in np.split(np.array(passes), cuts)]
    return ([outline] if rng.random() < 0.4 else []) + strokes


def _dashes(rng: np.random.Generator) -> list[F64]:
    """8-30 short dashes (and a few dots) scattered, at random angles or all alike."""
    n = int(rng.integers(8, 31))
    centres = rng.uniform(-1, 1, size=(n, 2))
    same = rng.random() < 0.4
    angle = (
        np.full(n, rng.uniform(0, np.pi)) + rng.normal(0, 0.1, n)
        if same
        else rng.uniform(0, np.pi, n)
    )
    length = rng.uniform(0.06, 0.25, n) * (rng.random(n) > 0.15)  # some are dots
    half = (length / 2)[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    return [
        np.array([c - h, c + h]) if h.any() else c[None] for c, h in zip(centres, half, strict=True)
    ]


def _wave(rng: np.random.Generator) -> list[F64]:
    """A long wavy line, or a coil of loops, bending gently along its length."""
    periods = rng.uniform(2.5, 7.0)
    t = np.linspace(0, 2 * np.pi * periods, int(120 * periods))
    if rng.random() < 0.3:  # a prolate cycloid: loops like a spring drawn sideways
        pitch = 1.0 / (2 * np.pi * periods)
        b = pitch * rng.uniform(2.0, 5.0)
        x, y = pitch * t - b * np.sin(t), -b * np.cos(t)
    else:
        x = t / t[-1]
        y = rng.uniform(0.07, 0.25) * np.sin(t) * (1 + rng.uniform(-0.4, 0.4) * x)
    y = y + rng.uniform(-0.25, 0.25) * (x - 0.5) ** 2  # a gentle bend
    return [np.stack([x, y], axis=1)]


_BUILD: dict[str, Callable[[np.random.Generator], list[F64]]] = {
    "scribble": _scribble,
    "tangle": _tangle,
    "spiral": _spiral,
    "hatching": lambda rng: _hatch(rng, int(rng.integers(3, 9))),  # 3-8 parallel lines
    "crosshatch": _crosshatch,
    "zigzag": _zigzag,
    "circles": _circles,
    "blob": _blob,
    "dashes": _dashes,
    "wave": _wave,
}
KINDS: tuple[str, ...] = tuple(_BUILD)


def draw(kind: str, rng: np.random.Generator) -> Strokes:
    """One drawing of `kind` (one of KINDS): strokes of [x, y] points in canvas pixels."""
    if kind not in _BUILD:
        raise ValueError(f"unknown scribble kind {kind!r}; expected one of {', '.join(KINDS)}")
    return _finish(_BUILD[kind](rng), rng)


def generate(n: int, rng: np.random.Generator, kinds: Sequence[str] = KINDS) -> list[Strokes]:
    """n drawings, the kinds taking turns in a shuffled order so each is about equally common."""
    if not kinds:
        raise ValueError("kinds is empty")
    order = rng.permutation(np.resize(np.arange(len(kinds)), n))
    return [draw(kinds[int(i)], rng) for i in order]


def _finish(polylines: list[F64], rng: np.random.Generator) -> Strokes:
    """Unit-frame polylines -> strokes: stretched, rotated, 100-300 px, placed, resampled."""
    stretch = np.diag(rng.uniform(0.75, 1.25, size=2))
    a = rng.uniform(0, 2 * np.pi)
    turn = np.array([[np.cos(a), np.sin(a)], [-np.sin(a), np.cos(a)]])
    lines = [p @ stretch @ turn for p in polylines[:MAX_STROKES]]
    size = rng.uniform(MIN_SIZE, MAX_SIZE)
    lines = [p * size / _extent(lines) for p in lines]
    length = sum(float(np.hypot(*np.diff(p, axis=0).T).sum()) for p in lines)
    step = max(rng.uniform(3.0, 7.0), length / (MAX_POINTS - 2 * len(lines)))
    noisy = [s + rng.normal(0, 0.4, size=s.shape) for s in (_resample(p, step, rng) for p in lines)]
    # Pen noise moved the box a little: scale it back so the size is exactly the one drawn.
    low = np.min([s.min(axis=0) for s in noisy], axis=0)
    scale = size / _extent(noisy)
    origin = rng.uniform(10.0, 150.0, size=2)
    return [((s - low) * scale + origin).round(2).tolist() for s in noisy]


def _extent(lines: list[F64]) -> float:
    """Longest side of the bounding box of all points (at least a tiny positive number)."""
    pts = np.concatenate(lines)
    return max(float(np.ptp(pts, axis=0).max()), 1e-9)


def _resample(p: F64, step: float, rng: np.random.Generator) -> F64:
    """A polyline (n, 2) -> points about `step` apart along it (pointer speed varies), ends kept."""
    seg = np.hypot(*np.diff(p, axis=0).T)
    along = np.concatenate([[0.0], np.cumsum(seg)])
    if along[-1] < step:
        return p[[0, -1]] if len(p) > 1 and along[-1] > 0 else p[:1]
    gaps = step * rng.uniform(0.6, 1.4, size=int(along[-1] / step * 1.7) + 2)
    at = np.cumsum(gaps)
    at = np.concatenate([[0.0], at[at < along[-1] - 0.3 * step], [along[-1]]])
    return np.stack([np.interp(at, along, p[:, 0]), np.interp(at, along, p[:, 1])], axis=1)
