"""Each activation's backprop (written from the output A) against central differences of its
forward pass, and the lists derived from the one table."""

import warnings

import numpy as np
import pytest

from app.nn.activations import ACTIVATIONS, HIDDEN, OFFERED, backprop

NAMES = ["sigmoid", "tanh", "relu", "linear"]


def test_the_activations_are_known() -> None:
    """The four elementwise ones, plus softmax (output only): a backprop for it would be used as
    if its Jacobian were diagonal, a silently wrong gradient."""
    assert sorted(ACTIVATIONS) == sorted([*NAMES, "softmax"])
    assert tuple(NAMES) == HIDDEN
    assert OFFERED == ("sigmoid", "tanh", "relu")  # what a recognizer's settings offer
    assert ACTIVATIONS["softmax"].backprop is None
    with pytest.raises(ValueError, match="only valid as the output activation"):
        backprop("softmax")


@pytest.mark.parametrize("name", NAMES)
def test_backprop_matches_central_differences(name: str) -> None:
    """backprop(dA, f(Z)) is dA * f'(Z), with f'(Z) computed from f(Z) alone."""
    rng = np.random.default_rng(7)
    Z = rng.uniform(-4, 4, size=(50, 3))
    Z = Z[np.abs(Z).min(axis=1) > 1e-3]  # keep clear of relu's kink at 0
    f, h = ACTIVATIONS[name], 1e-6
    numeric = (f(Z + h) - f(Z - h)) / (2 * h)
    dA = rng.normal(size=Z.shape)
    analytic = backprop(name)(dA.copy(), f(Z))
    assert analytic.shape == Z.shape
    np.testing.assert_allclose(analytic, dA * numeric, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name", [*NAMES, "softmax"])
def test_inplace_forms_agree_with_the_pure_ones(name: str) -> None:
    rng = np.random.default_rng(3)
    Z = rng.normal(scale=3, size=(6, 5))
    A = ACTIVATIONS[name](Z)
    Z_before = Z.copy()
    np.testing.assert_array_equal(Z, Z_before)  # the pure form leaves Z alone
    np.testing.assert_allclose(ACTIVATIONS[name].inplace(Z.copy()), A, rtol=1e-15, atol=1e-15)


def test_known_values() -> None:
    Z = np.array([-1.0, 0.0, 2.0])
    np.testing.assert_allclose(ACTIVATIONS["sigmoid"](Z), [0.26894142, 0.5, 0.88079708], rtol=1e-7)
    np.testing.assert_allclose(ACTIVATIONS["tanh"](Z), [-0.76159416, 0.0, 0.96402758], rtol=1e-7)
    np.testing.assert_array_equal(ACTIVATIONS["relu"](Z), [0.0, 0.0, 2.0])
    ones = np.ones(3)
    np.testing.assert_array_equal(backprop("relu")(ones[:2].copy(), np.array([0.0, 3.0])), [0, 1])
    np.testing.assert_array_equal(backprop("linear")(ones.copy(), Z), [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(ACTIVATIONS["relu"](np.array([-2, 3])), [0.0, 3.0])  # ints


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sigmoid_saturates_without_warnings_or_nan(dtype: type) -> None:
    Z: np.ndarray = np.array([-1000.0, -50.0, 50.0, 1000.0], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        A = ACTIVATIONS["sigmoid"](Z)
    assert A.dtype == dtype
    assert A[0] == 0.0 and A[-1] == 1.0 and A[2] == 1.0
    assert 0 < A[1] < 2e-22
