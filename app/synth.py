"""Synthetic handwriting: simple letter shapes drawn with jitter, as a pointer would record them.

Used by the tests and the benchmarks so that everything runs offline on data the
project makes itself. Shapes are polylines in a unit box, y down.
"""

import itertools
import math

import numpy as np

Polyline = list[tuple[float, float]]


def _arc(cx: float, cy: float, r: float, start: float, end: float, n: int = 12) -> Polyline:
    """Points on a circle arc from angle `start` to `end` (radians, y down)."""
    return [
        (cx + r * math.cos(a), cy + r * math.sin(a)) for a in np.linspace(start, end, n).tolist()
    ]


SHAPES: dict[str, list[Polyline]] = {
    "I": [[(0.5, 0.0), (0.5, 1.0)]],
    "L": [[(0.1, 0.0), (0.1, 1.0), (0.8, 1.0)]],
    "T": [[(0.0, 0.0), (1.0, 0.0)], [(0.5, 0.0), (0.5, 1.0)]],
    "O": [_arc(0.5, 0.5, 0.5, 0.0, 2 * math.pi, 20)],
    "X": [[(0.0, 0.0), (1.0, 1.0)], [(1.0, 0.0), (0.0, 1.0)]],
    "V": [[(0.0, 0.0), (0.5, 1.0), (1.0, 0.0)]],
    "Z": [[(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0)]],
    "N": [[(0.0, 1.0), (0.0, 0.0), (1.0, 1.0), (1.0, 0.0)]],
    "H": [[(0.0, 0.0), (0.0, 1.0)], [(1.0, 0.0), (1.0, 1.0)], [(0.0, 0.5), (1.0, 0.5)]],
    "C": [_arc(0.5, 0.5, 0.5, -0.25 * math.pi, -1.75 * math.pi, 16)],
    "U": [
        [
            (0.0, 0.0),
            (0.0, 0.75),
            *_arc(0.5, 0.75, 0.5, math.pi, 0.0, 8)[1:-1],
            (1.0, 0.75),
            (1.0, 0.0),
        ]
    ],
    "E": [[(1.0, 0.0), (0.0, 0.0), (0.0, 1.0), (1.0, 1.0)], [(0.0, 0.5), (0.7, 0.5)]],
    "A": [[(0.0, 1.0), (0.5, 0.0), (1.0, 1.0)], [(0.25, 0.55), (0.75, 0.55)]],
    "M": [[(0.0, 1.0), (0.0, 0.0), (0.5, 0.6), (1.0, 0.0), (1.0, 1.0)]],
    "P": [
        [
            (0.0, 1.0),
            (0.0, 0.0),
            *_arc(0.3, 0.25, 0.25, -0.5 * math.pi, 0.5 * math.pi, 8),
            (0.0, 0.5),
        ]
    ],
    "+": [[(0.5, 0.0), (0.5, 1.0)], [(0.0, 0.5), (1.0, 0.5)]],
}


def draw(
    label: str,
    rng: np.random.Generator,
    *,
    jitter: float = 1.0,
    size: float = 200.0,
    step: float = 6.0,
) -> list[list[list[float]]]:
    """One drawing of SHAPES[label] in canvas pixels with [x, y, t] points.

    `jitter` scales the random rotation (±8°), stretch (±12%), shear, placement and pen wobble;
    points are spaced about `step` pixels apart along each stroke, as pointer events would be.
    """
    angle = math.radians(8.0) * jitter * rng.uniform(-1, 1)
    sx, sy = 1.0 + 0.12 * jitter * rng.uniform(-1, 1, size=2)
    shear = 0.12 * jitter * rng.uniform(-1, 1)
    cos, sin = math.cos(angle), math.sin(angle)
    scale = size * (1.0 + 0.3 * jitter * rng.uniform(-1, 1))
    origin = rng.uniform(20.0, 120.0, size=2)
    strokes: list[list[list[float]]] = []
    t = 0.0
    for polyline in SHAPES[label]:
        pts = np.asarray(polyline, dtype=np.float64) - 0.5
        pts = pts @ np.array([[sx, 0.0], [shear, sy]]) @ np.array([[cos, sin], [-sin, cos]])
        pts = pts * scale + origin
        stroke: list[list[float]] = []
        for a, b in itertools.pairwise(pts):
            n = max(1, int(np.linalg.norm(b - a) / step))
            for k in range(n):
                p = a + (b - a) * (k / n) + rng.normal(0.0, 0.8 * jitter, size=2)
                stroke.append([float(p[0]), float(p[1]), t])
                t += 16.0
        stroke.append([float(pts[-1][0]), float(pts[-1][1]), t])
        strokes.append(stroke)
    return strokes


def dataset(
    labels: list[str], per_label: int, seed: int, jitter: float = 1.0
) -> list[tuple[str, list[list[list[float]]]]]:
    """`per_label` drawings of each label, label by label, from a fixed seed."""
    rng = np.random.default_rng(seed)
    return [(label, draw(label, rng, jitter=jitter)) for label in labels for _ in range(per_label)]
