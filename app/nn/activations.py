"""Activation functions and their derivatives, each derivative written from the forward output.

`ACTIVATIONS[name](Z)` returns `A = f(Z)`; `DERIVATIVES[name](A)` returns `f'(Z)` computed from
`A` alone (sigmoid `A*(1-A)`, tanh `1-A**2`, relu `A>0`, linear `1`), so backprop never keeps `Z`.
The `*_inplace` variants are for the training hot loops: they overwrite their first argument.
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
}

# BACKPROP[name](dA, A) turns dL/dA into dL/dZ in place: dA *= DERIVATIVES[name](A).
BACKPROP: dict[str, Callable[[Array, Array], Array]] = {
    "sigmoid": sigmoid_backprop,
    "tanh": tanh_backprop,
    "relu": relu_backprop,
    "linear": linear_backprop,
}
