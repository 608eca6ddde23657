"""Training loops: per-sample "classic" (the original algorithm) and vectorised mini-batches.

One loop serves both (classic is a batch of one, in the given order). A batch of m rows takes one
step of `lr` on the batch-MEAN gradient of the per-sample loss, the half squared error
`1/2 * sum((output - target)**2)` (or with `loss="cross_entropy"` and a softmax output
`-sum(target * log(output))`); for m = 1 that is the original `w -= lr * input * delta`. So
`learning_rate` means the same in both modes: the step on the mean gradient of the samples an
update sees. Measured (144-144-26 sigmoid, 26 classes): the largest stable rate is the same for
every batch size (1.2 trains, 2.4 collapses all outputs to 0 at batch 4 to 64), whereas scaling by
the batch size (the summed gradient) stalls or collapses at lr 0.3 from batch 8 up (0.3 x 8 = 2.4).
A mini-batch pass makes m times fewer updates, so it needs more passes than classic, but each
sample costs 3-5x less. The recognizer's choices of these options are its network settings
(app.network_settings.NetworkSettings, with the measurements behind its defaults).

BLAS threads: numpy's OpenBLAS may run several threads for the products here; on a small or busy
machine that makes small products far slower. The caller limits them (threadpoolctl); these
functions do not.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import DTypeLike, NDArray

from app.nn.activations import backprop
from app.nn.losses import LOSSES, check_loss, check_targets
from app.nn.network import Array, Network

Mode = Literal["classic", "minibatch"]


@dataclass(frozen=True)
class TrainOptions:
    """How to train; `learning_rate` is the step on the batch-mean gradient (classic: batch 1,
    in the given order unless `shuffle`).

    `loss` is one of losses.LOSSES; `weight_decay` is L2 on the weights (not the biases): each
    step adds wd * W to their gradient, i.e. also takes W -= lr * wd * W. `dropout` is the rate
    of inverted dropout on every hidden layer while training (never at inference): each batch
    zeroes a unit's output with that probability and scales the kept ones by 1 / (1 - rate).
    Momentum, weight decay and dropout are off unless asked for.
    """

    mode: Mode
    batch_size: int
    learning_rate: float
    shuffle: bool
    loss: str
    momentum: float = 0.0
    weight_decay: float = 0.0
    dropout: float = 0.0

    def __post_init__(self) -> None:
        if self.mode not in ("classic", "minibatch"):
            raise ValueError(f"mode must be 'classic' or 'minibatch', got {self.mode!r}")
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {self.batch_size}")
        if not 0 < self.learning_rate < float("inf"):
            raise ValueError(f"learning_rate must be positive and finite, got {self.learning_rate}")
        if not 0 <= self.momentum < 1:
            raise ValueError(f"momentum must be in [0, 1), got {self.momentum}")
        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {list(LOSSES)}, got {self.loss!r}")
        if not 0 <= self.weight_decay < float("inf"):
            raise ValueError(f"weight_decay must be >= 0 and finite, got {self.weight_decay}")
        if not 0 <= self.dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")


def dropout_masks(
    rng: np.random.Generator, m: int, sizes: list[int], rate: float, dtype: DTypeLike
) -> list[Array]:
    """Inverted-dropout masks for a batch of m rows, one per hidden layer: masks[i] (m,
    sizes[i+1]), each entry 0 with probability `rate`, else 1 / (1 - rate), so that the expected
    output of every unit is what it is without dropout. Drawn layer by layer from rng."""
    keep = np.array(1.0 / (1.0 - rate), dtype=dtype)
    return [(rng.random((m, k)) >= rate) * keep for k in sizes[1:-1]]


def mse(net: Network, X: NDArray[Any], Y: NDArray[Any]) -> float:
    """The original's MSE: mean over samples of the summed squared output error.

    The same whatever the loss trained: for a softmax output, the squared error of probabilities.
    """
    E = net.predict(X) - np.asarray(Y, dtype=net.dtype)
    return float(np.einsum("ij,ij->", E, E, dtype=np.float64) / max(len(E), 1))


def train_pass(
    net: Network,
    X: NDArray[Any],
    Y: NDArray[Any],
    options: TrainOptions,
    rng: np.random.Generator,
) -> None:
    """One pass over all samples, X (n, sizes[0]) and Y (n, sizes[-1]), in batches as `options`
    say (shuffled by rng when they say so), each batch followed by an update of the weights in
    place: the training step of the recognizer and of the lab. Another thread reading the
    weights meanwhile may see a half-applied update. ValueError for data that does not fit, or
    a loss that does not fit the output activation (softmax goes with cross_entropy, and only
    with it)."""
    X, Y = _fitting(net, X, Y, options)
    _pass(net, X, Y, options, rng)


def passes(
    net: Network,
    X: NDArray[Any],
    Y: NDArray[Any],
    options: TrainOptions,
    rng: np.random.Generator,
) -> Iterator[float]:
    """Train forever, one train_pass at a time; after each pass yield mse(net, X, Y).

    The caller stops iterating when it wants to (and should stop on a non-finite MSE: a rate far
    too high for the network diverges). ValueError (on the first next()) as train_pass.
    """
    X, Y = _fitting(net, X, Y, options)
    while True:
        _pass(net, X, Y, options, rng)
        yield mse(net, X, Y)


def _fitting(
    net: Network, X: NDArray[Any], Y: NDArray[Any], options: TrainOptions
) -> tuple[Array, Array]:
    """X and Y as contiguous arrays of the network's dtype; ValueError unless they, and the
    loss, fit the network."""
    X = np.ascontiguousarray(X, dtype=net.dtype)
    Y = np.ascontiguousarray(Y, dtype=net.dtype)
    if X.ndim != 2 or Y.ndim != 2 or len(X) != len(Y) or len(X) == 0:
        raise ValueError(f"X and Y must be 2-D with the same, non-zero number of rows: {X.shape}")
    if X.shape[1] != net.sizes[0] or Y.shape[1] != net.sizes[-1]:
        raise ValueError(f"X {X.shape}, Y {Y.shape} do not fit a network of sizes {net.sizes}")
    check_loss(options.loss, net.activations[-1])
    if options.loss == "cross_entropy":
        check_targets(Y)
    return X, Y


def _pass(
    net: Network, X: Array, Y: Array, options: TrainOptions, rng: np.random.Generator
) -> None:
    """One pass in batches of batch_size rows (classic: 1), each followed by an update; with
    dropout, each batch draws its masks from rng (dropout_masks) after the shuffle and the
    previous batch's masks."""
    if options.shuffle:
        order = rng.permutation(len(X))
        X, Y = X[order], Y[order]
    batch_size = 1 if options.mode == "classic" else options.batch_size
    update = _Update(net, options, min(batch_size, len(X)))
    with np.errstate(over="ignore"):
        for start in range(0, len(X), batch_size):
            update(X[start : start + batch_size], Y[start : start + batch_size], rng)


class _Update:
    """One batch's update: net.forward_into, then the maths of net.backward and net.step fused
    into buffers made once per pass (the tests hold them equal): per layer `W[i] -= lr/m *
    A[i].T @ dZ[i]` for a batch of m rows, which for m = 1 is the original `w -= lr * input *
    delta`."""

    def __init__(self, net: Network, options: TrainOptions, m_full: int) -> None:
        self.net, self.options, self.m_full = net, options, m_full
        self.description = net.layers()  # W and b change in place: it holds for the pass
        dtype, names = net.dtype, net.activations
        # The output layer's dL/dZ is (A - Y) * f'(Z) for squared error; for cross-entropy it is
        # P - Y already, so its "backprop" is the identity: the per-batch work is the same.
        output = "linear" if options.loss == "cross_entropy" else names[-1]
        back = [backprop(name) for name in [*names[:-1], output]]
        WT = [w.T for w in net.W]  # views: they follow the in-place updates of W
        G = [np.empty_like(w) for w in net.W]  # lr/m * dW
        gb = [np.empty_like(v) for v in net.b]  # lr/m * db
        # Each layer's arrays, from the last: backprop runs from the output down.
        self.layers = list(zip(range(len(G)), net.W, net.b, WT, back, G, gb, strict=True))[::-1]
        self.V = net.velocity() if options.momentum else ([], [])
        # lr * wd, and buffers for lr * wd * W (an empty list: no decay, no work per batch)
        self.decay = np.array(options.learning_rate * options.weight_decay, dtype=dtype)
        self.D = [np.empty_like(w) for w in net.W] if options.weight_decay else []
        self.full = _buffers(net.sizes, m_full, dtype)
        self.ones = np.ones(m_full, dtype=dtype)  # db = ones @ dZ
        # The step as a 0-d array of the arrays' dtype: the value numpy would convert the Python
        # float to, without converting it on every batch (measured: classic mode 3-6% faster).
        self.scale = np.array(options.learning_rate / m_full, dtype=dtype)

    def __call__(self, X: Array, Y: Array, rng: np.random.Generator) -> None:
        net, options, m = self.net, self.options, len(X)
        out, dZ = self.full if m == self.m_full else _buffers(net.sizes, m, net.dtype)
        masks = None
        if options.dropout:
            masks = dropout_masks(rng, m, net.sizes, options.dropout, net.dtype)
        A = net.forward_into(X, self.description, out, masks)
        d = np.subtract(A[-1], Y, out=dZ[-1])
        d *= self.scale if m == self.m_full else np.array(options.learning_rate / m, net.dtype)
        # (scaling dZ[L-1] scales every dZ below it: backprop is linear)
        ones, mu, bias, D = self.ones[:m], options.momentum, net.bias, self.D
        for i, W, b, WT, back, G, gb in self.layers:
            H = A[i + 1]  # the layer's output, from which its backprop takes f'
            if masks is not None and i < len(masks):
                d *= masks[i]  # dL/d(dropped output) -> dL/d(the unit's own output f(Z))
                H = np.divide(H, masks[i], out=np.zeros_like(H), where=masks[i] != 0)
            back(d, H)
            if i > 0:
                np.dot(d, WT, out=dZ[i - 1])  # dA[i], with W[i] before its update
            np.dot(A[i].T, d, out=G)
            if D:
                G += np.multiply(W, self.decay, out=D[i])  # + lr * wd * W, before the update
            if bias:
                np.dot(ones, d, out=gb)
            if mu:
                self._momentum(i, mu, G, gb)
            else:
                W -= G
                if bias:
                    b -= gb
            d = dZ[i - 1]

    def _momentum(self, i: int, mu: float, G: Array, gb: Array) -> None:
        """Layer i's step with classical momentum: V = mu * V - G; W += V (and b)."""
        VW, Vb = self.V[0][i], self.V[1][i]
        VW *= mu
        VW -= G
        self.net.W[i] += VW
        if self.net.bias:
            Vb *= mu
            Vb -= gb
            self.net.b[i] += Vb


def _buffers(sizes: list[int], m: int, dtype: np.dtype[Any]) -> tuple[list[Array], list[Array]]:
    """The outputs A[i+1] (m, sizes[i+1]) of each layer, and dZ[i] (m, sizes[i+1])."""
    return (
        [np.empty((m, k), dtype=dtype) for k in sizes[1:]],
        [np.empty((m, k), dtype=dtype) for k in sizes[1:]],
    )
