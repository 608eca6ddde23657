"""Tests for app.augment: variants keep the label, are reproducible, and bounded; pen radius."""

import math

import numpy as np
import pytest
from numpy.typing import NDArray

from app.augment import LEVELS, PEN_SPREAD, augment, pen_radius, variant_grid, variant_grids
from app.ink import PEN_EDGE, PEN_RADIUS, rasterise

F64 = NDArray[np.float64]
STRENGTHS = [LEVELS["standard"], LEVELS["strong"]]
ROWS = np.arange(12.0)

# A vertical "1" in canvas pixels, a point every 5 px.
ONE = [np.stack([np.full(41, 100.0), np.linspace(0.0, 200.0, 41)], axis=1)]
# A "6": a tail from the top right down to a loop at the bottom (y down).
_turn = np.linspace(0.0, 2 * math.pi, 30)
SIX = [
    np.concatenate(
        [
            np.stack([np.linspace(80.0, 30.0, 10), np.linspace(0.0, 130.0, 10)], axis=1),
            np.stack([60 - 30 * np.cos(_turn), 150 - 30 * np.sin(_turn)], axis=1),
        ]
    )
]
# An "i": a stem of two points (so augment must insert points to bend it) and a dot.
LETTER_I = [np.array([[50.0, 40.0], [50.0, 120.0]]), np.array([[50.0, 10.0]])]


def grid_of(strokes: list[F64]) -> NDArray[np.float32]:
    """Array strokes -> binary grid (12, 12)."""
    return rasterise([s.tolist() for s in strokes]).reshape(12, 12)


def box(strokes: list[F64]) -> tuple[F64, float]:
    """Bounding-box centre (2,) and longer side of all points."""
    P = np.concatenate(strokes)
    lo, hi = P.min(axis=0), P.max(axis=0)
    return (lo + hi) / 2, float((hi - lo).max())


# --- labels survive -----------------------------------------------------------------------------


@pytest.mark.parametrize("strength", STRENGTHS)
def test_one_stays_thin_and_upright_in_binary_grids(strength: float) -> None:
    rng = np.random.default_rng(1)
    for _ in range(200):
        for grid in (
            grid_of(augment(ONE, rng, strength)),
            variant_grid(ONE, rng, strength, antialias=False).reshape(12, 12),
        ):
            assert set(np.unique(grid)) == {0.0, 1.0}
            # The unvaried "1" is column 6 (x = 6.0, a cell edge); ink stays in columns 4..7.
            cols = np.flatnonzero(grid.any(axis=0))
            assert cols.min() >= 4 and cols.max() <= 7, cols
            assert grid.any(axis=1).all()


@pytest.mark.parametrize("strength", STRENGTHS)
def test_one_stays_thin_and_upright_anti_aliased(strength: float) -> None:
    rng = np.random.default_rng(2)
    for _ in range(200):
        grid = variant_grid(ONE, rng, strength).reshape(12, 12)
        assert grid.dtype == np.float32 and np.isfinite(grid).all()
        assert grid.min() >= 0.0 and grid.max() == 1.0
        mass = grid.sum(axis=0)
        assert mass[4:8].sum() >= 0.75 * mass.sum(), mass  # the pen's fading edge is the rest
        assert (grid.max(axis=1) == 1.0).all()  # every row has a cell the path passes through


@pytest.mark.parametrize("strength", STRENGTHS)
def test_six_never_turns_into_a_nine(strength: float) -> None:
    # The loop at the bottom holds most of the ink: rotated by 180 degrees, it would be on top.
    rng = np.random.default_rng(3)
    centre = (grid_of(SIX).sum(axis=1) * ROWS).sum() / grid_of(SIX).sum()
    assert centre > 6.4
    for _ in range(200):
        grid = variant_grid(SIX, rng, strength).reshape(12, 12)
        centre = (grid.sum(axis=1) * ROWS).sum() / grid.sum()
        assert centre > 5.9, centre


# --- the variants themselves --------------------------------------------------------------------


def test_strength_zero_returns_copies_of_the_same_points() -> None:
    rng = np.random.default_rng(4)
    out = augment(LETTER_I, rng, 0.0)
    assert len(out) == 2
    for a, b in zip(out, LETTER_I, strict=True):
        np.testing.assert_array_equal(a, b)
        assert not np.shares_memory(a, b)
    grid = variant_grid(SIX, rng, LEVELS["off"])
    np.testing.assert_array_equal(grid, rasterise([s.tolist() for s in SIX], antialias=True))


def test_same_seed_same_variant_other_seed_other_variant() -> None:
    first = augment(SIX, np.random.default_rng(5), 1.0)
    again = augment(SIX, np.random.default_rng(5), 1.0)
    other = augment(SIX, np.random.default_rng(6), 1.0)
    np.testing.assert_array_equal(first[0], again[0])
    assert first[0].shape == other[0].shape  # same densified points, moved differently
    assert np.abs(first[0] - other[0]).max() > 1.0  # pixels, in a 180-pixel drawing
    grids = {variant_grid(SIX, np.random.default_rng(seed), 1.0).tobytes() for seed in range(20)}
    assert len(grids) >= 15


@pytest.mark.parametrize("antialias", [False, True])
def test_variant_grids_are_variant_grid_of_each_drawing_in_turn(antialias: bool) -> None:
    dot = [np.array([[3.0, 4.0], [3.0, 4.0]])]  # all in one place: kept as it is
    shapes = [SIX, ONE, [SIX[0][::-1], np.empty((0, 2))], dot, SIX] * 4
    grids = variant_grids(shapes, np.random.default_rng(9), 1.5, 12, antialias)
    rng = np.random.default_rng(9)
    one_by_one = [variant_grid(s, rng, 1.5, 12, antialias) for s in shapes]
    np.testing.assert_array_equal(grids, np.stack(one_by_one))
    assert len({g.tobytes() for g in grids}) >= 12  # each its own variant (binary "1"s may meet)
    off = variant_grids(shapes, np.random.default_rng(9), 0.0, 12, antialias)
    clean = [
        rasterise([s.tolist() for s in shape if len(s)], 12, antialias=antialias)
        for shape in shapes
    ]
    np.testing.assert_array_equal(off, np.stack(clean))
    with pytest.raises(ValueError, match="needs points"):
        variant_grids([SIX, [np.empty((0, 2))]], np.random.default_rng(9), 1.0)


@pytest.mark.parametrize("strength", STRENGTHS)
def test_variant_box_stays_close_to_the_original(strength: float) -> None:
    rng = np.random.default_rng(7)
    centre, size = box(SIX)
    for _ in range(200):
        c, s = box(augment(SIX, rng, strength))
        assert 0.6 < s / size < 1.5
        assert np.abs(c - centre).max() < 0.15 * size  # a shear moves the tail of the "6"


def test_strokes_and_dots_are_kept_and_lines_densified() -> None:
    rng = np.random.default_rng(8)
    for strength in (0.5, 1.0, 1.5):
        stem, dot = augment(LETTER_I, rng, strength)
        assert dot.shape == (1, 2)
        # 110 px box: the 80 px stem is cut into pieces of at most 110 / 16 px, so 13 points.
        assert stem.shape == (13, 2)
        steps = np.hypot(*np.diff(stem, axis=0).T)
        assert steps.max() < 1.5 * 110 / 16
        assert dot[0, 1] < stem[:, 1].min()  # the dot stays above the stem


def test_a_drawing_in_one_place_and_grid_coordinates() -> None:
    rng = np.random.default_rng(9)
    (same,) = augment([np.array([[3.0, 4.0], [3.0, 4.0]])], rng, 1.0)
    np.testing.assert_array_equal(same, [[3.0, 4.0], [3.0, 4.0]])
    # Empty strokes stay empty and in place; the others are varied.
    stem, empty, dot = augment([LETTER_I[0], np.empty((0, 2)), LETTER_I[1]], rng, 1.0)
    assert (stem.shape, empty.shape, dot.shape) == ((13, 2), (0, 2), (1, 2))
    # Normalised strokes (cells) stay on the grid, give or take the variation.
    (moved,) = augment([np.array([[0.5, 0.5], [11.5, 11.5]])], rng, 1.5)
    assert moved.min() > -1.5 and moved.max() < 13.5


def test_bad_strength_raises_value_error() -> None:
    rng = np.random.default_rng(10)
    for bad in (-0.1, math.nan, math.inf):
        with pytest.raises(ValueError, match="strength"):
            augment(ONE, rng, bad)
        with pytest.raises(ValueError, match="strength"):
            pen_radius(rng, bad)


# --- pen radius ---------------------------------------------------------------------------------


def test_pen_radius_stays_within_its_bounds() -> None:
    rng = np.random.default_rng(11)
    assert pen_radius(rng, 0.0) == PEN_RADIUS
    radii = np.array([pen_radius(rng, 1.0) for _ in range(2000)])
    low, high = PEN_RADIUS * math.exp(-PEN_SPREAD), PEN_RADIUS * math.exp(PEN_SPREAD)
    assert low >= 0.3 and high <= 0.83
    assert radii.min() >= low and radii.max() <= high
    assert radii.min() < low + 0.02 and radii.max() > high - 0.02  # the whole range is used
    assert abs(float(np.median(np.log(radii / PEN_RADIUS)))) < 0.05  # centred on PEN_RADIUS


def test_rasterise_pen_radius_default_and_more_ink_with_a_wider_pen() -> None:
    strokes = [s.tolist() for s in SIX]
    default = rasterise(strokes, antialias=True)
    np.testing.assert_array_equal(default, rasterise(strokes, antialias=True, pen_radius=0.5))
    ink = [rasterise(strokes, antialias=True, pen_radius=r).sum() for r in (0.0, 0.3, 0.5, 0.8)]
    assert ink == sorted(ink) and ink[0] < ink[-1] - 10
    # The binary mode ignores the pen.
    np.testing.assert_array_equal(rasterise(strokes), rasterise(strokes, pen_radius=1.0))


def test_rasterise_wide_pen_dot_is_exact() -> None:
    # A dot on the corner of four cells (6, 6): their centres are sqrt(0.5) away, within the
    # pen; the 8 cells beside them sqrt(2.5) away, 1.58 > 1.5 cells: outside the default window.
    grid = rasterise([[[3.0, 4.0]]], antialias=True, pen_radius=1.0).reshape(12, 12)
    side = np.float32(1.0 + PEN_EDGE - math.sqrt(2.5))
    expected = np.zeros((12, 12), dtype=np.float32)
    expected[4:8, 5:7] = expected[5:7, 4:8] = side
    expected[5:7, 5:7] = 1.0
    np.testing.assert_array_equal(grid, expected)


@pytest.mark.parametrize("bad", [-0.5, math.nan, math.inf])
def test_rasterise_bad_pen_radius_raises_value_error(bad: float) -> None:
    with pytest.raises(ValueError, match="pen_radius"):
        rasterise([[[0.0, 0.0]]], antialias=True, pen_radius=bad)
