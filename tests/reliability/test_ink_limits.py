"""app/ink.py on drawings as large and odd as the API lets through.

tests/test_ink.py already holds the properties (any finite drawing gives a valid grid; junk raises
only ValueError) on drawings of at most 10 strokes x 50 points, no empty stroke, five grid sizes.
These add what the HTTP limits allow beyond that: up to 64 strokes and 4,096 points, empty strokes
between others, subnormal and extreme coordinates, and every grid size a recognizer may have.
"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from app.config import Settings
from app.ink import normalise, rasterise

LIMITS = Settings()
coordinate = st.one_of(
    st.floats(-LIMITS.max_coordinate, LIMITS.max_coordinate, allow_nan=False),
    st.sampled_from([0.0, -0.0, 5e-324, -5e-324, LIMITS.max_coordinate, -LIMITS.max_coordinate]),
)
point = st.one_of(st.tuples(coordinate, coordinate), st.tuples(coordinate, coordinate, coordinate))
grid_size = st.integers(4, 64)  # schemas.GridSize


@st.composite
def drawings(draw: st.DrawFn) -> list[list[tuple[float, ...]]]:
    """1..64 strokes (some empty), 1..4096 points in all."""
    total = draw(st.integers(1, LIMITS.max_points))
    n_strokes = draw(st.integers(1, LIMITS.max_strokes))
    cuts = sorted(
        draw(st.lists(st.integers(0, total), min_size=n_strokes - 1, max_size=n_strokes - 1))
    )
    sizes = np.diff([0, *cuts, total]).tolist()
    base = draw(st.lists(point, min_size=1, max_size=64))
    flat = [base[i % len(base)] for i in range(total)]  # big drawings go round the drawn points
    strokes, start = [], 0
    for size in sizes:
        strokes.append(flat[start : start + size])
        start += size
    return strokes


@settings(max_examples=150, deadline=None)
@given(drawings(), grid_size, st.booleans())
def test_any_drawing_within_the_api_limits_gives_a_valid_grid(
    strokes: list[list[tuple[float, ...]]], size: int, antialias: bool
) -> None:
    grid = rasterise(strokes, size, antialias=antialias)
    assert grid.dtype == np.float32 and grid.shape == (size * size,)
    assert grid.min() >= 0.0 and grid.max() == 1.0
    for stroke in normalise(strokes, size):
        assert stroke.shape[1] == 2
        assert (stroke >= 0.5).all() and (stroke <= size - 0.5).all()


def test_a_drawing_exactly_at_the_limits() -> None:
    """64 strokes of 64 points: extremes, subnormals and a dot, on the smallest and largest grid."""
    rng = np.random.default_rng(3)
    values = [LIMITS.max_coordinate, -LIMITS.max_coordinate, 5e-324, 0.0, 1.0]
    strokes = [
        [[float(rng.choice(values)), float(rng.choice(values))] for _ in range(64)]
        for _ in range(LIMITS.max_strokes)
    ]
    assert sum(map(len, strokes)) == LIMITS.max_points
    for size in (4, 12, 64):
        for antialias in (False, True):
            grid = rasterise(strokes, size, antialias=antialias)
            assert grid.shape == (size * size,) and grid.min() >= 0.0 and grid.max() == 1.0
