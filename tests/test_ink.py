"""Tests for app.ink: normalisation, binary and anti-aliased rasterising, input validation."""

import math
from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from app.ink import GRID_SIZE, normalise, normalise_many, rasterise, rasterise_many
from tests.helpers import components

Stroke = list[list[float]]


def parse_grid(text: str) -> NDArray[np.float32]:
    """Rows of '.' (0) and '#' (1), one per line -> flat grid (n * n,)."""
    rows = text.split()
    assert all(len(row) == len(rows) for row in rows), "expected grid is not square"
    assert set("".join(rows)) <= {".", "#"}
    return np.array([[c == "#" for c in row] for row in rows], dtype=np.float32).ravel()


def render(grid: NDArray[np.float32]) -> str:
    """Flat grid -> rows of '.', '#' (1) and '+' (between 0 and 1), for failure messages."""
    n = math.isqrt(grid.size)
    marks = np.where(grid >= 1, "#", np.where(grid > 0, "+", "."))
    return "\n".join("".join(row) for row in marks.reshape(n, n))


def assert_grid(strokes: Sequence[Stroke], expected: str, grid_size: int = GRID_SIZE) -> None:
    actual = rasterise(strokes, grid_size)
    np.testing.assert_array_equal(actual, parse_grid(expected), err_msg="\n" + render(actual))


def transform(strokes: Sequence[Stroke], scale: float, dx: float, dy: float) -> list[Stroke]:
    return [[[x * scale + dx, y * scale + dy] for x, y, *_ in s] for s in strokes]


# An "A" and a "Z" in an 11 x 11 box of whole numbers: every point maps to a cell centre, so
# rounding cannot move a point across a cell edge; the A's left leg crosses a cell corner.
LETTER_A = [[[0.0, 11.0], [5.0, 0.0], [6.0, 0.0], [11.0, 11.0]], [[3.0, 7.0], [8.0, 7.0]]]
LETTER_Z = [[[0.0, 0.0], [11.0, 0.0], [0.0, 11.0], [11.0, 11.0]]]

# --- exact grids, worked by hand ---------------------------------------------------------------


def test_dot_lands_below_right_of_the_centre() -> None:
    assert_grid(
        [[[3.0, 4.0]]],
        """
        ............
        ............
        ............
        ............
        ............
        ............
        ......#.....
        ............
        ............
        ............
        ............
        ............
        """,
    )


def test_horizontal_bar() -> None:
    assert_grid(
        [[[0.0, 0.0], [4.0, 0.0], [11.0, 0.0]]],
        """
        ............
        ............
        ............
        ............
        ............
        ............
        ############
        ............
        ............
        ............
        ............
        ............
        """,
    )


def test_vertical_bar() -> None:
    assert_grid(
        [[[7.0, -3.0], [7.0, 50.0]]],
        """
        ......#.....
        ......#.....
        ......#.....
        ......#.....
        ......#.....
        ......#.....
        ......#.....
        ......#.....
        ......#.....
        ......#.....
        ......#.....
        ......#.....
        """,
    )


def test_diagonal_through_cell_corners_stays_one_cell_wide() -> None:
    assert_grid(
        [[[0.0, 0.0], [11.0, 11.0]], [[11.0, 0.0], [0.0, 11.0]]],
        """
        #..........#
        .#........#.
        ..#......#..
        ...#....#...
        ....#..#....
        .....##.....
        .....##.....
        ....#..#....
        ...#....#...
        ..#......#..
        .#........#.
        #..........#
        """,
    )


def test_shallow_line_marks_every_cell_it_passes_through() -> None:
    # x 0.5..11.5, y 4.5..7.5: crosses y=5 at x=2.33, the corner (6, 6), and y=7 at x=9.67.
    assert_grid(
        [[[0.0, 0.0], [11.0, 3.0]]],
        """
        ............
        ............
        ............
        ............
        ###.........
        ..####......
        ......####..
        .........###
        ............
        ............
        ............
        ............
        """,
    )


def test_plus_sign() -> None:
    assert_grid(
        [[[0.0, 5.5], [11.0, 5.5]], [[5.5, 0.0], [5.5, 11.0]]],
        """
        ......#.....
        ......#.....
        ......#.....
        ......#.....
        ......#.....
        ......#.....
        ############
        ......#.....
        ......#.....
        ......#.....
        ......#.....
        ......#.....
        """,
    )


def test_l_keeps_its_width_and_is_centred() -> None:
    # 7 wide, 11 tall: x maps to 2.5..9.5.
    assert_grid(
        [[[0.0, 0.0], [0.0, 11.0], [7.0, 11.0]]],
        """
        ..#.........
        ..#.........
        ..#.........
        ..#.........
        ..#.........
        ..#.........
        ..#.........
        ..#.........
        ..#.........
        ..#.........
        ..#.........
        ..########..
        """,
    )


def test_wide_rectangle_is_not_stretched() -> None:
    # 10 x 5 scaled by 1.1: x 0.5..11.5, y 3.25..8.75.
    assert_grid(
        [[[0.0, 0.0], [10.0, 0.0], [10.0, 5.0], [0.0, 5.0], [0.0, 0.0]]],
        """
        ............
        ............
        ............
        ############
        #..........#
        #..........#
        #..........#
        #..........#
        ############
        ............
        ............
        ............
        """,
    )


def test_strokes_are_not_joined() -> None:
    assert_grid(
        [[[0.0, 0.0]], [[11.0, 11.0]]],
        """
        #...........
        ............
        ............
        ............
        ............
        ............
        ............
        ............
        ............
        ............
        ............
        ...........#
        """,
    )


def test_grid_size_8() -> None:
    assert_grid(
        [[[0.0, 0.0], [7.0, 7.0]], [[0.0, 3.5], [7.0, 3.5]]],
        """
        #.......
        .#......
        ..#.....
        ...#....
        ########
        .....#..
        ......#.
        .......#
        """,
        grid_size=8,
    )


# --- normalise ----------------------------------------------------------------------------------


def test_normalise_maps_long_side_to_cell_centres_and_centres_short_side() -> None:
    got = normalise([[[0.0, 0.0, 10.0], [11.0, 3.0, 20.0]], [], [[1.0, 1.0]]])
    assert len(got) == 2  # the empty stroke is dropped
    np.testing.assert_allclose(got[0], [[0.5, 4.5], [11.5, 7.5]], rtol=0, atol=1e-12)
    np.testing.assert_allclose(got[1], [[1.5, 5.5]], rtol=0, atol=1e-12)
    assert got[0].dtype == np.float64


def test_normalise_keeps_every_coordinate_within_the_half_cell_margin() -> None:
    rng = np.random.default_rng(1)
    strokes = (rng.normal(size=(5, 20, 2)) * 300 - 40).tolist()
    for grid_size in (2, 12, 28):
        P = np.concatenate(normalise(strokes, grid_size))
        assert P.min() >= 0.5 and P.max() <= grid_size - 0.5
        assert np.isclose(P.min(), 0.5) or np.isclose(P.max(), grid_size - 0.5)


def test_normalise_identical_points_go_to_the_centre() -> None:
    got = normalise([[[-7.0, 3.0], [-7.0, 3.0]], [[-7.0, 3.0, 99.0]]])
    np.testing.assert_array_equal(np.concatenate(got), np.full((3, 2), 6.0))


# --- invariance ---------------------------------------------------------------------------------


@pytest.mark.parametrize("letter", [LETTER_A, LETTER_Z], ids=["A", "Z"])
@pytest.mark.parametrize(
    ("scale", "dx", "dy"),
    [(0.01, 0.0, 0.0), (0.37, -250.0, 40.5), (7.3, 1234.5, -987.0), (1e5, -5e5, 3e5)],
)
def test_same_grid_for_any_translation_and_scale(
    letter: list[Stroke], scale: float, dx: float, dy: float
) -> None:
    expected = rasterise(letter)
    moved = transform(letter, scale, dx, dy)
    np.testing.assert_array_equal(rasterise(moved), expected, err_msg="\n" + render(expected))
    np.testing.assert_allclose(
        rasterise(moved, antialias=True), rasterise(letter, antialias=True), atol=1e-6
    )


def test_time_values_are_ignored() -> None:
    timed = [[[x, y, 1000.0 + 16.0 * i] for i, (x, y) in enumerate(s)] for s in LETTER_A]
    mixed = [[[*p, 5.0] if i % 2 else p for i, p in enumerate(s)] for s in LETTER_A]
    for strokes in (timed, mixed):
        np.testing.assert_array_equal(rasterise(strokes), rasterise(LETTER_A))
        np.testing.assert_array_equal(
            rasterise(strokes, antialias=True), rasterise(LETTER_A, antialias=True)
        )


# --- aspect ratio and connectivity --------------------------------------------------------------


def test_tall_thin_stroke_stays_thin_and_centred() -> None:
    one = [[[0.0, 0.0], [1.0, 10.0], [0.5, 20.0], [1.0, 30.0]]]
    grid = rasterise(one).reshape(12, 12)
    rows, cols = np.nonzero(grid)
    assert set(cols.tolist()) == {5, 6}
    assert set(rows.tolist()) == set(range(12))


def test_short_wide_stroke_stays_flat_and_centred() -> None:
    dash = [[[0.0, 0.0], [30.0, 1.0]]]
    rows, cols = np.nonzero(rasterise(dash).reshape(12, 12))
    assert set(rows.tolist()) == {5, 6}
    assert set(cols.tolist()) == set(range(12))


def circle(n: int, radius: float = 100.0) -> list[Stroke]:
    angles = np.linspace(0, 2 * np.pi, n + 1)
    return [np.stack([radius * np.cos(angles), radius * np.sin(angles)], axis=1).tolist()]


@pytest.mark.parametrize(
    "strokes",
    [
        circle(8),
        circle(5),
        [[[0.0, 0.0], [1000.0, 370.0]]],
        [[[0.0, 0.0], [1000.0, 1000.0], [0.0, 370.0], [900.0, 20.0]]],
        LETTER_Z,
    ],
    ids=["circle-8", "circle-5", "two-points", "zigzag", "Z"],
)
def test_sparse_points_give_a_connected_line(strokes: list[Stroke]) -> None:
    grid = rasterise(strokes)
    assert components(grid) == 1, "\n" + render(grid)
    assert grid.sum() > len(strokes[0])  # the segments are drawn, not just the points


def test_circle_of_8_points_is_a_ring() -> None:
    grid = rasterise(circle(8)).reshape(12, 12)
    assert grid[0].any() and grid[-1].any() and grid[:, 0].any() and grid[:, -1].any()
    assert not grid[3:9, 3:9].any()  # the middle stays empty


# --- degenerate input ---------------------------------------------------------------------------


CENTRE_DOT = np.zeros(144, dtype=np.float32)
CENTRE_DOT[6 * 12 + 6] = 1.0


@pytest.mark.parametrize(
    "strokes",
    [
        [[[5.0, 5.0]] * 40],
        [[[5.0, 5.0]], [[5.0, 5.0, 3.0], [5.0, 5.0]]],
        [[[-1e6, 1e6]]],
        [[[1e300, -1e300], [1e300, -1e300]]],
        [[], [[0.0, 0.0]], []],
    ],
)
def test_identical_points_are_one_dot_at_the_centre(strokes: list[Stroke]) -> None:
    np.testing.assert_array_equal(rasterise(strokes), CENTRE_DOT)


@pytest.mark.parametrize(
    ("strokes", "row", "col"),
    [
        ([[[3.0, 5.0], [9.0, 5.0]], [[1.0, 5.0], [3.5, 5.0]]], 6, None),
        ([[[-1e6, -1e6], [1e6, -1e6]]], 6, None),
        ([[[1e6, 1e6], [1e6 + 1e-6, 1e6]]], 6, None),
        ([[[-1e300, 7.0], [1e300, 7.0]]], 6, None),
        ([[[3.0, 5.0], [3.0, -9.0], [3.0, 0.0]]], None, 6),
        ([[[-2e5, -1e6], [-2e5, 1e6]]], None, 6),
    ],
)
def test_zero_height_or_width_is_a_centred_line(
    strokes: list[Stroke], row: int | None, col: int | None
) -> None:
    expected = np.zeros((12, 12), dtype=np.float32)
    if row is not None:
        expected[row, :] = 1.0
    else:
        expected[:, col] = 1.0
    np.testing.assert_array_equal(rasterise(strokes).reshape(12, 12), expected)


def test_huge_and_negative_coordinates() -> None:
    expected = rasterise([[[0.0, 0.0], [11.0, 11.0]]])
    for strokes in (
        [[[-1e6, -1e6], [1e6, 1e6]]],
        [[[-1e300, -1e300], [1e300, 1e300]]],
        [[[-3.0, -3.0], [-1.0, -1.0]]],
        [[[-1e6, -1e6, 0.0], [1e-6, 1e-6, 1e12]]],
    ):
        np.testing.assert_array_equal(rasterise(strokes), expected)


# --- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("strokes", "message"),
    [
        ([], "no points"),
        ([[]], "no points"),
        ([[], []], "no points"),
        ([[[1.0]]], "stroke 0, point 0: .* got 1 numbers"),
        ([[[1.0, 2.0]], [[1.0, 2.0], []]], "stroke 1, point 1: .* got 0 numbers"),
        ([[[1.0, 2.0, 3.0, 4.0]]], "got 4 numbers"),
        ([[[0.0, 0.0], [math.nan, 0.0]]], "stroke 0, point 1: .*finite"),
        ([[[0.0, 0.0]], [[0.0, math.inf]]], "stroke 1, point 0: .*finite"),
        ([[[0.0, 0.0, -math.inf]]], "finite"),
        ([[["a", 0.0]]], "numbers"),
        ([[1.0, 2.0]], "list of points"),
        ([[[1.0, 2.0]], None], "list of points"),
    ],
)
def test_bad_strokes_raise_value_error(strokes: list[Stroke], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        rasterise(strokes)
    with pytest.raises(ValueError, match=message):
        normalise(strokes)


@pytest.mark.parametrize("grid_size", [1, 0, -12])
def test_grid_size_below_2_raises(grid_size: int) -> None:
    with pytest.raises(ValueError, match="grid_size"):
        rasterise([[[0.0, 0.0]]], grid_size)
    with pytest.raises(ValueError, match="grid_size"):
        normalise([[[0.0, 0.0]]], grid_size)


@pytest.mark.parametrize("grid_size", [2, 8, 12, 28])
def test_grid_size_sets_the_length(grid_size: int) -> None:
    for antialias in (False, True):
        grid = rasterise(LETTER_A, grid_size, antialias=antialias)
        assert grid.shape == (grid_size * grid_size,)
        assert grid.dtype == np.float32


# --- anti-aliasing ------------------------------------------------------------------------------


def test_antialiased_dot_is_exact() -> None:
    # The dot sits on the corner of four cells: their centres are sqrt(0.5) away.
    grid = rasterise([[[3.0, 4.0]]], antialias=True).reshape(12, 12)
    side = 1.5 - math.sqrt(0.5)
    expected = np.zeros((12, 12), dtype=np.float32)
    expected[5:7, 5:7] = np.array([[side, side], [side, 1.0]], dtype=np.float32)
    np.testing.assert_array_equal(grid, expected)


def test_antialiased_bar_on_cell_centres_fades_to_half_next_to_it() -> None:
    # Rows 0..11 at y = 0.5..11.5 (a tall L); its foot lies on the centres of row 11.
    grid = rasterise([[[0.0, 0.0], [0.0, 11.0], [7.0, 11.0]]], antialias=True).reshape(12, 12)
    np.testing.assert_array_equal(grid[11, 2:10], 1.0)
    np.testing.assert_array_equal(grid[10, 3:10], 0.5)
    np.testing.assert_array_equal(grid[:, 2], 1.0)
    np.testing.assert_array_equal(grid[:10, [1, 3]], 0.5)
    np.testing.assert_array_equal(grid[:, [0, 11]], 0.0)


@pytest.mark.parametrize(
    "strokes",
    [LETTER_A, LETTER_Z, circle(8), [[[3.0, 4.0]]], [[[0.0, 0.0], [11.0, 3.0]]]],
    ids=["A", "Z", "circle", "dot", "shallow"],
)
def test_antialias_is_soft_version_of_binary(strokes: list[Stroke]) -> None:
    binary = rasterise(strokes)
    soft = rasterise(strokes, antialias=True)
    assert soft.dtype == np.float32
    assert soft.min() >= 0.0 and soft.max() == 1.0
    assert np.count_nonzero(soft) > np.count_nonzero(binary)
    assert (soft[binary == 1.0] == 1.0).all()


# --- properties ---------------------------------------------------------------------------------

coordinate = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
point = st.one_of(
    st.lists(coordinate, min_size=2, max_size=2),
    st.lists(coordinate, min_size=3, max_size=3),
)
drawing = st.lists(st.lists(point, min_size=1, max_size=50), min_size=1, max_size=10)


@settings(max_examples=300, deadline=None)
@given(drawing, st.sampled_from([2, 3, 8, 12, 28]), st.booleans())
def test_any_finite_drawing_gives_a_valid_grid(
    strokes: list[Stroke], grid_size: int, antialias: bool
) -> None:
    grid = rasterise(strokes, grid_size, antialias=antialias)
    assert grid.dtype == np.float32
    assert grid.shape == (grid_size * grid_size,)
    assert grid.min() >= 0.0 and grid.max() == 1.0
    if not antialias:
        assert set(np.unique(grid).tolist()) <= {0.0, 1.0}


@settings(max_examples=300, deadline=None)
@given(st.lists(point, min_size=1, max_size=50))
def test_one_stroke_is_always_8_connected(stroke: Stroke) -> None:
    grid = rasterise([stroke])
    assert components(grid) == 1, "\n" + render(grid)


junk_number = st.one_of(
    st.floats(),
    st.integers(-(10**400), 10**400),
    st.none(),
    st.text(max_size=3),
    st.booleans(),
)
junk_point = st.one_of(st.lists(junk_number, max_size=4), junk_number)
junk = st.one_of(st.lists(st.one_of(st.lists(junk_point, max_size=5), junk_number), max_size=4))


@settings(max_examples=300, deadline=None)
@given(junk, st.booleans())
def test_bad_input_raises_only_value_error(strokes: list[Stroke], antialias: bool) -> None:
    try:
        grid = rasterise(strokes, antialias=antialias)
    except ValueError:
        return
    assert grid.shape == (144,) and grid.min() >= 0.0 and grid.max() == 1.0


# --- many drawings at once ------------------------------------------------------------------


def _random_drawings(rng: np.random.Generator, n: int) -> list[list[Stroke]]:
    """Drawings of 1-3 strokes of 1-12 points (dots, lines, a point repeated, a [x, y, t])."""
    out = []
    for _ in range(n):
        drawing = []
        for _ in range(int(rng.integers(1, 4))):
            points = rng.normal(0, 50, size=(int(rng.integers(1, 13)), 2)) + rng.normal(0, 200, 2)
            drawing.append(points.tolist())
        out.append(drawing)
    out += [[[[5.0, 5.0], [5.0, 5.0]]], [[], [[1.0, 2.0, 30.0]], [[4.0, 2.0], [4.0, 9.0]]]]
    out += [LETTER_A, LETTER_Z]
    return out


@pytest.mark.parametrize("antialias", [False, True])
@pytest.mark.parametrize("grid_size", [12, 7])
def test_rasterise_many_equals_one_by_one(antialias: bool, grid_size: int) -> None:
    rng = np.random.default_rng(5)
    drawings = _random_drawings(rng, 60)
    radii = rng.uniform(0.0, 1.5, len(drawings)).tolist()
    grids = rasterise_many(drawings, grid_size, antialias=antialias, pen_radius=radii)
    one_by_one = [
        rasterise(d, grid_size, antialias=antialias, pen_radius=r)
        for d, r in zip(drawings, radii, strict=True)
    ]
    assert grids.shape == (len(drawings), grid_size**2)
    assert grids.dtype == np.float32
    np.testing.assert_array_equal(grids, np.stack(one_by_one))
    # Strokes given as arrays (as augment makes them) draw the same grids.
    arrays = [[np.array(s)[:, :2] for s in d if s] for d in drawings]
    np.testing.assert_array_equal(
        rasterise_many(arrays, grid_size, antialias=antialias, pen_radius=radii), grids
    )
    # One pen for all, and no drawing at all.
    np.testing.assert_array_equal(
        rasterise_many(drawings[:3], grid_size, antialias=antialias)[2],
        rasterise(drawings[2], grid_size, antialias=antialias),
    )
    assert rasterise_many([], grid_size).shape == (0, grid_size**2)


def test_rasterise_many_refuses_what_rasterise_refuses() -> None:
    with pytest.raises(ValueError, match="no points"):
        rasterise_many([LETTER_A, [[]]])
    with pytest.raises(ValueError, match="no points"):
        rasterise_many([[np.zeros((2, 2))], [np.zeros((0, 2))]])
    with pytest.raises(ValueError, match="finite"):
        rasterise_many([[np.array([[0.0, 1.0], [np.nan, 2.0]])]])
    with pytest.raises(ValueError, match="pen_radius"):
        rasterise_many([LETTER_A, LETTER_Z], antialias=True, pen_radius=[0.5, -1.0])


def test_normalise_many_equals_one_by_one() -> None:
    drawings = _random_drawings(np.random.default_rng(8), 40)
    for grid_size in (12, 5):
        many = normalise_many(drawings, grid_size)
        assert len(many) == len(drawings)
        for strokes, got in zip(drawings, many, strict=True):
            want = normalise(strokes, grid_size)
            assert len(got) == len(want)
            for a, b in zip(got, want, strict=True):
                np.testing.assert_array_equal(a, b)
    assert normalise_many([]) == []
