"""The two losses, each with the gradient it gives the output layer.

Per sample (a row), with output `A` and target `Y`:
- "squared_error": `1/2 * sum((A - Y)**2)`, any output activation but softmax;
  dL/dZ = (A - Y) * f'(Z), f' from the output (the activation's backprop).
- "cross_entropy": `-sum(Y * log(P))` with `P = softmax(Z)`, softmax output only;
  dL/dZ = P - Y exactly, when each row of Y sums to 1 (one-hot labels, or a distribution).
  No f' factor: the output cannot saturate into a vanishing gradient as a sigmoid does.
Batch losses are the mean over rows.
"""

from typing import Any, Literal, get_args

import numpy as np
from numpy.typing import NDArray

from app.nn.activations import HIDDEN, backprop, softmax, softmax_inplace

__all__ = [
    "LOSSES",
    "OUTPUT_ACTIVATION",
    "Loss",
    "check_loss",
    "check_targets",
    "loss_of",
    "loss_value",
    "output_delta",
    "softmax",
    "softmax_inplace",
]

Array = NDArray[np.floating]

Loss = Literal["cross_entropy", "squared_error"]
LOSSES: tuple[Loss, ...] = get_args(Loss)
# The output activation a recognizer trains with each loss (squared error would take any
# elementwise one; the recognizer's is sigmoid, as the original's).
OUTPUT_ACTIVATION: dict[Loss, str] = {"cross_entropy": "softmax", "squared_error": "sigmoid"}
# log(P) of a probability rounded to 0 would be -inf (and 0 * -inf = nan for the other classes):
# loss_value clips P to at least this, so one sample costs at most -log(1e-12) ~ 27.6.
PROBABILITY_FLOOR = 1e-12
# How far a row of cross-entropy targets may sum from 1 (float32 one-hot sums are exact).
TARGET_SUM_TOLERANCE = 1e-4


def check_loss(loss: str, activation: str) -> None:
    """ValueError unless `loss` is known and fits the output `activation`."""
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; known: {list(LOSSES)}")
    if loss == "cross_entropy" and activation != "softmax":
        raise ValueError(f"cross_entropy needs a softmax output activation, not {activation!r}")
    if loss == "squared_error" and activation not in HIDDEN:
        raise ValueError(f"a {activation!r} output activation needs the cross_entropy loss")


def check_targets(Y: NDArray[Any]) -> None:
    """ValueError unless every row of Y (n, k) is a distribution, as P - Y assumes."""
    Y = np.asarray(Y)
    # written as "not (fine)" so that NaN targets are refused too
    if Y.size and not (Y.min() >= 0 and np.abs(Y.sum(axis=-1) - 1).max() <= TARGET_SUM_TOLERANCE):
        raise ValueError("cross_entropy targets must be >= 0 and each row must sum to 1")


def loss_value(loss: str, A_out: NDArray[Any], Y: NDArray[Any]) -> float:
    """Mean over the n rows of A_out (n, k) and Y (n, k) of the per-sample loss, in float64."""
    A = np.asarray(A_out, dtype=np.float64)
    T = np.asarray(Y, dtype=np.float64)
    n = max(len(A), 1)
    if loss == "squared_error":
        E = A - T
        return float(0.5 * np.vdot(E, E) / n)
    if loss == "cross_entropy":
        return float(-np.vdot(T, np.log(np.maximum(A, PROBABILITY_FLOOR))) / n)
    raise ValueError(f"unknown loss {loss!r}; known: {list(LOSSES)}")


def output_delta(
    loss: str, activation: str, A_out: Array, Y: NDArray[Any], out: Array | None = None
) -> Array:
    """dL/dZ of the output layer for a batch, times n: A_out, Y (n, k) -> (n, k).

    Written into `out` when given, which must not be A_out (the squared-error backprop reads it).
    """
    check_loss(loss, activation)
    if loss == "cross_entropy":
        check_targets(Y)
        dZ: Array = np.subtract(A_out, Y, out=out)  # P - Y: the softmax Jacobian and log cancel
        return dZ
    dA = np.subtract(A_out, Y, out=out)  # dL/dA of 1/2 (A - Y)**2
    return backprop(activation)(dA, A_out)


def loss_of(output_activation: str) -> Loss:
    """The loss a network of this output activation was trained with (OUTPUT_ACTIVATION)."""
    return "cross_entropy" if output_activation == "softmax" else "squared_error"
