"""Inverted dropout in the engine: nothing changes at inference, the expected activation is
kept in training, backprop through a fixed mask matches finite differences, and the fused loop
does exactly what forward/backward/step do with the same masks."""

import itertools
from typing import Any

import numpy as np
import pytest

from app.nn.fit import Mode, TrainOptions, dropout_masks, mse, passes
from app.nn.network import Network

SIZES = [3, 5, 4, 2]


def options(mode: Mode = "minibatch", batch_size: int = 4, **changes: Any) -> TrainOptions:
    """Shuffled mini-batches (or classic) on the squared error: the lab's regression."""
    return TrainOptions(mode, batch_size, shuffle=True, loss="squared_error", **changes)


def network(seed: int = 1, hidden: tuple[str, str] = ("tanh", "sigmoid")) -> Network:
    return Network(SIZES, hidden_activation=list(hidden), output_activation="linear",
                   rng=np.random.default_rng(seed))  # fmt: skip


def test_masks_are_zero_or_the_inverse_keep_rate() -> None:
    masks = dropout_masks(np.random.default_rng(0), 20_000, SIZES, 0.25, np.float64)
    assert [m.shape for m in masks] == [(20_000, 5), (20_000, 4)]
    for m in masks:
        assert set(np.unique(m)) == {0.0, 1 / 0.75}
        assert (m == 0).mean() == pytest.approx(0.25, abs=0.01)


def test_outputs_are_unchanged_at_inference() -> None:
    """Training with dropout changes the weights, never how the network answers: predict has
    no masks, is deterministic, and equals forward with every unit kept (all-ones masks)."""
    rng = np.random.default_rng(2)
    X, Y = rng.normal(size=(16, 3)), rng.normal(size=(16, 2))
    net = network()
    dropped = options(learning_rate=0.05, dropout=0.5)
    reported = list(itertools.islice(passes(net, X, Y, dropped, np.random.default_rng(3)), 5))
    first = net.predict(X)
    np.testing.assert_array_equal(net.predict(X), first)
    ones = [np.ones((16, k)) for k in SIZES[1:-1]]
    np.testing.assert_array_equal(net.forward(X, ones)[-1], first)
    # and the MSE passes() reports is the inference MSE, without dropout
    assert reported[-1] == mse(net, X, Y)


def test_the_expected_activation_is_preserved_in_training() -> None:
    """The mean over many masks of a dropped-out hidden layer is its activation without
    dropout (the 1 / (1 - rate) scaling), for each unit of each sample."""
    X = np.random.default_rng(4).normal(size=(3, 3))
    net = network()
    clean = net.forward(X)
    draws = 40_000
    rng = np.random.default_rng(5)
    # One forward pass over `draws` copies of X, each copy with its own masks.
    Xs = np.tile(X, (draws, 1))
    first = net.forward(Xs, dropout_masks(rng, len(Xs), SIZES, 0.3, np.float64))[1]
    mean = first.reshape(draws, 3, 5).mean(axis=0)
    np.testing.assert_allclose(mean, clean[1], atol=0.01)
    # A unit that is dropped contributes 0; kept, it is scaled up.
    masks = dropout_masks(rng, 3, SIZES, 0.3, np.float64)
    A = net.forward(X, masks)
    np.testing.assert_allclose(A[1], clean[1] * masks[0], rtol=1e-15)


def half_mse_with(net: Network, X: np.ndarray, Y: np.ndarray, masks: list[np.ndarray]) -> float:
    return float(0.5 * np.sum((net.forward(X, masks)[-1] - Y) ** 2) / len(X))


@pytest.mark.parametrize("hidden", [("tanh", "sigmoid"), ("relu", "linear"), ("sigmoid", "tanh")])
def test_gradients_match_finite_differences_with_a_fixed_mask(hidden: tuple[str, str]) -> None:
    rng = np.random.default_rng(6)
    X, Y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    net = network(7, hidden)
    masks = dropout_masks(np.random.default_rng(8), 6, SIZES, 0.4, np.float64)
    dW, db = net.backward(net.forward(X, masks), Y, masks=masks)
    h = 1e-5
    for analytic, P in zip(dW + db, net.W + net.b, strict=True):
        numeric = np.zeros_like(P)
        for index in np.ndindex(P.shape):
            saved = P[index]
            P[index] = saved + h
            up = half_mse_with(net, X, Y, masks)
            P[index] = saved - h
            down = half_mse_with(net, X, Y, masks)
            P[index] = saved
            numeric[index] = (up - down) / (2 * h)
        np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8)
    # A dropped unit passes no gradient to its incoming weights for that sample.
    assert (masks[0] == 0).any()


@pytest.mark.parametrize("momentum", [0.0, 0.6])
@pytest.mark.parametrize("batch_size", [1, 3, 8])
def test_fused_loop_with_dropout_equals_forward_backward_step(
    batch_size: int, momentum: float
) -> None:
    """passes() with dropout draws, per batch, the masks dropout_masks draws from the same
    generator after the shuffle: a reference loop doing that gets the very same weights."""
    rng = np.random.default_rng(9)
    X, Y = rng.normal(size=(8, 3)), rng.uniform(size=(8, 2))
    fused, reference = network(10), network(10)
    mode: Mode = "classic" if batch_size == 1 else "minibatch"
    dropped = options(mode, batch_size, learning_rate=0.1, momentum=momentum, dropout=0.3)
    gen = passes(fused, X, Y, dropped, np.random.default_rng(11))
    draws = np.random.default_rng(11)
    for _ in range(3):
        reported = next(gen)
        order = draws.permutation(8)
        for start in range(0, 8, batch_size):
            rows = order[start : start + batch_size]
            masks = dropout_masks(draws, len(rows), SIZES, 0.3, np.float64)
            A = reference.forward(X[rows], masks)
            dW, db = reference.backward(A, Y[rows], masks=masks)
            reference.step(dW, db, 0.1, momentum)
        assert reported == pytest.approx(mse(reference, X, Y), rel=1e-12)
    for a, b in zip(fused.W + fused.b, reference.W + reference.b, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


def test_dropout_still_learns_and_options_are_checked() -> None:
    rng = np.random.default_rng(12)
    P = rng.uniform(-1, 1, size=(200, 2))
    net = Network([2, 16, 2], hidden_activation="tanh", output_activation="linear", rng=rng)
    dropped = options(batch_size=8, learning_rate=0.1, dropout=0.2)
    history = list(itertools.islice(passes(net, P, P, dropped, rng), 100))
    assert history[-1] < history[0] / 10
    for rate in (-0.1, 1.0, float("nan")):
        with pytest.raises(ValueError, match="dropout"):
            options(learning_rate=0.1, dropout=rate)
