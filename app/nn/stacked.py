"""K networks of one shape trained as one computation: their weights stacked on a member axis,
W[i] (K, sizes[i], sizes[i+1]), and every product a single `np.matmul` over that axis instead
of K small ones (numpy only).

Each member keeps its own data, its own shuffle and its own batches: step j of a pass takes
batch j of every member at once. A member with fewer rows than another has fewer batches; the
members are stacked from the most rows to the fewest, so the members still training at any step
are a prefix of the stack (a view: no copy). A member's last, partial batch is padded with rows
whose gradient is weighted 0, and its real rows weighted lr / (its rows), exactly as
`fit.train_pass` scales them: every member's update is its own (tests/nn/test_stacked.py holds
it equal to K separate passes).

Measured (144-144-11 sigmoid/softmax, batch 4, 4 members, 1 BLAS thread): one stacked step costs
about a third of four separate ones; most of a small batch's time is numpy's per-call overhead.
"""

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from app.nn.activations import ACTIVATIONS, backprop
from app.nn.fit import TrainOptions, _fitting
from app.nn.network import Array, Network


class Stack:
    """Members of the same sizes, activations, bias and dtype, whose W and b become views into
    stacked arrays W[i] (K, n_in, n_out) and b[i] (K, 1, n_out): what one member's training
    changes, the stack sees, and the other way round."""

    def __init__(self, members: Sequence[Network]) -> None:
        first = members[0]
        for m in members:
            if (m.sizes, m.activations, m.bias, m.dtype) != (
                first.sizes,
                first.activations,
                first.bias,
                first.dtype,
            ):
                raise ValueError("stacked networks must have the same layers, bias and dtype")
        self.members = list(members)
        self.W = [np.stack([m.W[i] for m in members]) for i in range(len(first.W))]
        self.b = [np.stack([m.b[i] for m in members])[:, None, :] for i in range(len(first.b))]
        for k, m in enumerate(members):
            m.W = [w[k] for w in self.W]
            m.b = [b[k, 0] for b in self.b]
        self.VW: list[Array] = []  # momentum velocities, stacked on first use
        self.Vb: list[Array] = []

    def velocity(self) -> tuple[list[Array], list[Array]]:
        """The members' momentum buffers, stacked (their own VW, Vb become views)."""
        if not self.VW:
            V = [m.velocity() for m in self.members]
            self.VW = [np.stack([v[0][i] for v in V]) for i in range(len(self.W))]
            self.Vb = [np.stack([v[1][i] for v in V])[:, None, :] for i in range(len(self.b))]
            for k, m in enumerate(self.members):
                m.VW = [v[k] for v in self.VW]
                m.Vb = [v[k, 0] for v in self.Vb]
        return self.VW, self.Vb


def train_stacked(
    stack: Stack,
    data: Sequence[tuple[NDArray[Any], NDArray[Any]]],
    options: TrainOptions,
    rng: np.random.Generator,
) -> None:
    """One pass of each member k over its own X, Y = data[k], in batches as `options` say
    (shuffled by rng, member after member, when they say so): fit.train_pass of each member,
    computed together. Members must be given from the most rows to the fewest (ValueError
    otherwise, as for data train_pass refuses); no dropout (it is the lab's alone)."""
    nets = stack.members
    if len(data) != len(nets):
        raise ValueError(f"{len(data)} data sets for {len(nets)} stacked networks")
    if options.dropout:
        raise ValueError("stacked training has no dropout")
    fitted = [_fitting(net, X, Y, options) for net, (X, Y) in zip(nets, data, strict=True)]
    counts = [len(X) for X, _ in fitted]
    if counts != sorted(counts, reverse=True):
        raise ValueError(f"stacked members must come from the most rows to the fewest: {counts}")
    batch = 1 if options.mode == "classic" else options.batch_size
    batches = [-(-n // batch) for n in counts]
    rows = batches[0] * batch
    net, K = nets[0], len(nets)
    X = np.zeros((K, rows, net.sizes[0]), dtype=net.dtype)
    Y = np.zeros((K, rows, net.sizes[-1]), dtype=net.dtype)
    scale = np.zeros((K, rows, 1), dtype=net.dtype)  # lr / (rows of the batch); 0: padding
    for k, (Xk, Yk) in enumerate(fitted):
        order = rng.permutation(len(Xk)) if options.shuffle else slice(None)
        n = len(Xk)
        X[k, :n], Y[k, :n] = Xk[order], Yk[order]
        scale[k, :n] = np.array(options.learning_rate / batch, dtype=net.dtype)
        if n % batch:  # the last batch is partial: its mean is over fewer rows
            scale[k, n - n % batch : n] = np.array(options.learning_rate / (n % batch), net.dtype)
    step = _Step(stack, options, batch)
    with np.errstate(over="ignore"):
        for j in range(batches[0]):
            active = sum(1 for b in batches if b > j)  # a prefix: the members sorted by rows
            part = slice(j * batch, (j + 1) * batch)
            step(active, X[:active, part], Y[:active, part], scale[:active, part])


class _Step:
    """One stacked batch update: the maths of fit._Update, with a member axis in front."""

    def __init__(self, stack: Stack, options: TrainOptions, batch: int) -> None:
        net = stack.members[0]
        self.stack, self.options, self.bias = stack, options, net.bias
        names = net.activations
        output = "linear" if options.loss == "cross_entropy" else names[-1]
        self.back = [backprop(name) for name in [*names[:-1], output]]
        self.forward = [ACTIVATIONS[name].inplace for name in names]
        K = len(stack.members)
        self.A = [np.empty((K, batch, n), dtype=net.dtype) for n in net.sizes[1:]]
        self.dZ = [np.empty((K, batch, n), dtype=net.dtype) for n in net.sizes[1:]]
        self.G = [np.empty_like(w) for w in stack.W]
        self.decay = np.array(options.learning_rate * options.weight_decay, dtype=net.dtype)
        self.V = stack.velocity() if options.momentum else ([], [])

    def __call__(self, a: int, X: Array, Y: Array, scale: Array) -> None:
        """Members 0 .. a-1 take one step on their batches X (a, m, n_in), Y (a, m, n_out),
        each row's gradient weighted by scale (a, m, 1)."""
        W, b, L = self.stack.W, self.stack.b, len(self.stack.W)
        A = [X]
        for i in range(L):
            Z = np.matmul(A[-1], W[i][:a], out=self.A[i][:a])
            if self.bias:
                Z += b[i][:a]
            self.forward[i](Z)
            A.append(Z)
        d = np.subtract(A[-1], Y, out=self.dZ[-1][:a])
        d *= scale
        mu = self.options.momentum
        for i in reversed(range(L)):
            self.back[i](d, A[i + 1])
            Wi = W[i][:a]
            if i > 0:
                np.matmul(d, Wi.transpose(0, 2, 1), out=self.dZ[i - 1][:a])  # W before update
            G = np.matmul(A[i].transpose(0, 2, 1), d, out=self.G[i][:a])
            if self.options.weight_decay:
                G += Wi * self.decay
            gb = d.sum(axis=1, keepdims=True) if self.bias else None
            if mu:
                VW, Vb = self.V[0][i][:a], self.V[1][i][:a]
                VW *= mu
                VW -= G
                Wi += VW
                if gb is not None:
                    Vb *= mu
                    Vb -= gb
                    b[i][:a] += Vb
            else:
                Wi -= G
                if gb is not None:
                    b[i][:a] -= gb
            if i > 0:
                d = self.dZ[i - 1][:a]
