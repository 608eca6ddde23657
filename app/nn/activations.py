"""The activations, one record each: the forward pass (in place), the backward pass written from
the forward output, and the ONNX op computing it. Every other list of activations (a
recognizer's setting, the lab's, the ONNX export's) is derived from ACTIVATIONS.

`ACTIVATIONS[name](Z)` returns `A = f(Z)` in a new array; `.inplace(Z)` overwrites Z (the hot
loops); `.backprop(dA, A)` turns dL/dA into dL/dZ = dA * f'(Z) in place, with f'(Z) computed
from `A` alone (sigmoid `A*(1-A)`, tanh `1-A**2`, relu `A>0`, linear `1`), so backprop never
keeps `Z`.

"softmax" (row-wise over the last axis) has no backprop: its Jacobian is not elementwise, so
`dA * f'(A)` would be a wrong gradient. It is valid only as the output activation, where the
loss gives dL/dZ directly (losses.output_delta: cross-entropy's is `P - Y`).
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.floating]


# The forward passes, in place. The caller silences the harmless overflow warning of sigmoid
# once around its loop with np.errstate(over="ignore").


def sigmoid_inplace(Z: Array) -> Array:
    """Logistic function 1 / (1 + exp(-Z)); exp overflow for very negative Z gives exactly 0."""
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
    """exp(Z) / sum(exp(Z)) per row (last axis), shifted by the row max so it never overflows."""
    # exp(z - max) / sum(exp(z - max)) is the same value, and exp of a value <= 0 cannot overflow
    # (the row max becomes exp(0) = 1, so the sum is >= 1: no division by 0 either).
    Z -= Z.max(axis=-1, keepdims=True)
    np.exp(Z, out=Z)
    Z /= Z.sum(axis=-1, keepdims=True)
    return Z


# The backward passes: dL/dA -> dL/dZ, written into dA.


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


@dataclass(frozen=True)
class Activation:
    """One activation function: its forward pass in place, its backprop from the output (None:
    only valid as the output activation), its ONNX op (None: the identity, no node), and
    whether a recognizer's settings offer it."""

    inplace: Callable[[Array], Array]
    backprop: Callable[[Array, Array], Array] | None
    onnx: str | None
    offered: bool

    def __call__(self, Z: Array) -> Array:
        """f(Z) in a new array (of Z's float type; float64 for integers)."""
        Z = np.asarray(Z)
        with np.errstate(over="ignore"):
            return self.inplace(np.array(Z, dtype=np.result_type(Z, np.float16)))


ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation(sigmoid_inplace, sigmoid_backprop, "Sigmoid", offered=True),
    "tanh": Activation(tanh_inplace, tanh_backprop, "Tanh", offered=True),
    "relu": Activation(relu_inplace, relu_backprop, "Relu", offered=True),
    "linear": Activation(linear_inplace, linear_backprop, None, offered=False),
    "softmax": Activation(softmax_inplace, None, "Softmax", offered=False),
}

# What a hidden layer may use (those with a backprop), and what a recognizer's settings offer.
HIDDEN: tuple[str, ...] = tuple(name for name, a in ACTIVATIONS.items() if a.backprop)
OFFERED: tuple[str, ...] = tuple(name for name, a in ACTIVATIONS.items() if a.offered)


def backprop(name: str) -> Callable[[Array, Array], Array]:
    """The backprop of a hidden-layer activation; ValueError for one that has none (softmax)."""
    step = ACTIVATIONS[name].backprop
    if step is None:
        raise ValueError(f"{name!r} is only valid as the output activation")
    return step


def softmax(Z: Array) -> Array:
    """Row-wise softmax of Z in a new array."""
    return ACTIVATIONS["softmax"](Z)
