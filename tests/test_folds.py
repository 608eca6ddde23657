"""Folds for cross-fitting, and the Wilson interval."""

import numpy as np
import pytest

from app.folds import assign_folds, wilson


def labelled(counts: dict[str, int], start: int = 1) -> tuple[list[int], list[str]]:
    ids, labels, next_id = [], [], start
    for label, n in counts.items():
        for _ in range(n):
            ids.append(next_id)
            labels.append(label)
            next_id += 1
    return ids, labels


@pytest.mark.parametrize("k", [2, 3, 5])
def test_folds_are_stratified_and_cover_every_sample_once(k: int) -> None:
    ids, labels = labelled({"A": 10, "B": 7, "C": 5, "D": 2})
    rng = np.random.default_rng(0)
    shuffled = rng.permutation(len(ids))  # the order samples are listed in does not matter
    ids = [ids[i] for i in shuffled]
    labels = [labels[i] for i in shuffled]
    folds = assign_folds(ids, labels, k)
    assert folds.shape == (len(ids),) and set(folds.tolist()) <= set(range(k))
    for label in "ABCD":
        counts = np.bincount(folds[np.array(labels) == label], minlength=k)
        assert counts.max() - counts.min() <= 1, (label, counts)  # stratified
    assert sum(np.sum(folds == f) for f in range(k)) == len(ids)  # disjoint and complete


def test_adding_samples_keeps_every_fold() -> None:
    ids, labels = labelled({"A": 6, "B": 4})
    before = assign_folds(ids, labels, 3)
    more_ids, more_labels = labelled({"B": 3, "A": 1, "C": 2}, start=100)
    after = assign_folds(ids + more_ids, labels + more_labels, 3)
    assert after[: len(ids)].tolist() == before.tolist()
    assert assign_folds(ids, labels, 3).tolist() == before.tolist()  # the same run continued


def test_labels_with_few_samples_spread_over_folds() -> None:
    ids, labels = labelled({c: 1 for c in "ABCDEFGHIJ"})
    folds = assign_folds(ids, labels, 3)
    assert len(set(folds.tolist())) == 3  # not every label's one sample in fold 0


@pytest.mark.parametrize(
    "successes, n, low, high",
    [(5, 5, 0.5655, 1.0), (0, 10, 0.0, 0.2775), (43, 50, 0.7381, 0.9305), (1, 2, 0.0945, 0.9055)],
)
def test_wilson_matches_known_values(successes: int, n: int, low: float, high: float) -> None:
    got = wilson(successes, n)
    assert got == pytest.approx((low, high), abs=1e-4)


def test_wilson_covers_the_true_rate_in_at_least_90_percent_of_draws() -> None:
    rng = np.random.default_rng(20)
    for n in (5, 10, 20, 50, 100, 300):
        for p in (0.5, 0.7, 0.8, 0.9, 0.95):
            draws = rng.binomial(n, p, size=2000)
            covered = np.mean([lo <= p <= hi for lo, hi in (wilson(int(s), n) for s in draws)])
            assert covered >= 0.90, (n, p, covered)


def test_continuing_keeps_every_fold_even_after_deletions() -> None:
    ids, labels = labelled({"A": 9, "B": 6})
    first = assign_folds(ids, labels, 3)
    previous = dict(zip(ids, first.tolist(), strict=True))
    # Delete two of A's samples, add three: the others stay where they were trained out-of-fold.
    keep = [i for i in range(len(ids)) if ids[i] not in (2, 5)]
    more_ids, more_labels = labelled({"A": 3}, start=50)
    ids2 = [ids[i] for i in keep] + more_ids
    labels2 = [labels[i] for i in keep] + more_labels
    again = assign_folds(ids2, labels2, 3, previous)
    assert again[: len(keep)].tolist() == [first[i] for i in keep]
    a = np.array(labels2) == "A"
    counts = np.bincount(again[a], minlength=3)
    assert counts.max() - counts.min() <= 1  # the new ones filled the folds the deletions thinned
