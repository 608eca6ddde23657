"""Stacked training: K members in one computation take exactly the steps K separate passes take,
and the step is the gradient of each member's own loss (finite differences)."""

import copy
from typing import Any

import numpy as np
import pytest

from app.nn.fit import TrainOptions, train_pass
from app.nn.network import Network
from app.nn.stacked import Stack, train_stacked
from tests.nn.test_network import LOSS, generic_case, max_relative_error, numeric_gradient


def options(**changes: Any) -> TrainOptions:
    base: dict[str, Any] = {
        "mode": "minibatch",
        "batch_size": 4,
        "learning_rate": 0.2,
        "shuffle": True,
        "loss": "cross_entropy",
    }
    return TrainOptions(**{**base, **changes})


def members(sizes: list[int], output: str, bias: bool, k: int) -> list[Network]:
    nets = []
    for m in range(k):
        net = Network(
            sizes,
            hidden_activation="tanh",
            output_activation=output,
            bias=bias,
            rng=np.random.default_rng([7, m]),
        )
        for b in net.b:
            b[...] = np.random.default_rng(m).normal(scale=0.3, size=b.shape) if bias else 0.0
        nets.append(net)
    return nets


def data(rows: list[int], n_in: int, n_out: int, loss: str) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(3)
    out = []
    for n in rows:
        X = rng.normal(size=(n, n_in))
        if loss == "cross_entropy":
            Y = np.eye(n_out)[rng.integers(n_out, size=n)]
        else:
            Y = rng.uniform(size=(n, n_out))
        out.append((X, Y))
    return out


CASES = [
    # rows of each member (most first: partial last batches, and members that stop early)
    ({}, [23, 21, 17, 17], "cross_entropy", True),
    ({"momentum": 0.5, "weight_decay": 0.01}, [23, 21, 17, 6], "cross_entropy", True),
    ({"momentum": 0.9}, [16, 16, 16], "squared_error", False),
    ({"weight_decay": 0.05, "shuffle": False}, [9, 5], "squared_error", True),
    ({"mode": "classic", "shuffle": False}, [7, 7, 3], "cross_entropy", True),
]


@pytest.mark.parametrize(("changes", "rows", "loss", "bias"), CASES)
def test_stacked_passes_equal_separate_passes(
    changes: dict[str, Any], rows: list[int], loss: str, bias: bool
) -> None:
    sizes = [6, 5, 4, 3]
    output = "softmax" if loss == "cross_entropy" else "sigmoid"
    separate = members(sizes, output, bias, len(rows))
    together = copy.deepcopy(separate)
    stack = Stack(together)
    sets = data(rows, sizes[0], sizes[-1], loss)
    opts = options(loss=loss, **changes)
    rng_a, rng_b = np.random.default_rng(11), np.random.default_rng(11)
    for _ in range(3):
        for net, (X, Y) in zip(separate, sets, strict=True):
            train_pass(net, X, Y, opts, rng_a)
        train_stacked(stack, sets, opts, rng_b)
    for a, b in zip(separate, together, strict=True):
        for i in range(len(a.W)):
            np.testing.assert_allclose(b.W[i], a.W[i], rtol=0, atol=1e-12)
            np.testing.assert_allclose(b.b[i], a.b[i], rtol=0, atol=1e-12)
    assert not np.allclose(separate[0].W[0], members(sizes, output, bias, 1)[0].W[0])


@pytest.mark.parametrize("loss", ["cross_entropy", "squared_error"])
def test_a_stacked_step_is_each_members_own_gradient(loss: str) -> None:
    """One full batch, no shuffle: W - W' = lr * dL/dW of each member's loss on its own rows."""
    output = "softmax" if loss == "cross_entropy" else "sigmoid"
    cases = [generic_case([3, 5, 4, 3], "tanh", output, True, seed=s, loss=loss) for s in (1, 2)]
    nets = [net for net, _, _ in cases]
    before = copy.deepcopy(nets)
    lr = 0.1
    stack = Stack(nets)
    opts = options(loss=loss, batch_size=6, learning_rate=lr, shuffle=False)
    train_stacked(stack, [(X, Y) for _, X, Y in cases], opts, np.random.default_rng(0))
    for old, new, (_, X, Y) in zip(before, nets, cases, strict=True):
        for i in range(len(old.W)):
            step = (old.W[i] - new.W[i]) / lr
            assert max_relative_error(step, numeric_gradient(old, X, Y, old.W[i], loss)) < 1e-6
            step = (old.b[i] - new.b[i]) / lr
            assert max_relative_error(step, numeric_gradient(old, X, Y, old.b[i], loss)) < 1e-6
    assert LOSS[loss](nets[0], *cases[0][1:]) < LOSS[loss](before[0], *cases[0][1:])


def test_members_are_views_of_the_stack() -> None:
    nets = members([4, 3, 2], "softmax", True, 3)
    stack = Stack(nets)
    stack.W[0][1] += 1.0
    assert np.shares_memory(nets[1].W[0], stack.W[0])
    np.testing.assert_array_equal(nets[1].W[0], stack.W[0][1])


def test_stacked_training_refuses_what_it_cannot_do() -> None:
    nets = members([4, 3, 2], "softmax", True, 2)
    stack = Stack(nets)
    sets = data([5, 8], 4, 2, "cross_entropy")
    with pytest.raises(ValueError, match="most rows to the fewest"):
        train_stacked(stack, sets, options(), np.random.default_rng(0))
    with pytest.raises(ValueError, match="dropout"):
        train_stacked(stack, sets[::-1], options(dropout=0.5), np.random.default_rng(0))
    with pytest.raises(ValueError, match="same layers"):
        Stack([*members([4, 3, 2], "softmax", True, 1), Network([4, 5, 2])])
