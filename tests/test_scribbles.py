"""Tests for app.scribbles: limits, determinism, variety, and grids unlike any letter's."""

import numpy as np
import pytest

from app import scribbles, synth
from app.ink import rasterise
from tests.helpers import components

MAX_STROKES, MAX_POINTS = 64, 4096  # the API's limits (app.config)
N_PER_KIND = 40


def drawings(kind: str, n: int = N_PER_KIND, seed: int = 0) -> list[scribbles.Strokes]:
    rng = np.random.default_rng(seed)
    return [scribbles.draw(kind, rng) for _ in range(n)]


def binary_ink(strokes: scribbles.Strokes) -> int:
    """How many cells of the 12x12 grid the path passes through."""
    return int(rasterise(strokes, 12).sum())


@pytest.fixture(scope="module")
def letters() -> list[scribbles.Strokes]:
    rng = np.random.default_rng(0)
    return [synth.draw(label, rng) for label in synth.SHAPES for _ in range(20)]


@pytest.mark.parametrize("kind", scribbles.KINDS)
def test_every_kind_is_a_valid_pointer_drawing(kind: str) -> None:
    for strokes in drawings(kind):
        assert 1 <= len(strokes) <= MAX_STROKES
        assert sum(map(len, strokes)) <= MAX_POINTS
        pts = [np.asarray(s, dtype=np.float64) for s in strokes]
        assert all(p.ndim == 2 and p.shape[1] == 2 and len(p) >= 1 for p in pts)
        xy = np.concatenate(pts)
        assert np.isfinite(xy).all() and (xy >= 0).all()
        assert 99.0 <= np.ptp(xy, axis=0).max() <= 301.0
        # Points a few pixels apart along each stroke, as pointer events would come.
        gaps = np.concatenate([np.hypot(*np.diff(p, axis=0).T) for p in pts if len(p) > 1])
        assert 2.0 <= np.median(gaps) <= 8.0 and gaps.max() < 20.0


@pytest.mark.parametrize("kind", scribbles.KINDS)
def test_a_seed_gives_the_same_drawing_and_seeds_differ(kind: str) -> None:
    assert drawings(kind, 3, seed=5) == drawings(kind, 3, seed=5)
    grids = np.array([rasterise(s, 12, antialias=True) for s in drawings(kind, 12, seed=6)])
    distance = np.sqrt(((grids[:, None] - grids[None]) ** 2).sum(axis=2))
    pairs = distance[np.triu_indices(len(grids), 1)]
    assert pairs.min() > 0.1  # no two alike
    assert np.median(pairs) > 2.5  # and most far apart: ~6 of 144 cells fully different


def test_generate_mixes_the_kinds_evenly() -> None:
    rng = np.random.default_rng(1)
    batch = scribbles.generate(25, rng, kinds=("spiral", "dashes"))
    assert len(batch) == 25
    many_strokes = sum(len(s) >= 8 for s in batch)  # dashes have 8 or more, a spiral 1
    assert many_strokes in (12, 13)
    assert scribbles.generate(0, rng) == []
    with pytest.raises(ValueError):
        scribbles.draw("letter", rng)


@pytest.mark.parametrize("kind", ["scribble", "tangle", "spiral", "crosshatch", "circles", "blob"])
def test_dense_kinds_ink_more_cells_than_letters(
    kind: str, letters: list[scribbles.Strokes]
) -> None:
    # Measured: letters ink 13-52 cells (95th percentile ~46), these kinds a median of 62-93.
    letter_p95 = np.percentile([binary_ink(s) for s in letters], 95)
    ink = [binary_ink(s) for s in drawings(kind)]
    assert np.median(ink) > letter_p95 + 8
    assert min(ink) >= 30


def test_a_filled_blob_inks_more_than_any_letter(letters: list[scribbles.Strokes]) -> None:
    assert min(binary_ink(s) for s in drawings("blob")) > max(binary_ink(s) for s in letters)


def test_dashes_fall_apart_into_pieces(letters: list[scribbles.Strokes]) -> None:
    # Every letter is one connected piece of ink; scattered dashes are several.
    assert all(components(rasterise(s, 12)) == 1 for s in letters)
    pieces = [components(rasterise(s, 12)) for s in drawings("dashes", 100)]
    assert np.mean(np.array(pieces) >= 2) > 0.85
    assert np.median(pieces) >= 4


def test_hatching_is_parallel_and_evenly_spaced() -> None:
    for strokes in drawings("hatching", 100):
        assert 3 <= len(strokes) <= 8
        ends = np.array([[s[0], s[-1]] for s in strokes], dtype=np.float64)  # (n, 2 ends, 2)
        d = ends[:, 1] - ends[:, 0]
        angle = np.arctan2(d[:, 1], d[:, 0])
        # Direction modulo 180 degrees, relative to the first line (lines may run either way).
        spread = np.mod(angle - angle[0] + np.pi / 2, np.pi) - np.pi / 2
        assert np.degrees(np.ptp(spread)) < 12.0
        normal = np.array([-d[0, 1], d[0, 0]]) / np.hypot(*d[0])
        gaps = np.diff(np.sort(ends.mean(axis=1) @ normal))
        assert 0.35 * np.median(gaps) < gaps.min() and gaps.max() < 2.0 * np.median(gaps)


def turns(stroke: list[list[float]]) -> float:
    """Net turning of a stroke's direction, in whole turns (an O is about 1)."""
    d = np.diff(np.asarray(stroke, dtype=np.float64), axis=0)
    angle = np.unwrap(np.arctan2(d[:, 1], d[:, 0]))
    return float(abs(angle[-1] - angle[0]) / (2 * np.pi))


def test_spirals_turn_more_than_any_letter(letters: list[scribbles.Strokes]) -> None:
    # Measured: spirals 1.6-4.1 turns, letters at most 1.02 (an O drawn a little past closing).
    most = max(turns(stroke) for strokes in letters for stroke in strokes if len(stroke) > 2)
    assert most < 1.2
    for strokes in drawings("spiral"):
        assert len(strokes) == 1
        assert turns(strokes[0]) > 1.4


def test_scribbles_and_letters_are_apart_on_the_grid(letters: list[scribbles.Strokes]) -> None:
    # Nearest neighbour among both sets on the anti-aliased grid: measured 96-98% of scribbles
    # have a scribble nearest and 100% of letters a letter, so a network can learn the line.
    rng = np.random.default_rng(2)
    mixed = scribbles.generate(200, rng)
    X = np.array([rasterise(s, 12, antialias=True) for s in letters + mixed], dtype=np.float64)
    is_scribble = np.arange(len(X)) >= len(letters)
    d = ((X[:, None] - X[None]) ** 2).sum(axis=2)
    np.fill_diagonal(d, np.inf)
    nearest_is_scribble = is_scribble[d.argmin(axis=1)]
    assert nearest_is_scribble[is_scribble].mean() > 0.9
    assert (~nearest_is_scribble[~is_scribble]).mean() > 0.97
