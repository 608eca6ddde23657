"""A fully connected network: init, forward, backward, step; and its JSON form (hwr-model/1).

Shapes: `X` (n, sizes[0]); `W[i]` (sizes[i], sizes[i+1]); `b[i]` (sizes[i+1],);
`A[i]` (n, sizes[i]) with `A[0] = X`. The loss of `backward` is `L = 1/(2n) * sum((A[-1] - Y)**2)`
(so a single sample gives the original per-sample update) or, for a softmax output,
`L = -1/n * sum(Y * log(A[-1]))` (app/nn/losses.py).
"""

import math
from collections.abc import Mapping, Sequence
from itertools import pairwise
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import DTypeLike, NDArray

from app.nn.activations import ACTIVATIONS, HIDDEN, backprop
from app.nn.losses import output_delta

Array = NDArray[np.floating]

# Weight init, each drawn from the Generator passed in (biases start at zero):
# "xavier": Glorot-uniform U[-a, a], a = sqrt(6 / (n_in + n_out)); "he": a = sqrt(6 / n_in);
# "auto": He for relu, Glorot for tanh, linear and softmax, Glorot x SIGMOID_GAIN for sigmoid;
# "uniform-classic": U[0, 0.1) as the original (all positive); "zeros": for loading weights.
INITS = ("auto", "xavier", "he", "uniform-classic", "zeros")
# Glorot & Bengio suggest 4 for the logistic (its slope at 0 is 1/4); with 0/1 grid inputs 4
# saturates, and 2 measured fastest. Passes to 95% held-out accuracy, 26 classes, batch 4,
# gain 1 -> 2: 144-144-26 10-12 -> 8-11; 144-144-144-26 52-55 -> 13-17.
SIGMOID_GAIN = 2.0
MAX_PARAMETERS = 5_000_000


class ModelFormatError(ValueError):
    """A model document (hwr-model/1) that cannot be loaded; the message names the problem."""


class Layer(NamedTuple):
    """One layer of the forward pass: A_out = activation(A_in @ W + b)."""

    W: Array
    b: Array | None  # None: the network has no bias
    activation: str | None  # None: the pre-activation itself (an output's logits)


class Network:
    """Multilayer perceptron trained by backprop on half the squared error or cross-entropy."""

    def __init__(
        self,
        sizes: Sequence[int],
        *,
        hidden_activation: str | Sequence[str] = "sigmoid",
        output_activation: str = "sigmoid",
        bias: bool = True,
        init: str = "auto",
        rng: np.random.Generator | None = None,
        dtype: DTypeLike = np.float64,
    ) -> None:
        self.sizes = [int(n) for n in sizes]
        if len(self.sizes) < 2 or min(self.sizes) < 1:
            raise ValueError(f"sizes must be at least two positive layer sizes, got {sizes!r}")
        n_hidden = len(self.sizes) - 2
        if isinstance(hidden_activation, str):
            hidden = [hidden_activation] * n_hidden
        else:
            hidden = list(hidden_activation)
            if len(hidden) != n_hidden:
                raise ValueError(f"{n_hidden} hidden layers but {len(hidden)} activations")
        self.activations = [*hidden, output_activation]
        for name in self.activations:
            if name not in ACTIVATIONS:
                raise ValueError(f"unknown activation {name!r}; known: {sorted(ACTIVATIONS)}")
        for name in hidden:  # backprop through a hidden layer needs f' (softmax has none here)
            if name not in HIDDEN:
                raise ValueError(f"{name!r} is only valid as the output activation")
        if output_activation == "softmax" and self.sizes[-1] < 2:
            raise ValueError("a softmax output needs at least 2 units (1 is always 1.0)")
        if init not in INITS:
            raise ValueError(f"unknown init {init!r}; known: {list(INITS)}")
        self.dtype = np.dtype(dtype)
        if self.dtype.kind != "f":
            raise ValueError(f"dtype must be a float type, got {self.dtype}")
        self.bias = bool(bias)
        rng = rng if rng is not None else np.random.default_rng()
        self.W: list[Array] = []
        self.b: list[Array] = []
        for (n_in, n_out), name in zip(pairwise(self.sizes), self.activations, strict=True):
            self.W.append(_init_weights(init, name, n_in, n_out, rng).astype(self.dtype))
            self.b.append(np.zeros(n_out, dtype=self.dtype))
        self.VW: list[Array] = []  # momentum velocities, allocated on first use
        self.Vb: list[Array] = []

    @property
    def n_parameters(self) -> int:
        return sum(
            w.size + (b.size if self.bias else 0) for w, b in zip(self.W, self.b, strict=True)
        )

    def layers(self, logits: bool = False) -> list[Layer]:
        """The layers in order, as the forward pass computes them: W[i], b[i] (None without a
        bias) and the activation (None for the output layer when `logits`: its
        pre-activation). The one description that forward() and the ONNX export follow."""
        activations = [*self.activations[:-1], None] if logits else self.activations
        biases = self.b if self.bias else [None] * len(self.b)
        return list(map(Layer, self.W, biases, activations))

    def forward(
        self,
        X: NDArray[Any],
        masks: Sequence[Array] | None = None,
        *,
        logits: bool = False,
        keep: bool = True,
    ) -> list[Array]:
        """X (n, sizes[0]) -> [A[0] = X, ..., A[-1]] with A[i] (n, sizes[i]): what each layer
        outputs, kept for backward (`keep=False`: only [A[-1]]).

        With dropout `masks` (one per hidden layer, masks[i] (n, sizes[i+1]), see
        fit.dropout_masks) hidden layer i outputs f(Z) * masks[i]: A[i+1] is what the next layer
        sees. Without masks (inference) nothing is dropped. `logits`: A[-1] is the output
        layer's pre-activation Z instead of f(Z).
        """
        with np.errstate(over="ignore"):  # sigmoid's exp(-Z) overflows to inf: f(Z) = 0
            return self.forward_into(X, self.layers(logits), None, masks, keep=keep)

    def forward_into(
        self,
        X: NDArray[Any],
        layers: Sequence[Layer],
        out: Sequence[Array] | None = None,
        masks: Sequence[Array] | None = None,
        *,
        keep: bool = True,
    ) -> list[Array]:
        """forward() through `layers` (this network's layers(), which a loop takes once), into
        `out` (arrays for A[1:], C-contiguous, of the network's dtype; None: new ones), without
        silencing overflow: for the training loop, which reuses its buffers batch after batch
        and silences overflow once around them all."""
        A = [np.asarray(X, dtype=self.dtype)]
        for i, (W, b, activation) in enumerate(layers):
            Z = np.dot(A[-1], W, out=None if out is None else out[i])
            if b is not None:
                Z += b
            if activation is not None:
                ACTIVATIONS[activation].inplace(Z)
            if masks is not None and i < len(masks):
                Z *= masks[i]
            if keep:
                A.append(Z)
            else:
                A[-1] = Z
        return A

    def logits(self, X: NDArray[Any]) -> Array:
        """X (n, sizes[0]) -> the output layer's pre-activation Z (n, sizes[-1]).

        predict(X) is f(Z) for the output activation f; temperature calibration uses softmax(Z/T).
        """
        return self.forward(X, logits=True, keep=False)[-1]

    def predict(self, X: NDArray[Any]) -> Array:
        """X (n, sizes[0]) -> outputs (n, sizes[-1])."""
        return self.forward(X, keep=False)[-1]

    def backward(
        self,
        A: list[Array],
        Y: NDArray[Any],
        loss: str = "squared_error",
        masks: Sequence[Array] | None = None,
    ) -> tuple[list[Array], list[Array]]:
        """Gradients dW, db of the loss from the activations A of forward and the targets Y.

        "squared_error": L = 1/(2n) * sum((A[-1] - Y)**2); "cross_entropy" (softmax output, rows
        of Y summing to 1): L = -1/n * sum(Y * log(A[-1])). ValueError for a loss that does not
        fit the output activation. db is all zeros when the network has no bias. `masks`: the
        dropout masks forward used (A[i] = H * M, so dL/dH = dL/dA[i] * M).
        """
        n, L = A[0].shape[0], len(self.W)
        Y = np.asarray(Y, dtype=self.dtype)
        dZ = output_delta(loss, self.activations[-1], A[-1], Y)  # dL/dZ[L-1], times n
        dZ *= 1.0 / n
        dW: list[Array] = [np.empty(0, dtype=self.dtype)] * L
        db: list[Array] = [np.empty(0, dtype=self.dtype)] * L
        for i in reversed(range(L)):
            dW[i] = A[i].T @ dZ
            db[i] = dZ.sum(axis=0) if self.bias else np.zeros_like(self.b[i])
            if i > 0:
                dA = dZ @ self.W[i].T  # dL/dA[i]
                H = A[i]  # f(Z[i-1]), from which the backprop takes f'
                if masks is not None:
                    M = masks[i - 1]
                    dA *= M  # dL/dH; where M = 0 it is 0, so H there does not matter
                    H = np.divide(A[i], M, out=np.zeros_like(A[i]), where=M != 0)
                dZ = backprop(self.activations[i - 1])(dA, H)  # dL/dZ[i-1]
        return dW, db

    def step(
        self,
        dW: list[Array],
        db: list[Array],
        learning_rate: float,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
    ) -> None:
        """W -= lr * dW (and b), or with classical momentum: V = mu*V - lr*dW; W += V.

        weight_decay adds the gradient of wd/2 * sum(W**2) to dW (weights only, not biases), so
        a plain step also takes W -= lr * wd * W.
        """
        if weight_decay:
            dW = [g + weight_decay * w for g, w in zip(dW, self.W, strict=True)]
        if momentum:
            VW, Vb = self.velocity()
            for i in range(len(self.W)):
                VW[i] *= momentum
                VW[i] -= learning_rate * dW[i]
                self.W[i] += VW[i]
                if self.bias:
                    Vb[i] *= momentum
                    Vb[i] -= learning_rate * db[i]
                    self.b[i] += Vb[i]
            return
        for i in range(len(self.W)):
            self.W[i] -= learning_rate * dW[i]
            if self.bias:
                self.b[i] -= learning_rate * db[i]

    @classmethod
    def zeros(
        cls, sizes: Sequence[int], activations: Sequence[str], bias: bool, dtype: DTypeLike
    ) -> "Network":
        """A network of these layers with weights and biases at zero, to be filled in."""
        return cls(
            sizes,
            hidden_activation=activations[:-1],
            output_activation=activations[-1],
            bias=bias,
            init="zeros",
            dtype=dtype,
        )

    def velocity(self) -> tuple[list[Array], list[Array]]:
        """The momentum buffers VW, Vb (zeros until the first step with momentum)."""
        if not self.VW:
            self.VW = [np.zeros_like(W) for W in self.W]
            self.Vb = [np.zeros_like(b) for b in self.b]
        return self.VW, self.Vb

    def to_dict(self) -> dict[str, Any]:
        """The `network` and `layers` parts of an hwr-model/1 document (plain JSON types)."""
        return {
            "network": {
                "sizes": list(self.sizes),
                "activations": list(self.activations),
                "bias": self.bias,
            },
            "layers": [
                {"weights": W.tolist(), "bias": b.tolist() if self.bias else None}
                for W, b in zip(self.W, self.b, strict=True)
            ],
        }

    @classmethod
    def from_dict(
        cls,
        d: Mapping[str, Any],
        *,
        max_parameters: int = MAX_PARAMETERS,
        dtype: DTypeLike = np.float64,
    ) -> "Network":
        """Load and validate what to_dict wrote; extra keys are ignored. Raises ModelFormatError.

        The parameter count is checked from `sizes` before any array is built.
        """
        if not isinstance(d, Mapping):
            raise ModelFormatError("model must be an object")
        spec = _field(d, "network", Mapping, "network")
        sizes = _field(spec, "sizes", list, "network.sizes")
        if len(sizes) < 2 or not all(_is_int(n) and n >= 1 for n in sizes):
            raise ModelFormatError("network.sizes must be a list of >= 2 positive integers")
        activations = _field(spec, "activations", list, "network.activations")
        if len(activations) != len(sizes) - 1:
            raise ModelFormatError(
                f"network.activations has {len(activations)} entries, expected {len(sizes) - 1}"
            )
        for name in activations:
            if not isinstance(name, str) or name not in ACTIVATIONS:
                raise ModelFormatError(f"unknown activation {name!r} in network.activations")
        for name in activations[:-1]:
            if name not in HIDDEN:
                raise ModelFormatError(f"{name!r} is only valid as the last network.activations")
        if activations[-1] == "softmax" and sizes[-1] < 2:
            raise ModelFormatError("a softmax output needs network.sizes[-1] >= 2")
        bias = _field(spec, "bias", bool, "network.bias")
        count = sum(a * b + (b if bias else 0) for a, b in pairwise(sizes))
        if count > max_parameters:
            raise ModelFormatError(f"model has {count} parameters, more than {max_parameters}")
        layers = _field(d, "layers", list, "layers")
        if len(layers) != len(sizes) - 1:
            raise ModelFormatError(f"layers has {len(layers)} entries, expected {len(sizes) - 1}")
        net = cls.zeros(sizes, activations, bias, dtype)
        for i, layer in enumerate(layers):
            if not isinstance(layer, Mapping):
                raise ModelFormatError(f"layers[{i}] must be an object")
            shape = (sizes[i], sizes[i + 1])
            net.W[i][...] = _numbers(layer, "weights", shape, f"layers[{i}]", net.dtype)
            if bias:
                net.b[i][...] = _numbers(layer, "bias", shape[1:], f"layers[{i}]", net.dtype)
            elif layer.get("bias") is not None:
                raise ModelFormatError(f"layers[{i}].bias must be null: network.bias is false")
        return net


def _init_weights(
    init: str, activation: str, n_in: int, n_out: int, rng: np.random.Generator
) -> NDArray[np.float64]:
    if init == "zeros":
        return np.zeros((n_in, n_out))
    if init == "uniform-classic":
        return rng.uniform(0.0, 0.1, size=(n_in, n_out))
    if init == "he" or (init == "auto" and activation == "relu"):
        limit = math.sqrt(6.0 / n_in)
    else:
        limit = math.sqrt(6.0 / (n_in + n_out))
        if init == "auto" and activation == "sigmoid":
            limit *= SIGMOID_GAIN
    return rng.uniform(-limit, limit, size=(n_in, n_out))


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _field(d: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
    if key not in d:
        raise ModelFormatError(f"missing {where}")
    value = d[key]
    if not isinstance(value, kind):
        raise ModelFormatError(f"{where} must be a {kind.__name__}, got {type(value).__name__}")
    return value


def _numbers(
    layer: Mapping[str, Any], key: str, shape: tuple[int, ...], where: str, dtype: np.dtype[Any]
) -> Array:
    """layer[key] as a finite float array of exactly `shape`, or ModelFormatError."""
    where = f"{where}.{key}"
    value = _field(layer, key, list, where)
    try:
        array = np.array(value)
    except (ValueError, TypeError, OverflowError):
        raise ModelFormatError(f"{where} must be a rectangular array of shape {shape}") from None
    if array.shape != shape:
        raise ModelFormatError(f"{where} has shape {array.shape}, expected {shape}")
    if array.dtype.kind not in "iuf":
        raise ModelFormatError(f"{where} must contain only numbers")
    with np.errstate(over="ignore"):
        array = array.astype(dtype)
    if not np.isfinite(array).all():
        raise ModelFormatError(f"{where} must contain only finite numbers (in {dtype} range)")
    return array
