"""Tests for app.evaluation: split, confusion matrix, temperature scaling, ECE, nearest rows."""

import numpy as np
import pytest
from numpy.typing import NDArray

from app.evaluation import (
    MIN_PER_LABEL,
    T_MIN,
    VALIDATION_FRACTION,
    confusion,
    ece,
    fit_temperature,
    held_out_count,
    leave_one_out_nearest,
    nearest_distances,
    nll,
    softmax,
    stratified_split,
)


def labels_with_counts(counts: list[int], seed: int = 0) -> NDArray[np.intp]:
    """Label i repeated counts[i] times, shuffled."""
    y = np.repeat(np.arange(len(counts)), counts)
    return np.random.default_rng(seed).permutation(y).astype(np.intp)


# --- stratified_split -------------------------------------------------------------------------


@pytest.mark.parametrize("fraction", [VALIDATION_FRACTION, 0.1, 0.5, 0.9])
def test_split_is_stratified_disjoint_and_complete(fraction: float) -> None:
    counts = [5, 6, 7, 9, 10, 13, 40, 101]
    y = labels_with_counts(counts)
    train, held, note = stratified_split(y, fraction, np.random.default_rng(1))
    assert note is None
    assert np.intersect1d(train, held).size == 0
    np.testing.assert_array_equal(np.sort(np.concatenate([train, held])), np.arange(y.size))
    for label, n in enumerate(counts):
        expected = min(max(1, int(np.floor(fraction * n + 0.5))), n - 1)
        assert np.sum(y[held] == label) == expected, (label, n)
        assert np.sum(y[train] == label) == n - expected >= 1


def test_split_counts_for_the_default_fraction() -> None:
    # Hand-checked: 20% of 5 is 1, of 7 is 1.4 -> 1, of 13 is 2.6 -> 3, of 101 is 20.2 -> 20.
    assert [held_out_count(n, 0.2) for n in (5, 7, 13, 101)] == [1, 1, 3, 20]
    y = labels_with_counts([5, 7, 13, 101])
    _, held, _ = stratified_split(y, 0.2, np.random.default_rng(0))
    assert np.bincount(y[held]).tolist() == [1, 1, 3, 20]


def test_split_is_deterministic_and_random() -> None:
    y = labels_with_counts([30, 30, 30])
    a = stratified_split(y, 0.2, np.random.default_rng(7))
    b = stratified_split(y, 0.2, np.random.default_rng(7))
    c = stratified_split(y, 0.2, np.random.default_rng(8))
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[1], c[1])


def test_split_holds_out_nothing_when_a_label_has_too_few() -> None:
    y = labels_with_counts([10, 3, 5, 1])
    train, held, note = stratified_split(
        y, 0.2, np.random.default_rng(0), names=["A", "B", "C", "D"]
    )
    assert held.size == 0
    np.testing.assert_array_equal(train, np.arange(y.size))
    assert note == (
        f"no validation: hold-out needs at least {MIN_PER_LABEL} samples of every label; "
        "'B' has 3, 'D' has 1"
    )
    _, _, unnamed = stratified_split(y, 0.2, np.random.default_rng(0), min_per_label=4)
    assert unnamed is not None and unnamed.endswith("label 1 has 3, label 3 has 1")


def test_split_fraction_zero_is_off_and_bad_fraction_raises() -> None:
    y = labels_with_counts([10, 10])
    train, held, note = stratified_split(y, 0.0, np.random.default_rng(0))
    assert held.size == 0 and train.size == 20
    assert note is not None and "validation is off" in note
    with pytest.raises(ValueError, match="fraction"):
        stratified_split(y, 1.0, np.random.default_rng(0))


# --- confusion --------------------------------------------------------------------------------


def test_confusion_matches_a_hand_made_case() -> None:
    y_true = np.array([0, 0, 1, 1, 1, 2], dtype=np.intp)
    y_pred = np.array([0, 1, 1, 1, 2, 0], dtype=np.intp)
    m = confusion(y_true, y_pred, 4)
    expected = [[1, 1, 0, 0], [0, 2, 1, 0], [1, 0, 0, 0], [0, 0, 0, 0]]
    assert m.tolist() == expected
    assert m.dtype == np.int64 and m.sum() == y_true.size


def test_confusion_sums_to_n_and_rejects_out_of_range() -> None:
    rng = np.random.default_rng(0)
    y_true, y_pred = rng.integers(0, 7, 500), rng.integers(0, 7, 500)
    m = confusion(y_true, y_pred, 7)
    assert m.sum() == 500
    np.testing.assert_array_equal(m.sum(axis=1), np.bincount(y_true, minlength=7))
    with pytest.raises(ValueError):
        confusion(np.array([0, 7]), np.array([0, 1]), 7)


# --- calibration ------------------------------------------------------------------------------


def sample_calibrated(
    n: int, k: int, temperature: float, seed: int
) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
    """Logits (n, k) and labels drawn from softmax(logits / temperature): that T is the true one."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0.0, 4.0, size=(n, k))
    p = softmax(logits, temperature)
    y = (rng.random((n, 1)) > np.cumsum(p, axis=1)).sum(axis=1)
    return logits, np.minimum(y, k - 1).astype(np.intp)


def test_softmax_is_stable_and_sums_to_one() -> None:
    p = softmax(np.array([[1000.0, 1000.0, -1000.0], [0.0, 0.0, 0.0]]))
    np.testing.assert_allclose(p, [[0.5, 0.5, 0.0], [1 / 3, 1 / 3, 1 / 3]])
    np.testing.assert_allclose(
        softmax(np.array([[0.0, np.log(3.0)]]), 2.0), [[0.3660254, 0.6339746]]
    )


def test_nll_of_a_hand_made_case() -> None:
    probs = np.array([[0.5, 0.5], [0.25, 0.75]])
    assert nll(probs, np.array([0, 1])) == pytest.approx(-(np.log(0.5) + np.log(0.75)) / 2)


@pytest.mark.parametrize("true_t", [0.5, 1.0, 2.5])
def test_fit_temperature_recovers_the_true_temperature(true_t: float) -> None:
    logits, y = sample_calibrated(20_000, 8, true_t, seed=3)
    assert fit_temperature(logits, y) == pytest.approx(true_t, rel=0.1)


def test_fit_temperature_edge_cases() -> None:
    assert fit_temperature(np.zeros((0, 3)), np.zeros(0, dtype=np.intp)) == 1.0
    assert fit_temperature(np.zeros((4, 3)), np.zeros(4, dtype=np.intp)) == 1.0
    # Always right and separable: the NLL keeps falling as T -> 0, so the bound is returned.
    t = fit_temperature(np.array([[5.0, 0.0], [0.0, 5.0]]), np.array([0, 1]))
    assert t == pytest.approx(0.05, rel=1e-6)


def test_ece_is_small_when_calibrated_and_large_when_over_confident() -> None:
    logits, y = sample_calibrated(20_000, 5, 1.0, seed=4)
    assert ece(softmax(logits), y) < 0.02
    assert ece(softmax(logits, 0.3), y) > 0.1  # sharper than the truth: over-confident


def test_ece_of_a_hand_made_case() -> None:
    # Bin (0.5, 0.6]: conf 0.6, 0.6 with 1 of 2 right; bin (0.9, 1.0]: conf 1.0, right.
    probs = np.array([[0.6, 0.4], [0.4, 0.6], [1.0, 0.0]])
    y = np.array([0, 0, 0])
    assert ece(probs, y) == pytest.approx((2 * abs(0.5 - 0.6) + 0) / 3)


def test_temperature_fitted_on_one_half_lowers_ece_on_the_other() -> None:
    # A model 2.5x too confident: its logits are the true ones times 2.5.
    logits, y = sample_calibrated(20_000, 10, 1.0, seed=5)
    logits = logits * 2.5
    fit_half, test_half = slice(0, 10_000), slice(10_000, None)
    t = fit_temperature(logits[fit_half], y[fit_half])
    before = ece(softmax(logits[test_half]), y[test_half])
    after = ece(softmax(logits[test_half], t), y[test_half])
    assert before > 0.05
    assert after < before / 3
    assert nll(softmax(logits[test_half], t), y[test_half]) < nll(
        softmax(logits[test_half]), y[test_half]
    )


# --- nearest rows -----------------------------------------------------------------------------


def brute_force(
    reference: NDArray[np.float64], queries: NDArray[np.float64]
) -> NDArray[np.float64]:
    d = np.sqrt(((queries[:, None, :] - reference[None, :, :]) ** 2).sum(axis=2))
    return d.min(axis=1)


def test_nearest_distances_equal_brute_force() -> None:
    rng = np.random.default_rng(0)
    reference, queries = rng.random((700, 144)), rng.random((300, 144))
    queries[:5] = reference[10:15]  # exact duplicates must measure 0, not rounding noise
    got = nearest_distances(reference, queries)
    np.testing.assert_allclose(got, brute_force(reference, queries), rtol=1e-12)
    assert (got[:5] == 0.0).all()


def test_nearest_distances_are_chunked_correctly() -> None:
    # 3000 reference rows make chunks of ~350 queries, so 1000 queries cross chunk borders.
    rng = np.random.default_rng(1)
    reference, queries = rng.random((3000, 4)), rng.random((1000, 4))
    np.testing.assert_allclose(
        nearest_distances(reference, queries), brute_force(reference, queries), rtol=1e-12
    )


def test_leave_one_out_nearest_skips_each_row_itself() -> None:
    rng = np.random.default_rng(2)
    reference = rng.random((400, 6))
    reference[7] = reference[8]
    d = np.sqrt(((reference[:, None, :] - reference[None, :, :]) ** 2).sum(axis=2))
    np.fill_diagonal(d, np.inf)
    got = leave_one_out_nearest(reference)
    np.testing.assert_allclose(got, d.min(axis=1), rtol=1e-12)
    assert got[7] == got[8] == 0.0
    np.testing.assert_allclose(
        leave_one_out_nearest(np.array([[0.0, 0.0], [3.0, 4.0]])), [5.0, 5.0]
    )
    with pytest.raises(ValueError):
        leave_one_out_nearest(np.zeros((1, 2)))


def test_a_prior_keeps_a_few_right_answers_from_claiming_certainty() -> None:
    """Ten held-out samples, all right: plain temperature scaling drives T to its floor (every
    answer certain); with the prior (1.5, weight 3) it stays near 1.5."""
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(10, 4))
    y = logits.argmax(axis=1)
    logits[np.arange(10), y] += 2.0
    assert fit_temperature(logits, y) == pytest.approx(T_MIN, rel=1e-3)
    t = fit_temperature(logits, y, prior=(1.5, 3.0))
    assert 0.3 < t < 1.5
    # With plenty of data the prior hardly moves the fit.
    big = rng.normal(size=(5000, 4)) * 3
    labels = np.array([rng.choice(4, p=np.exp(r / 2) / np.exp(r / 2).sum()) for r in big])
    free = fit_temperature(big, labels)
    assert fit_temperature(big, labels, prior=(1.5, 3.0)) == pytest.approx(free, rel=0.02)
