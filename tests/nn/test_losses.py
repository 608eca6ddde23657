"""Softmax, the two losses and their output-layer gradients, against definitions by hand."""

import warnings

import numpy as np
import pytest

from app.nn.activations import ACTIVATIONS
from app.nn.losses import (
    LOSSES,
    OUTPUT_ACTIVATION,
    check_loss,
    check_targets,
    loss_of,
    loss_value,
    output_delta,
    softmax,
    softmax_inplace,
)

ELEMENTWISE = ["sigmoid", "tanh", "relu", "linear"]
# f'(Z) of each elementwise activation, from its output A = f(Z)
F_PRIME = {
    "sigmoid": lambda A: A * (1 - A),
    "tanh": lambda A: 1 - A**2,
    "relu": lambda A: (A > 0).astype(A.dtype),
    "linear": np.ones_like,
}


def test_softmax_rows_sum_to_one_and_equal_the_definition() -> None:
    Z = np.random.default_rng(0).normal(scale=3, size=(7, 5))
    before = Z.copy()
    P = softmax(Z)
    np.testing.assert_array_equal(Z, before)  # the pure form leaves Z alone
    expected = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(P, expected, rtol=1e-14)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(softmax(Z + 100.0), P, rtol=1e-13)  # shift-invariant per row
    np.testing.assert_array_equal(softmax_inplace(Z), P)
    np.testing.assert_array_equal(Z, P)  # ... and the in-place form overwrote Z


def test_softmax_known_values() -> None:
    np.testing.assert_allclose(
        softmax(np.array([[0.0, np.log(3.0)], [1.0, 1.0]])), [[0.25, 0.75], [0.5, 0.5]], rtol=1e-15
    )
    one_row = softmax(np.array([1.0, 2.0, 3.0]))  # a 1-D array is one row
    np.testing.assert_allclose(one_row, [0.09003057, 0.24472847, 0.66524096], rtol=1e-7)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_softmax_is_stable_for_huge_logits(dtype: type) -> None:
    Z: np.ndarray = np.array([[1e4, 0.0, -1e4], [1e4, 1e4, 1e4], [-1e4, -1e4, -1e4 + 1]], dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning either
        P = softmax(Z)
    assert P.dtype == dtype and np.isfinite(P).all()
    np.testing.assert_array_equal(P[0], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(P[1], [1 / 3] * 3, rtol=1e-6)
    e = np.exp(1.0)
    np.testing.assert_allclose(P[2], [1 / (2 + e), 1 / (2 + e), e / (2 + e)], rtol=1e-6)


def test_softmax_is_an_output_activation_without_an_elementwise_derivative() -> None:
    Z = np.random.default_rng(0).normal(size=(4, 3))
    np.testing.assert_array_equal(ACTIVATIONS["softmax"](Z), softmax(Z))
    # its Jacobian is not elementwise: no f'(A) to misuse
    assert ACTIVATIONS["softmax"].backprop is None


def test_loss_value_known_values() -> None:
    A = np.array([[0.5, 0.5], [1.0, 0.0], [0.0, 0.0]])
    Y = np.array([[1.0, 0.0], [1.0, 0.0], [1.0, 1.0]])
    # per row 1/2 * sum of squares: 0.25, 0, 1; mean 1.25 / 3
    assert loss_value("squared_error", A, Y) == pytest.approx(1.25 / 3, rel=1e-15)
    P = np.array([[0.5, 0.25, 0.25], [0.1, 0.2, 0.7]])
    Y = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    assert loss_value("cross_entropy", P, Y) == pytest.approx(
        (np.log(2) - np.log(0.7)) / 2, rel=1e-15
    )
    soft = np.array([[0.5, 0.5, 0.0]])  # a distribution as target: -(0.5 log 0.5 + 0.5 log 0.25)
    assert loss_value("cross_entropy", P[:1], soft) == pytest.approx(1.5 * np.log(2), rel=1e-15)


def test_cross_entropy_clips_zero_probabilities() -> None:
    P = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    # a confident miss costs -log(1e-12), a zero on a class with target 0 costs nothing (no nan)
    assert loss_value("cross_entropy", P, np.eye(2)) == 0.0
    assert loss_value("cross_entropy", P, np.eye(2)[::-1]) == pytest.approx(-np.log(1e-12))


def test_loss_value_rejects_an_unknown_loss() -> None:
    with pytest.raises(ValueError, match="unknown loss 'hinge'"):
        loss_value("hinge", np.zeros((1, 2)), np.zeros((1, 2)))


@pytest.mark.parametrize("activation", ELEMENTWISE)
def test_squared_error_delta_is_the_error_times_f_prime(activation: str) -> None:
    rng = np.random.default_rng(1)
    A = ACTIVATIONS[activation](rng.normal(size=(5, 3)))
    Y = rng.uniform(size=(5, 3))
    before = A.copy()
    delta = output_delta("squared_error", activation, A, Y)
    np.testing.assert_allclose(delta, (A - Y) * F_PRIME[activation](A), rtol=1e-14)
    np.testing.assert_array_equal(A, before)
    out = np.empty_like(A)
    assert output_delta("squared_error", activation, A, Y, out=out) is out
    np.testing.assert_array_equal(out, delta)


def test_cross_entropy_delta_is_exactly_p_minus_y() -> None:
    rng = np.random.default_rng(2)
    P = softmax(rng.normal(size=(5, 4)))
    Y = np.eye(4)[[0, 3, 1, 1, 2]]
    np.testing.assert_array_equal(output_delta("cross_entropy", "softmax", P, Y), P - Y)
    out = np.empty_like(P)
    assert output_delta("cross_entropy", "softmax", P, Y, out=out) is out
    np.testing.assert_array_equal(out, P - Y)


PAIRS = [*(("squared_error", name) for name in ELEMENTWISE), ("cross_entropy", "softmax")]


@pytest.mark.parametrize(("loss", "activation"), PAIRS)
def test_output_delta_is_the_gradient_of_loss_value(loss: str, activation: str) -> None:
    """output_delta / n against central differences of loss_value(f(Z)) in every entry of Z."""
    rng = np.random.default_rng(3)
    Z = rng.normal(scale=2, size=(4, 3))
    Z[np.abs(Z) < 1e-3] = 0.5  # clear of relu's kink
    Y = rng.dirichlet(np.ones(3), size=4)  # rows summing to 1, as cross-entropy needs
    f, h = ACTIVATIONS[activation], 1e-6
    numeric = np.zeros_like(Z)
    for index in np.ndindex(Z.shape):
        up, down = Z.copy(), Z.copy()
        up[index] += h
        down[index] -= h
        numeric[index] = (loss_value(loss, f(up), Y) - loss_value(loss, f(down), Y)) / (2 * h)
    analytic = output_delta(loss, activation, f(Z), Y) / len(Z)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-9)


def test_losses_must_fit_the_output_activation() -> None:
    assert LOSSES == ("cross_entropy", "squared_error")
    assert [loss_of(OUTPUT_ACTIVATION[loss]) for loss in LOSSES] == list(LOSSES)
    check_loss("squared_error", "sigmoid")
    check_loss("cross_entropy", "softmax")
    P, Y = np.full((1, 2), 0.5), np.array([[1.0, 0.0]])
    with pytest.raises(ValueError, match="cross_entropy needs a softmax output"):
        output_delta("cross_entropy", "sigmoid", P, Y)
    with pytest.raises(ValueError, match="'softmax' output activation needs the cross_entropy"):
        output_delta("squared_error", "softmax", P, Y)
    with pytest.raises(ValueError, match="unknown loss"):
        output_delta("hinge", "sigmoid", P, Y)


@pytest.mark.parametrize(
    "Y", [[[0.5, 0.4]], [[1.0, 1.0]], [[1.5, -0.5]], [[0.0, 0.0]], [[float("nan"), 1.0]]]
)
def test_cross_entropy_targets_must_be_distributions(Y: list[list[float]]) -> None:
    """P - Y is the gradient of -sum(Y log P) only when each row of Y sums to 1."""
    with pytest.raises(ValueError, match="each row must sum to 1"):
        output_delta("cross_entropy", "softmax", np.full((1, 2), 0.5), np.array(Y))
    check_targets(np.array([[0.25, 0.75], [0.0, 1.0]], dtype=np.float32))  # fine
