"""Peers on real handwriting: scikit-learn's MLP and SVC on the same 12x12 grids as hwr, and the
$P point-cloud recognizer on the strokes, trained on k drawings per digit.

Data: `bench.digits.load("report")` (897 drawings; never used for tuning). For each k and seed,
k drawings of each digit are picked at random (seeded) for training and the rest of the report
part is the test set, the same split for every peer. Grids are
`app.ink.rasterise(strokes, 12, antialias=True)`. BLAS runs on one thread, for every peer alike.
"""

import time
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from sklearn.neural_network import MLPClassifier
from sklearn.svm import SVC
from threadpoolctl import threadpool_limits

from app.ink import rasterise
from bench.common import Row, log, median
from bench.digits import Strokes, load, per_class_indices
from bench.dollarp import PDollar

KINDS = ("mlp-sklearn", "svc", "dollar-p")
K_VALUES = (5, 10, 30)
SEEDS = (0, 1, 2, 3, 4)  # the issue asks for a median of at least 5
GRID = 12
Grids = NDArray[np.float32]  # (n, 144)


def grids(drawings: Sequence[Strokes]) -> Grids:
    """Drawings -> anti-aliased 12x12 grids (n, 144), as the server sees them."""
    return np.stack([rasterise(strokes, GRID, antialias=True) for strokes in drawings])


def mlp_sklearn(
    train_grids: Grids, train_labels: Sequence[str], test_grids: Grids, seed: int = 0
) -> tuple[list[str], float]:
    """scikit-learn's MLPClassifier, one hidden layer of 144 (adam, relu, its defaults but
    max_iter high enough to converge) -> (predictions, seconds to train)."""
    model = MLPClassifier(hidden_layer_sizes=(144,), max_iter=2000, random_state=seed)
    start = time.perf_counter()
    model.fit(train_grids, list(train_labels))
    seconds = time.perf_counter() - start
    if model.n_iter_ >= model.max_iter:
        log(f"mlp-sklearn did not converge in {model.max_iter} epochs")
    return [str(p) for p in model.predict(test_grids)], seconds


def svc(
    train_grids: Grids, train_labels: Sequence[str], test_grids: Grids
) -> tuple[list[str], float]:
    """scikit-learn's SVC, RBF kernel, C = 1, gamma = "scale" -> (predictions, seconds)."""
    model = SVC(kernel="rbf", C=1.0, gamma="scale")
    start = time.perf_counter()
    model.fit(train_grids, list(train_labels))
    seconds = time.perf_counter() - start
    return [str(p) for p in model.predict(test_grids)], seconds


def dollar_p(
    train_strokes: Sequence[Strokes], train_labels: Sequence[str], test_strokes: Sequence[Strokes]
) -> tuple[list[str], float]:
    """$P on the strokes themselves -> (predictions, seconds to "train": normalise templates)."""
    start = time.perf_counter()
    model = PDollar().fit(train_strokes, train_labels)
    seconds = time.perf_counter() - start
    return model.predict(test_strokes), seconds


def run_peers(k_values: Sequence[int] = K_VALUES, seeds: Sequence[int] = SEEDS) -> list[Row]:
    """Accuracy of each peer from k drawings per digit, median over seeds; rows for the report."""
    data = load("report")
    labels = [label for label, _ in data]
    strokes = [s for _, s in data]
    X = grids(strokes)
    rows: list[Row] = []
    with threadpool_limits(limits=1):
        for k in k_values:
            results: dict[str, list[tuple[float, float, float]]] = {}
            n_test = 0
            for seed in seeds:
                train = per_class_indices(labels, k, np.random.default_rng(seed))
                test = np.setdiff1d(np.arange(len(data)), train)
                n_test = test.size
                y_train = [labels[i] for i in train]
                y_test = np.asarray([labels[i] for i in test])
                for kind in KINDS:
                    start = time.perf_counter()
                    predicted, train_s = _fit_predict(kind, X, strokes, y_train, train, test, seed)
                    total_s = time.perf_counter() - start
                    accuracy = float(np.mean(np.asarray(predicted) == y_test))
                    results.setdefault(kind, []).append((accuracy, train_s, total_s - train_s))
                    log(
                        f"realdata k={k} seed={seed} {kind}: {accuracy:.1%}, "
                        f"train {train_s:.3f} s, predict {total_s - train_s:.3f} s"
                    )
            for kind, runs in results.items():
                rows.append(
                    {
                        "bench": "realdata",
                        "kind": kind,
                        "k": k,
                        "accuracy": median([a for a, _, _ in runs]),
                        "accuracy_all": [a for a, _, _ in runs],
                        "train_seconds": median([t for _, t, _ in runs]),
                        "predict_seconds": median([p for _, _, p in runs]),
                        "train": k * len(set(labels)),
                        "test": n_test,
                    }
                )
    return rows


def _fit_predict(
    kind: str,
    X: Grids,
    strokes: Sequence[Strokes],
    y_train: list[str],
    train: Sequence[int],
    test: NDArray[np.intp],
    seed: int,
) -> tuple[list[str], float]:
    if kind == "mlp-sklearn":
        return mlp_sklearn(X[train], y_train, X[test], seed=seed)
    if kind == "svc":
        return svc(X[train], y_train, X[test])
    if kind == "dollar-p":
        return dollar_p([strokes[i] for i in train], y_train, [strokes[i] for i in test])
    raise ValueError(f"unknown peer {kind!r}")


if __name__ == "__main__":
    for row in run_peers():
        print(
            f"{row['kind']:12} k={row['k']:>2}  accuracy {row['accuracy']:.1%} "
            f"({', '.join(f'{a:.1%}' for a in row['accuracy_all'])})  "
            f"train {row['train_seconds']:.3f} s  predict {row['predict_seconds']:.3f} s"
        )
