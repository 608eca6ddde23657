"""Ensembles as one network: K networks of the same shape averaged in the output layer's
pre-activation (logits) are exactly one network whose hidden layers are the members' side by
side (block-diagonal weights), whose output weights are the members' stacked and divided by K,
and whose output bias is their mean. So an ensemble is saved, checked and exported as a single
hwr-model/1 network, and split back into its members to continue training.
"""

from typing import Any

import numpy as np
from numpy.typing import NDArray

from app.nn.network import Network

Arrays = list[NDArray[Any]]


def merge(members: list[Network], into: Network | None = None) -> Network:
    """One network computing act(mean of the members' logits); members share sizes and units.
    `into`: a network merged from these members before, refilled in place (a training merges
    after every pass: no new arrays)."""
    first = members[0]
    k = len(members)
    if any(m.sizes != first.sizes or m.activations != first.activations for m in members):
        raise ValueError("ensemble members must have the same sizes and activations")
    if any(m.bias != first.bias for m in members):
        raise ValueError("ensemble members must all have a bias or none")
    sizes = [first.sizes[0], *(n * k for n in first.sizes[1:-1]), first.sizes[-1]]
    if into is None or into.sizes != sizes or into.dtype != first.dtype:
        net = Network.zeros(sizes, first.activations, first.bias, first.dtype)
    else:
        net = into
    last = len(first.W) - 1
    for i in range(len(first.W)):
        n_in, n_out = first.W[i].shape
        if i == last:  # (no hidden layer: every member adds into the same rows)
            net.W[i][...] = 0.0
        for j, m in enumerate(members):
            rows = slice(0, n_in) if i == 0 else slice(j * n_in, (j + 1) * n_in)
            if i == last:
                net.W[i][rows, :] += m.W[i] / k
            else:
                net.W[i][rows, j * n_out : (j + 1) * n_out] = m.W[i]
                net.b[i][j * n_out : (j + 1) * n_out] = m.b[i]
        if i == last:
            net.b[i][...] = np.mean([m.b[i] for m in members], axis=0)
    return net


def member_arrays(W: Arrays, b: Arrays, k: int, j: int) -> tuple[Arrays, Arrays]:
    """Member j's weights and biases out of a merged network's W, b (an ensemble of k); the
    member gets the shared output bias (the same average)."""
    if not 0 <= j < k or any(w.shape[1] % k for w in W[:-1]):
        raise ValueError(f"no member {j} in an ensemble of {k} of these shapes")
    last = len(W) - 1
    Wj, bj = [], []
    for i in range(len(W)):
        n_in = W[i].shape[0] if i == 0 else W[i].shape[0] // k
        n_out = W[i].shape[1] if i == last else W[i].shape[1] // k
        rows = slice(0, n_in) if i == 0 else slice(j * n_in, (j + 1) * n_in)
        if i == last:
            Wj.append(W[i][rows, :] * (k if i > 0 else 1))
            bj.append(b[i].copy())
        else:
            Wj.append(W[i][rows, j * n_out : (j + 1) * n_out].copy())
            bj.append(b[i][j * n_out : (j + 1) * n_out].copy())
    return Wj, bj


def member(net: Network, k: int, j: int) -> Network:
    """Member j of a merged network of k members (ValueError when it is none)."""
    if k < 1 or any(n % k for n in net.sizes[1:-1]):
        raise ValueError(f"a network of sizes {net.sizes} is no ensemble of {k}")
    sizes = [net.sizes[0], *(n // k for n in net.sizes[1:-1]), net.sizes[-1]]
    one = Network.zeros(sizes, net.activations, net.bias, net.dtype)
    one.W, one.b = member_arrays(net.W, net.b, k, j)
    return one


def split(net: Network, k: int) -> list[Network]:
    """The members of a merged network."""
    return [member(net, k, j) for j in range(k)]
