"""Item 2: rasterisation, microseconds per drawing for 10, 100 and 4,096 points.

Ours: `app.ink.rasterise` (validation, aspect-kept fit, every segment drawn; binary and
anti-aliased), timed by `bench_ink`. The peer: the original encoding (`original.encode`, each point
marks its cell, nothing drawn between points) in pure Python on the same points.
"""

from functools import partial

from bench import bench_ink
from bench.common import Row, log, median_us
from bench.original import encode


def run() -> list[Row]:
    rows: list[Row] = bench_ink.run()
    for n_points in bench_ink.POINT_COUNTS:
        points = [p for stroke in bench_ink.scribble(n_points) for p in stroke]
        repeats = max(200, 200_000 // n_points)
        us = median_us(partial(encode, points), repeats)
        rows.append(
            {
                "bench": "ink.original",
                "mode": "original",
                "points": n_points,
                "repeats": repeats,
                "median_us": round(us, 1),
            }
        )
    for r in rows:
        log(f"rasterise {r['points']} points, {r['mode']}: {r['median_us']} µs")
    return rows
