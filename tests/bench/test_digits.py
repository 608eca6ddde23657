"""Tests for bench.digits: the split, the API limits, the tracing, and that the drawings are
still the digits (a nearest-neighbour classifier and the correlation with the originals)."""

import math
from collections import Counter

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy import ndimage
from sklearn.neighbors import KNeighborsClassifier

from app.config import Settings
from app.ink import rasterise
from bench import digits
from bench.digits import Strokes

# sklearn.datasets.load_digits: 1,797 images, these many of each digit.
COUNTS = {"0": 178, "1": 182, "2": 177, "3": 183, "4": 181}
COUNTS |= {"5": 182, "6": 181, "7": 179, "8": 174, "9": 180}
MAX_STROKES = Settings.model_fields["max_strokes"].default
MAX_POINTS = Settings.model_fields["max_points"].default


# The tests that read the whole data set share its tracing (seconds, once per session).
slow = pytest.mark.slow


def grid(strokes: Strokes) -> NDArray[np.float32]:
    return rasterise(strokes, 12, antialias=True)


@slow
def test_sizes_labels_and_split() -> None:
    everything, dev, report = digits.load(), digits.load("dev"), digits.load("report")
    assert len(everything) == 1797
    assert Counter(label for label, _ in everything) == COUNTS
    assert (len(dev), len(report)) == (900, 897)
    assert dev + report == everything  # the first 900 and the rest, in the data set's order
    assert {id(s) for _, s in dev}.isdisjoint(id(s) for _, s in report)
    _, target = digits.images()
    assert [label for label, _ in everything] == [str(t) for t in target]
    assert digits.load() is not everything and digits.load() == everything  # cached, copied
    with pytest.raises(ValueError, match="part"):
        digits.load("test")  # type: ignore[arg-type]


@slow
def test_every_drawing_is_within_the_api_limits() -> None:
    for _, strokes in digits.load():
        points = [p for stroke in strokes for p in stroke]
        assert 1 <= len(strokes) <= MAX_STROKES
        assert 1 <= len(points) <= MAX_POINTS
        assert all(len(p) == 2 and all(math.isfinite(v) for v in p) for p in points)
        assert all(0 <= v <= 250 for p in points for v in p)  # canvas pixels, 40 x 6.25


@slow
def test_drawings_are_few_long_strokes() -> None:
    drawings = digits.load()
    strokes = np.array([len(s) for _, s in drawings])
    points = np.array([sum(map(len, s)) for _, s in drawings])
    assert strokes.max() <= 4 and strokes.mean() < 1.3  # measured: at most 3, mean 1.21
    assert points.min() >= 10 and np.median(points) > 30  # measured: 11 and 47


@slow
def test_a_nearest_neighbour_classifier_recognises_the_drawings() -> None:
    """Fitted on dev, scored on report: the drawings keep what tells the digits apart.

    Measured: 92.4% (1-NN); the 8x8 originals themselves give 96.2%.
    """
    dev, report = digits.load("dev"), digits.load("report")
    knn = KNeighborsClassifier(n_neighbors=1).fit(
        np.stack([grid(s) for _, s in dev]), [label for label, _ in dev]
    )
    predicted = knn.predict(np.stack([grid(s) for _, s in report]))
    accuracy = np.mean(predicted == np.array([label for label, _ in report]))
    assert accuracy >= 0.90


def original_grid(image: NDArray[np.float64], strokes: Strokes, n: int = 12) -> NDArray[np.float64]:
    """The upsampled original (40, 40) seen through the grid the strokes' box maps to (n * n,)."""
    pts = np.concatenate([np.asarray(s) for s in strokes]) / digits.SCALE  # x, y in pixels
    low, high = pts.min(axis=0), pts.max(axis=0)
    half, centre = float((high - low).max()) / 2, (low + high) / 2
    # Inverse of app.ink's fit: cell centre u -> centre + (u - n / 2) * half / ((n - 1) / 2).
    u = (np.arange(n) + 0.5 - n / 2) * half / ((n - 1) / 2)
    yy, xx = np.meshgrid(centre[1] + u, centre[0] + u, indexing="ij")
    blurred = ndimage.gaussian_filter(image, sigma=half / (n - 1))  # about half a cell
    sampled: NDArray[np.float64] = ndimage.map_coordinates(
        blurred, [yy.ravel(), xx.ravel()], order=1
    )
    return sampled


@slow
def test_rasterised_drawings_look_like_the_original_images() -> None:
    """Measured: mean correlation 0.843; the lowest (0.28) are fat 1s drawn as one line."""
    images, _ = digits.images()
    up = digits.upsample(images)
    corr = np.array(
        [
            np.corrcoef(grid(strokes), original_grid(up[i], strokes))[0, 1]
            for i, (_, strokes) in enumerate(digits.load())
        ]
    )
    assert corr.mean() > 0.82
    assert np.median(corr) > 0.84  # measured 0.864
    assert np.mean(corr > 0.5) > 0.98  # measured 99.0%


@slow
def test_per_class_picks_k_of_each_label_at_random() -> None:
    report = digits.load("report")
    picked = digits.per_class(report, 5, np.random.default_rng(0))
    assert Counter(label for label, _ in picked) == {str(d): 5 for d in range(10)}
    assert len({id(s) for _, s in picked}) == 50  # no drawing twice
    assert picked == digits.per_class(report, 5, np.random.default_rng(0))
    assert picked != digits.per_class(report, 5, np.random.default_rng(1))
    with pytest.raises(ValueError, match="fewer than k"):
        digits.per_class(report, 100, np.random.default_rng(0))


def shapes() -> dict[str, NDArray[np.bool_]]:
    yy, xx = np.mgrid[:30, :30]
    r = np.hypot(yy - 15, xx - 15)
    plus = np.zeros((30, 30), dtype=bool)
    plus[13:17, 3:27] = plus[3:27, 13:17] = True
    tee = np.zeros((30, 30), dtype=bool)
    tee[3:7, 3:27] = tee[3:27, 13:17] = True
    line = np.zeros((30, 30), dtype=bool)
    line[5:25, 10:13] = True
    line[3, 25:27] = True  # a speck of two pixels
    return {"ring": (r > 7) & (r < 11), "plus": plus, "tee": tee, "line": line}


def test_tracing_joins_straight_continuations_and_drops_specks() -> None:
    traced = {name: digits.to_strokes(digits.thin(img[None])[0]) for name, img in shapes().items()}
    ring, plus, tee, line = traced["ring"], traced["plus"], traced["tee"], traced["line"]
    assert len(ring) == 1 and ring[0][0] == ring[0][-1] and len(ring[0]) > 50  # one closed loop
    # The plus: two straight strokes across the crossing, one vertical, one horizontal.
    extents = sorted(tuple(np.ptp(np.asarray(s), axis=0)) for s in plus)
    assert len(plus) == 2 and extents == [(0.0, 118.75), (118.75, 0.0)]
    assert len(tee) == 2 and sorted(len(s) for s in tee) == [20, 21]
    assert len(line) == 1 and np.ptp(np.asarray(line[0])[:, 0]) == 0  # the speck is gone
    assert line[0][0][1] < line[0][-1][1]  # drawn top to bottom


def test_thinning_leaves_one_pixel_wide_lines() -> None:
    images, _ = digits.images()
    skeletons = digits.thin(digits.ink(images[:50]))
    for skeleton in skeletons:
        # No 2x2 block of ink survives thinning.
        blocks = skeleton[:-1, :-1] & skeleton[1:, :-1] & skeleton[:-1, 1:] & skeleton[1:, 1:]
        assert not blocks.any()
        assert skeleton.sum() > 5
