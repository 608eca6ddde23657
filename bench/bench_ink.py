"""Benchmark app.ink.rasterise: median microseconds per drawing, binary and anti-aliased."""

from functools import partial

import numpy as np

from app.ink import rasterise
from bench.common import median_us

POINT_COUNTS = (10, 100, 4096)
STROKE_POINTS = 64  # points per stroke: 4,096 points make the API's maximum of 64 strokes


def scribble(n_points: int, seed: int = 0) -> list[list[list[float]]]:
    """A smooth random scribble in canvas pixels, [x, y, t] points, in strokes of 64 points."""
    rng = np.random.default_rng(seed)
    heading = np.cumsum(rng.normal(0.0, 0.3, n_points))
    step = rng.uniform(2.0, 6.0, n_points)  # pixels between pointer events
    xy = 200.0 + np.cumsum(np.stack([np.cos(heading), np.sin(heading)], axis=1) * step[:, None], 0)
    t = 8.0 * np.arange(n_points)  # a 125 Hz pointer
    points: list[list[float]] = np.column_stack([xy, t]).tolist()
    return [points[i : i + STROKE_POINTS] for i in range(0, n_points, STROKE_POINTS)]


def run(repeats: int | None = None) -> list[dict[str, str | int | float]]:
    """Time rasterise on scribbles of 10, 100 and 4,096 points; one row per size and mode."""
    rows: list[dict[str, str | int | float]] = []
    for n_points in POINT_COUNTS:
        strokes = scribble(n_points)
        n = repeats or max(200, 200_000 // n_points)
        for antialias in (False, True):
            us = median_us(partial(rasterise, strokes, antialias=antialias), n)
            rows.append(
                {
                    "bench": "ink.rasterise",
                    "mode": "antialias" if antialias else "binary",
                    "points": n_points,
                    "strokes": len(strokes),
                    "repeats": n,
                    "median_us": round(us, 1),
                }
            )
    return rows


def main() -> None:
    rows = run()
    print(f"{'points':>6} {'strokes':>7} {'mode':<9} {'median µs':>10} {'repeats':>7}")
    for r in rows:
        print(
            f"{r['points']:>6} {r['strokes']:>7} {r['mode']:<9} {r['median_us']:>10.1f} "
            f"{r['repeats']:>7}"
        )


if __name__ == "__main__":
    main()
