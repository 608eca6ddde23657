"""Tests for bench.dollarp: the paper's steps on hand-worked cases, and the fast path against
the paper's pseudo-code."""

import math

import numpy as np
import pytest
from numpy.typing import NDArray

from bench import dollarp
from bench.dollarp import PDollar, cloud_distance, greedy_cloud_match

Strokes = list[list[list[float]]]


def paper_resample(strokes: Strokes, n: int) -> NDArray[np.float64]:
    """The paper's Resample, step by step, inserting each new point into the path."""
    points = [(float(x), float(y), s) for s, stroke in enumerate(strokes) for x, y in stroke]
    length = sum(
        math.dist(points[i - 1][:2], points[i][:2])
        for i in range(1, len(points))
        if points[i][2] == points[i - 1][2]
    )
    interval, D = length / (n - 1), 0.0
    new = [points[0]]
    i = 1
    while i < len(points):
        if points[i][2] == points[i - 1][2]:
            d = math.dist(points[i - 1][:2], points[i][:2])
            if D + d >= interval:
                (px, py, _), (x, y, s) = points[i - 1], points[i]
                q = (px + (interval - D) / d * (x - px), py + (interval - D) / d * (y - py), s)
                new.append(q)
                points.insert(i, q)
                D = 0.0
            else:
                D += d
        i += 1
    if len(new) == n - 1:
        new.append(points[-1])
    return np.array([p[:2] for p in new])


def random_drawing(rng: np.random.Generator) -> Strokes:
    return [
        (rng.random((int(rng.integers(1, 12)), 2)) * 100).tolist()
        for _ in range(int(rng.integers(1, 4)))
    ]


def test_resample_matches_the_papers_pseudo_code() -> None:
    rng = np.random.default_rng(0)
    for _ in range(100):
        strokes = random_drawing(rng)
        # The one case left out: after a last stroke of one point, the paper's last point is
        # that dot when rounding falls short of the path's end, and the path's end otherwise.
        if len(strokes[-1]) == 1:
            continue
        ours = dollarp.resample(strokes, 32)
        assert ours.shape == (32, 2)
        np.testing.assert_allclose(ours, paper_resample(strokes, 32), atol=1e-9)


def test_resample_skips_the_jump_between_strokes() -> None:
    # Two strokes of length 3 each, 10 apart: 7 points, 1 apart along each stroke.
    points = dollarp.resample([[[0, 0], [3, 0]], [[0, 10], [3, 10]]], 7)
    np.testing.assert_allclose(points, [[0, 0], [1, 0], [2, 0], [3, 0], [1, 10], [2, 10], [3, 10]])
    # Dots only: no path, the points repeated in order.
    assert dollarp.resample([[[1, 2]], [[3, 4]]], 3).tolist() == [[1, 2], [3, 4], [1, 2]]
    with pytest.raises(ValueError, match="no points"):
        dollarp.resample([[]], 32)


def test_normalise_scales_to_the_unit_box_and_centres() -> None:
    cloud = dollarp.normalise([[[10, 10], [50, 10], [50, 30]]])
    assert cloud.shape == (32, 2)
    np.testing.assert_allclose(cloud.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(np.ptp(cloud, axis=0), [1.0, 0.5])  # aspect kept
    np.testing.assert_allclose(dollarp.normalise([[[5, 5]]]), 0)  # a dot: no scaling


def test_greedy_cloud_match_by_hand() -> None:
    """n = 2, so the step is floor(sqrt(2)) = 1: starts 0 and 1, weights 1 and 1/2.

    a = (0, 0), (2, 0); b = (1, 0), (3, 0). From a, start 0: (0, 0) takes (1, 0) at 1, then
    (2, 0) takes (3, 0) at 1 x 1/2: 1.5. Start 1: (2, 0) takes (1, 0) (the first of two at 1),
    then (0, 0) takes (3, 0) at 3 x 1/2: 2.5. From b: 1.5 for both starts. The least: 1.5.
    """
    a = np.array([[0.0, 0.0], [2.0, 0.0]])
    b = np.array([[1.0, 0.0], [3.0, 0.0]])
    assert dollarp.starts(2) == [0, 1] and dollarp.starts(32) == [0, 5, 10, 15, 20, 25, 30]
    assert cloud_distance(a, b, 0) == 1.5 and cloud_distance(a, b, 1) == 2.5
    assert cloud_distance(b, a, 0) == 1.5 and cloud_distance(b, a, 1) == 1.5
    assert greedy_cloud_match(a, b) == 1.5
    index, distance = dollarp._nearest(a[None], np.stack([b, b + 10]))
    assert index.tolist() == [0] and distance.tolist() == [1.5]
    # Weights 1, 3/4, 1/2, 1/4 for four points each 0.1 from their match: 0.25.
    square = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    shift = np.array([0.1, 0.0])
    assert greedy_cloud_match(square, square + shift) == pytest.approx(0.25)


def test_identical_drawings_match_at_distance_zero() -> None:
    drawing = [[[0, 0], [40, 80], [80, 0]], [[20, 40], [60, 40]]]  # an A
    cloud = dollarp.normalise(drawing)
    assert greedy_cloud_match(cloud, cloud) == 0.0
    model = PDollar().fit([[[[0, 0], [80, 80]]], drawing], ["line", "A"])
    index, distance = model.nearest([drawing])
    assert index.tolist() == [1] and distance.tolist() == [0.0]


@pytest.mark.slow
def test_the_fast_path_gives_the_papers_answers() -> None:
    rng = np.random.default_rng(1)
    templates = [random_drawing(rng) for _ in range(24)]
    drawings = [random_drawing(rng) for _ in range(10)]
    model = PDollar().fit(templates, [str(i) for i in range(24)])
    index, distance = model.nearest(drawings)
    for drawing, i, d in zip(drawings, index, distance, strict=True):
        cloud = dollarp.normalise(drawing)
        paper = [greedy_cloud_match(cloud, t) for t in model.clouds]
        assert i == int(np.argmin(paper))
        assert d == min(paper)  # the same sums in the same order: equal to the last bit


def circle(rng: np.random.Generator, jitter: float) -> Strokes:
    t = np.linspace(0, 2 * np.pi, 40)
    points = np.stack([100 + 50 * np.cos(t), 100 + 50 * np.sin(t)], axis=1)
    return [(points + rng.normal(0, jitter, points.shape)).tolist()]


def cross(rng: np.random.Generator, jitter: float) -> Strokes:
    strokes = [np.array([[50.0, 50], [150, 150]]), np.array([[150.0, 50], [50, 150]])]
    return [(s + rng.normal(0, jitter, s.shape)).tolist() for s in strokes]


def test_jittered_copies_of_two_shapes_are_told_apart() -> None:
    rng = np.random.default_rng(2)
    model = PDollar().fit([circle(rng, 0), cross(rng, 0)], ["O", "X"])
    drawings = [circle(rng, 6) for _ in range(10)] + [cross(rng, 6) for _ in range(10)]
    assert model.predict(drawings) == ["O"] * 10 + ["X"] * 10
    with pytest.raises(ValueError, match="fit"):
        PDollar().predict(drawings)
    with pytest.raises(ValueError, match="labels"):
        PDollar().fit(drawings, ["O"])
