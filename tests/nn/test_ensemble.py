"""An ensemble merged into one network computes the mean of its members' logits, exactly."""

import numpy as np
import pytest

from app.nn.ensemble import merge, split
from app.nn.network import Network


def members(k: int, sizes: list[int], hidden: str, output: str, bias: bool) -> list[Network]:
    return [
        Network(
            sizes,
            hidden_activation=hidden,
            output_activation=output,
            bias=bias,
            rng=np.random.default_rng(s),
        )
        for s in range(k)
    ]


@pytest.mark.parametrize("sizes", [[6, 5, 3], [6, 5, 4, 3], [6, 3]])
@pytest.mark.parametrize(("hidden", "output"), [("tanh", "softmax"), ("sigmoid", "sigmoid")])
@pytest.mark.parametrize("bias", [True, False])
def test_merged_network_is_the_mean_of_the_members_logits(
    sizes: list[int], hidden: str, output: str, bias: bool
) -> None:
    nets = members(3, sizes, hidden, output, bias)
    # Biases of zero would hide a misplaced bias: give every member its own.
    for j, net in enumerate(nets):
        for b in net.b:
            b[...] = 0.1 * (j + 1) * np.arange(b.size)
    merged = merge(nets)
    assert merged.sizes == [sizes[0], *(3 * n for n in sizes[1:-1]), sizes[-1]]
    X = np.random.default_rng(9).normal(size=(7, sizes[0]))
    mean = np.mean([net.logits(X) for net in nets], axis=0)
    np.testing.assert_allclose(merged.logits(X), mean, rtol=1e-12, atol=1e-12)
    back = split(merged, 3)
    for a, b in zip(back, nets, strict=True):
        assert a.sizes == b.sizes
        for A, B in zip(a.forward(X)[1:-1], b.forward(X)[1:-1], strict=True):
            np.testing.assert_allclose(A, B, rtol=1e-12)  # the same hidden units
    np.testing.assert_allclose(merge(back).logits(X), mean, rtol=1e-12, atol=1e-12)
    # Refilled in place after the members changed: the same as merged anew.
    for j, net in enumerate(nets):
        for W in net.W:
            W += 0.5 * (j - 1)
    again = merge(nets, into=merged)
    assert again is merged
    fresh = merge(nets)
    for A, B in zip([*again.W, *again.b], [*fresh.W, *fresh.b], strict=True):
        np.testing.assert_array_equal(A, B)


def test_one_member_is_itself_and_mismatches_are_refused() -> None:
    net = members(1, [4, 3, 2], "relu", "softmax", True)[0]
    X = np.random.default_rng(1).normal(size=(5, 4))
    np.testing.assert_allclose(merge([net]).predict(X), net.predict(X))
    other = Network([4, 5, 2], rng=np.random.default_rng(2))
    with pytest.raises(ValueError, match="same sizes"):
        merge([net, other])
    with pytest.raises(ValueError, match="no ensemble"):
        split(merge([net, net]), 4)
