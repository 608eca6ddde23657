"""Activation functions and their derivatives, each derivative written from the forward output.

`ACTIVATIONS[name](Z)` returns `A = f(Z)`; `DERIVATIVES[name](A)` returns `f'(Z)` computed from
`A` alone (sigmoid `A*(1-A)`, tanh `1-A**2`, relu `A>0`, linear `1`), so backprop never keeps `Z`.
The `*_inplace` variants are for the training hot loops: they overwrite their first argument.

"softmax" (row-wise over the last axis) is in ACTIVATIONS but deliberately NOT in DERIVATIVES or
BACKPROP: its Jacobian is not elementwise, so `dA * f'(A)` would be a wrong gradient. It is valid
only as the output activation, where the loss gives dL/dZ directly (losses.output_delta:
cross-entropy's is `P - Y`).
"""

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.floating]


def sigmoid(Z: Array) -> Array:
    """Logistic function 1 / (1 + exp(-Z)); exp overflow for very negative Z gives exactly 0."""
    with np.errstate(over="ignore"):
        return sigmoid_inplace(np.array(Z, copy=True))


def tanh(Z: Array) -> Array:
    return np.tanh(Z)


def relu(Z: Array) -> Array:
    return np.maximum(Z, 0)


def linear(Z: Array) -> Array:
    return np.array(Z, copy=True)


def softmax(Z: Array) -> Array:
    """exp(Z) / sum(exp(Z)) per row (last axis), shifted by the row max so it never overflows."""
    return softmax_inplace(np.array(Z, copy=True))


def sigmoid_derivative(A: Array) -> Array:
    return A * (1 - A)


def tanh_derivative(A: Array) -> Array:
    return 1 - A**2


def relu_derivative(A: Array) -> Array:
    return (A > 0).astype(A.dtype)


def linear_derivative(A: Array) -> Array:
    return np.ones_like(A)


ACTIVATIONS: dict[str, Callable[[Array], Array]] = {
    "sigmoid": sigmoid,
    "tanh": tanh,
    "relu": relu,
    "linear": linear,
    "softmax": softmax,
}

DERIVATIVES: dict[str, Callable[[Array], Array]] = {
    "sigmoid": sigmoid_derivative,
    "tanh": tanh_derivative,
    "relu": relu_derivative,
    "linear": linear_derivative,
}


# In-place forms for the hot loops (no temporaries where numpy allows). The caller silences
# the harmless overflow warning of sigmoid once around its loop with np.errstate(over="ignore").


def sigmoid_inplace(Z: Array) -> Array:
    np.negative(Z, out=Z)
    np.exp(Z, out=Z)
    Z += 1.0  # a float, not the int 1: numpy 2 converts an int scalar more slowly
    return np.reciprocal(Z, out=Z)


def tanh_inplace(Z: Array) -> Array:
    return np.tanh(Z, out=Z)


def relu_inplace(Z: Array) -> Array:
    return np.maximum(Z, 0, out=Z)


def linear_inplace(Z: Array) -> Array:
    return Z


def softmax_inplace(Z: Array) -> Array:
    # exp(z - max) / sum(exp(z - max)) is the same value, and exp of a value <= 0 cannot overflow
    # (the row max becomes exp(0) = 1, so the sum is >= 1: no division by 0 either).
    Z -= Z.max(axis=-1, keepdims=True)
    np.exp(Z, out=Z)
    Z /= Z.sum(axis=-1, keepdims=True)
    return Z


def sigmoid_backprop(dA: Array, A: Array) -> Array:
    """dZ = dA * A * (1 - A), written into dA."""
    dA *= A
    dA -= dA * A
    return dA


def tanh_backprop(dA: Array, A: Array) -> Array:
    """dZ = dA * (1 - A**2), written into dA."""
    dA -= dA * A * A
    return dA


def relu_backprop(dA: Array, A: Array) -> Array:
    """dZ = dA * (A > 0), written into dA."""
    np.copyto(dA, 0, where=A <= 0)
    return dA


def linear_backprop(dA: Array, A: Array) -> Array:
    return dA


ACTIVATIONS_INPLACE: dict[str, Callable[[Array], Array]] = {
    "sigmoid": sigmoid_inplace,
    "tanh": tanh_inplace,
    "relu": relu_inplace,
    "linear": linear_inplace,
    "softmax": softmax_inplace,
}

# BACKPROP[name](dA, A) turns dL/dA into dL/dZ in place: dA *= DERIVATIVES[name](A). A name
# without an entry (softmax) cannot be a hidden activation: Network rejects it there.
BACKPROP: dict[str, Callable[[Array, Array], Array]] = {
    "sigmoid": sigmoid_backprop,
    "tanh": tanh_backprop,
    "relu": relu_backprop,
    "linear": linear_backprop,
}
