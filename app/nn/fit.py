"""Training loops: per-sample "classic" (the original algorithm) and vectorised mini-batches.

One loop serves both (classic is a batch of one, in the given order). A batch of m rows takes one
step of `lr` on the batch-MEAN gradient of the per-sample loss, by default the half squared error
`1/2 * sum((output - target)**2)` (or with `loss="cross_entropy"` and a softmax output
`-sum(target * log(output))`); for m = 1 that is the original `w -= lr * input * delta`. So
`learning_rate` means the same in both modes: the step on the mean gradient of the samples an
update sees. Measured (144-144-26 sigmoid, 26 classes): the largest stable rate is the same for
every batch size (1.2 trains, 2.4 collapses all outputs to 0 at batch 4 to 64), whereas scaling by
the batch size (the summed gradient) stalls or collapses at lr 0.3 from batch 8 up (0.3 x 8 = 2.4).
A mini-batch pass makes m times fewer updates, so it needs more passes than classic, but each
sample costs 3-5x less.

BLAS threads: numpy's OpenBLAS may run several threads for the products here; on a small or busy
machine that makes small products far slower. The caller limits them (threadpoolctl); these
functions do not.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import DTypeLike, NDArray

from app.nn.activations import ACTIVATIONS_INPLACE, BACKPROP
from app.nn.losses import LOSSES, check_loss, check_targets
from app.nn.network import Array, Network

Mode = Literal["classic", "minibatch"]

# Recommended defaults, from runs with BLAS on 1 thread: 26 random 144-cell binary prototypes,
# 10 training and 20 held-out copies each with 10% of the bits flipped, 3 seeds; passes and
# seconds to 95% held-out accuracy:
#   classic preset (U[0, 0.1) init, no bias, lr 0.3), float64: 33-35 passes, 0.19 s
#   per-sample, "auto" init with bias, lr 0.3, float32:           3-4 passes, 0.019 s
#   mini-batch 4, "auto" init with bias, lr 0.3, float32:       10-12 passes, 0.020 s
#   mini-batch 8 / 16, same:                          18-23 / 33-43 passes, 0.024 / 0.033 s
# The init, not the batching, is what makes the classic preset slow (its all-positive weights
# saturate every sigmoid). lr 0.5 is ~30% faster still; 0.3 is the API default.
DEFAULT_MODE: Mode = "minibatch"
DEFAULT_BATCH_SIZE = 4
DEFAULT_LEARNING_RATE = 0.3
DEFAULT_MOMENTUM = 0.0  # 0.5 ~ doubles the effective rate; 0.9 needs lr <= ~0.1 (lr/(1-mu))
DEFAULT_SHUFFLE = True
DEFAULT_HIDDEN_LAYERS = (144,)
DEFAULT_ACTIVATION = "sigmoid"
DEFAULT_BIAS = True
DEFAULT_INIT = "auto"  # see network.INITS: Glorot (x2 for sigmoid), He for relu
DEFAULT_DTYPE = np.float32  # same passes as float64 here, 1.5-2x faster per sample
DEFAULT_LOSS = "squared_error"  # "cross_entropy" needs output_activation="softmax"
DEFAULT_WEIGHT_DECAY = 0.0
DEFAULT_DROPOUT = 0.0
CLASSIC_HIDDEN = 144
CLASSIC_LEARNING_RATE = 0.3


@dataclass(frozen=True)
class TrainOptions:
    """How to train; `learning_rate` is the step on the batch-mean gradient (classic: batch 1).

    `loss` is one of losses.LOSSES; `weight_decay` is L2 on the weights (not the biases): each
    step adds wd * W to their gradient, i.e. also takes W -= lr * wd * W. `dropout` is the rate
    of inverted dropout on every hidden layer while training (never at inference): each batch
    zeroes a unit's output with that probability and scales the kept ones by 1 / (1 - rate).
    """

    mode: Mode = DEFAULT_MODE
    batch_size: int = DEFAULT_BATCH_SIZE
    learning_rate: float = DEFAULT_LEARNING_RATE
    momentum: float = DEFAULT_MOMENTUM
    shuffle: bool = DEFAULT_SHUFFLE
    loss: str = DEFAULT_LOSS
    weight_decay: float = DEFAULT_WEIGHT_DECAY
    dropout: float = DEFAULT_DROPOUT

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


def classic_network(
    n_inputs: int, n_outputs: int, rng: np.random.Generator, *, dtype: DTypeLike = np.float64
) -> Network:
    """The original design: n_inputs-144-n_outputs, sigmoid everywhere, no bias, W ~ U[0, 0.1)."""
    return Network(
        [n_inputs, CLASSIC_HIDDEN, n_outputs],
        hidden_activation="sigmoid",
        output_activation="sigmoid",
        bias=False,
        init="uniform-classic",
        rng=rng,
        dtype=dtype,
    )


# The original training: one sample at a time, in the order given, lr 0.3, no momentum.
CLASSIC_OPTIONS = TrainOptions(
    mode="classic", batch_size=1, learning_rate=CLASSIC_LEARNING_RATE, momentum=0.0, shuffle=False
)


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


def passes(
    net: Network,
    X: NDArray[Any],
    Y: NDArray[Any],
    options: TrainOptions,
    rng: np.random.Generator,
) -> Iterator[float]:
    """Train forever, one pass over all samples at a time; after each pass yield mse(net, X, Y).

    X (n, sizes[0]), Y (n, sizes[-1]). The caller stops iterating when it wants to (and should
    stop on a non-finite MSE: a rate far too high for the network diverges). The weights are
    updated in place; another thread reading them meanwhile may see a half-applied update.
    ValueError (on the first next()) for data that does not fit, or a loss that does not fit the
    output activation (softmax goes with cross_entropy, and only with it).
    """
    X = np.ascontiguousarray(X, dtype=net.dtype)
    Y = np.ascontiguousarray(Y, dtype=net.dtype)
    if X.ndim != 2 or Y.ndim != 2 or len(X) != len(Y) or len(X) == 0:
        raise ValueError(f"X and Y must be 2-D with the same, non-zero number of rows: {X.shape}")
    if X.shape[1] != net.sizes[0] or Y.shape[1] != net.sizes[-1]:
        raise ValueError(f"X {X.shape}, Y {Y.shape} do not fit a network of sizes {net.sizes}")
    check_loss(options.loss, net.activations[-1])
    if options.loss == "cross_entropy":
        check_targets(Y)
    while True:
        order = rng.permutation(len(X)) if options.shuffle else None
        batch_size = 1 if options.mode == "classic" else options.batch_size
        lr, mu, wd = options.learning_rate, options.momentum, options.weight_decay
        _train_pass(net, X, Y, order, batch_size, lr, mu, options.loss, wd, options.dropout, rng)
        yield mse(net, X, Y)


def _train_pass(
    net: Network,
    X: Array,
    Y: Array,
    order: NDArray[np.intp] | None,
    batch_size: int,
    learning_rate: float,
    momentum: float,
    loss: str = DEFAULT_LOSS,
    weight_decay: float = 0.0,
    dropout: float = 0.0,
    rng: np.random.Generator | None = None,
) -> None:
    """One pass in batches of batch_size rows (1 = classic), each followed by an update.

    The same maths as net.forward / net.backward / net.step (the tests hold them equal), fused
    into preallocated buffers: per layer `W[i] -= lr/m * A[i].T @ dZ[i]` for a batch of m rows,
    which for m = 1 is the original `w -= lr * input * delta`. passes() has checked the loss.
    With dropout, each batch draws its masks from rng (dropout_masks) after the previous batch's.
    """
    W, b, bias, L, dtype = net.W, net.b, net.bias, len(net.W), net.dtype
    act = [ACTIVATIONS_INPLACE[name] for name in net.activations]
    back = [BACKPROP[name] for name in net.activations[:-1]]
    # The output layer's dL/dZ is (A - Y) * f'(Z) for squared error; for cross-entropy it is
    # P - Y already, so its "backprop" is the identity: the per-batch work is the same for both.
    back.append(BACKPROP["linear" if loss == "cross_entropy" else net.activations[-1]])
    WT = [w.T for w in W]  # views: they follow the in-place updates of W
    G = [np.empty_like(w) for w in W]  # lr/m * dW
    gb = [np.empty_like(v) for v in b]  # lr/m * db
    VW, Vb = net.velocity() if momentum else ([], [])
    # lr * wd, and buffers for lr * wd * W (an empty list: no decay, no work per batch)
    decay = np.array(learning_rate * weight_decay, dtype=dtype)
    D = [np.empty_like(w) for w in W] if weight_decay else []
    if order is not None:
        X, Y = X[order], Y[order]
    m_full = min(batch_size, len(X))
    full = _buffers(net.sizes, m_full, dtype)
    ones = np.ones(m_full, dtype=dtype)  # db = ones @ dZ
    # The step as a 0-d array of the arrays' dtype: the value numpy would convert the Python
    # float to, without converting it on every batch (measured: classic mode 3-6% faster).
    scale = np.array(learning_rate / m_full, dtype=dtype)
    if dropout and rng is None:
        raise ValueError("dropout needs a random generator")
    # This batch's dropout masks, and 1 for the output layer (empty: no dropout, no work).
    M: list[Array] = []
    one = np.array(1.0, dtype=dtype)
    with np.errstate(over="ignore"):
        for start in range(0, len(X), batch_size):
            Xb, Yb = X[start : start + batch_size], Y[start : start + batch_size]
            m = len(Xb)
            A, AT, dZ = full if m == m_full else _buffers(net.sizes, m, dtype)
            A[0], AT[0] = Xb, Xb.T
            IN, INT = A, AT  # each layer's input: A[i], or with dropout A[i] * M[i-1]
            if dropout:
                assert rng is not None
                M = [*dropout_masks(rng, m, net.sizes, dropout, dtype), one]
                IN = list(A)
            for i in range(L):
                np.dot(IN[i], W[i], out=A[i + 1])
                if bias:
                    A[i + 1] += b[i]
                act[i](A[i + 1])
                if M:
                    IN[i + 1] = A[i + 1] * M[i]  # (IN[L] is never read)
            if M:
                INT = [a.T for a in IN]
            d = np.subtract(A[L], Yb, out=dZ[L - 1])
            d *= scale if m == m_full else np.array(learning_rate / m, dtype=dtype)
            # (scaling dZ[L-1] scales every dZ below it: backprop is linear)
            for i in range(L - 1, -1, -1):
                if M:
                    d *= M[i]  # dL/d(dropped output) -> dL/d(the unit's own output f(Z))
                back[i](d, A[i + 1])
                if i > 0:
                    np.dot(d, WT[i], out=dZ[i - 1])  # dA[i], with W[i] before its update
                np.dot(INT[i], d, out=G[i])
                if D:
                    G[i] += np.multiply(W[i], decay, out=D[i])  # + lr * wd * W, before the update
                if bias:
                    np.dot(ones[:m], d, out=gb[i])
                if momentum:
                    VW[i] *= momentum
                    VW[i] -= G[i]
                    W[i] += VW[i]
                    if bias:
                        Vb[i] *= momentum
                        Vb[i] -= gb[i]
                        b[i] += Vb[i]
                else:
                    W[i] -= G[i]
                    if bias:
                        b[i] -= gb[i]
                d = dZ[i - 1]


def _buffers(
    sizes: list[int], m: int, dtype: np.dtype[Any]
) -> tuple[list[Array], list[Array], list[Array]]:
    """Activations A[i] (m, sizes[i]) (A[0] set per batch), their transposes, and dZ[i]."""
    A = [np.empty((m, 0), dtype=dtype)] + [np.empty((m, k), dtype=dtype) for k in sizes[1:]]
    dZ = [np.empty((m, k), dtype=dtype) for k in sizes[1:]]
    return A, [a.T for a in A], dZ
