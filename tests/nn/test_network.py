"""Network: backprop against finite differences, step, and the hwr-model/1 round trip."""

import copy
import json
from typing import Any

import numpy as np
import pytest

from app.nn.activations import softmax
from app.nn.network import ModelFormatError, Network

NAMES = ["sigmoid", "tanh", "relu", "linear"]


def half_mse(net: Network, X: np.ndarray, Y: np.ndarray) -> float:
    """The loss backward differentiates by default: 1/(2n) * sum((A[-1] - Y)**2)."""
    return float(0.5 * np.sum((net.predict(X) - Y) ** 2) / len(X))


def cross_entropy(net: Network, X: np.ndarray, Y: np.ndarray) -> float:
    """backward's loss="cross_entropy": -1/n * sum(Y * log(A[-1])), written out independently."""
    return float(-np.sum(Y * np.log(net.predict(X))) / len(X))


LOSS = {"squared_error": half_mse, "cross_entropy": cross_entropy}


def numeric_gradient(
    net: Network, X: np.ndarray, Y: np.ndarray, P: np.ndarray, loss: str = "squared_error"
) -> np.ndarray:
    """Five-point central differences of the loss with respect to every entry of P.

    Error O(h**4) + O(eps/h): about 1e-12 here, so small gradients can be held to 1e-6 too.
    """
    h, G = 1e-4, np.zeros_like(P)
    for index in np.ndindex(P.shape):
        saved = P[index]
        L = []
        for k in (-2, -1, 1, 2):
            P[index] = saved + k * h
            L.append(LOSS[loss](net, X, Y))
        P[index] = saved
        G[index] = (L[0] - 8 * L[1] + 8 * L[2] - L[3]) / (12 * h)
    return G


def max_relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    scale = np.maximum(np.maximum(np.abs(analytic), np.abs(numeric)), 1e-5)
    return float(np.max(np.abs(analytic - numeric) / scale))


def generic_case(
    sizes: list[int], hidden: str, output: str, bias: bool, seed: int, loss: str = "squared_error"
) -> tuple[Network, np.ndarray, np.ndarray]:
    """A seeded network and data at a generic point: every layer has a gradient, and no relu
    pre-activation lies within 1e-3 of the kink (where finite differences are meaningless).
    Cross-entropy targets are random distributions (rows summing to 1), not only one-hot."""
    for attempt in range(100):
        rng = np.random.default_rng([seed, attempt])
        net = Network(sizes, hidden_activation=hidden, output_activation=output, bias=bias, rng=rng)
        for b in net.b:  # non-zero biases, so their effect on the other gradients is exercised
            b[...] = rng.normal(scale=0.5, size=b.shape) if bias else 0.0
        X = rng.normal(size=(6, sizes[0]))
        if loss == "cross_entropy":
            Y = rng.dirichlet(np.ones(sizes[-1]), size=6)
        else:
            Y = rng.uniform(size=(6, sizes[-1]))
        A = net.forward(X)
        Z = [a @ W + b for a, W, b in zip(A, net.W, net.b, strict=False)]
        near_kink = any(
            name == "relu" and np.abs(z).min() < 1e-3
            for z, name in zip(Z, net.activations, strict=True)
        )
        dW, _ = net.backward(A, Y, loss)
        if not near_kink and all(np.abs(g).max() > 1e-3 for g in dW):
            return net, X, Y
    raise AssertionError("no generic case found")


@pytest.mark.parametrize("n_hidden", [1, 2, 3])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("output", NAMES)
@pytest.mark.parametrize("hidden", NAMES)
def test_backward_matches_finite_differences(
    hidden: str, output: str, bias: bool, n_hidden: int
) -> None:
    sizes = [3, *[5, 4, 4][:n_hidden], 2]
    net, X, Y = generic_case(sizes, hidden, output, bias, seed=n_hidden)
    dW, db = net.backward(net.forward(X), Y)
    for i in range(len(net.W)):
        assert dW[i].shape == net.W[i].shape and db[i].shape == net.b[i].shape
        assert max_relative_error(dW[i], numeric_gradient(net, X, Y, net.W[i])) < 1e-6
        if bias:
            assert max_relative_error(db[i], numeric_gradient(net, X, Y, net.b[i])) < 1e-6
        else:
            assert not db[i].any()


@pytest.mark.parametrize("n_hidden", [1, 2])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("hidden", ["tanh", "sigmoid", "relu"])
def test_softmax_cross_entropy_backward_matches_finite_differences(
    hidden: str, bias: bool, n_hidden: int
) -> None:
    sizes = [3, *[5, 4][:n_hidden], 3]
    net, X, Y = generic_case(
        sizes, hidden, "softmax", bias, seed=10 + n_hidden, loss="cross_entropy"
    )
    dW, db = net.backward(net.forward(X), Y, loss="cross_entropy")
    for i in range(len(net.W)):
        assert dW[i].shape == net.W[i].shape and db[i].shape == net.b[i].shape
        numeric = numeric_gradient(net, X, Y, net.W[i], "cross_entropy")
        assert max_relative_error(dW[i], numeric) < 1e-6
        if bias:
            numeric = numeric_gradient(net, X, Y, net.b[i], "cross_entropy")
            assert max_relative_error(db[i], numeric) < 1e-6
        else:
            assert not db[i].any()


def test_backward_rejects_a_loss_that_does_not_fit_the_output() -> None:
    X, Y = np.zeros((2, 3)), np.eye(2)
    sigmoid_net = Network([3, 2])
    with pytest.raises(ValueError, match="cross_entropy needs a softmax output"):
        sigmoid_net.backward(sigmoid_net.forward(X), Y, loss="cross_entropy")
    softmax_net = Network([3, 2], output_activation="softmax")
    with pytest.raises(ValueError, match="needs the cross_entropy loss"):
        softmax_net.backward(softmax_net.forward(X), Y)
    with pytest.raises(ValueError, match="unknown loss"):
        sigmoid_net.backward(sigmoid_net.forward(X), Y, loss="hinge")


def test_forward_shapes_and_known_output() -> None:
    net = Network([2, 2, 1], bias=True, init="zeros")
    net.W[0][...] = [[1.0, -1.0], [2.0, 0.5]]
    net.b[0][...] = [0.0, 1.0]
    net.W[1][...] = [[1.0], [-2.0]]
    A = net.forward(np.array([[1.0, 1.0], [0.0, 0.0]]))
    assert [a.shape for a in A] == [(2, 2), (2, 2), (2, 1)]
    H = 1 / (1 + np.exp(-np.array([[3.0, 0.5], [0.0, 1.0]])))
    expected = 1 / (1 + np.exp(-(H @ [[1.0], [-2.0]])))
    np.testing.assert_allclose(A[-1], expected, rtol=1e-15)
    np.testing.assert_array_equal(net.predict(np.array([[1.0, 1.0]])), A[-1][:1])


def test_init_schemes_are_seeded_and_bounded() -> None:
    classic = Network(
        [144, 144, 5], bias=False, init="uniform-classic", rng=np.random.default_rng(0)
    )
    assert all(w.min() >= 0 and w.max() < 0.1 for w in classic.W)
    again = Network([144, 144, 5], bias=False, init="uniform-classic", rng=np.random.default_rng(0))
    assert all(np.array_equal(a, b) for a, b in zip(classic.W, again.W, strict=True))
    xavier = Network([144, 144, 5], hidden_activation="tanh", init="auto")
    assert np.abs(xavier.W[0]).max() <= np.sqrt(6 / 288) and xavier.W[0].min() < 0
    he = Network([144, 10, 5], hidden_activation="relu", init="auto")
    assert np.abs(he.W[0]).max() <= np.sqrt(6 / 144)
    assert np.abs(he.W[0]).max() > np.sqrt(6 / 154)  # wider than Glorot would be
    assert all(not b.any() for b in he.b)


def test_step_plain_and_with_momentum() -> None:
    net = Network([2, 3, 1], rng=np.random.default_rng(5))
    W0, b0 = [w.copy() for w in net.W], [b.copy() for b in net.b]
    dW = [np.ones_like(w) for w in net.W]
    db = [np.full_like(b, 2.0) for b in net.b]
    net.step(dW, db, 0.1)
    np.testing.assert_allclose(net.W[0], W0[0] - 0.1)
    np.testing.assert_allclose(net.b[1], b0[1] - 0.2)
    net = Network([2, 3, 1], rng=np.random.default_rng(5))
    net.step(dW, db, 0.1, momentum=0.9)  # V = -0.1 g, W += V
    net.step(dW, db, 0.1, momentum=0.9)  # V = 0.9 * -0.1 g - 0.1 g
    np.testing.assert_allclose(net.W[1], W0[1] - 0.1 - 0.19)
    np.testing.assert_allclose(net.b[0], b0[0] - 0.2 - 0.38)


def test_weight_decay_shrinks_weights_but_not_biases() -> None:
    net = Network([2, 3, 1], rng=np.random.default_rng(5))
    for b in net.b:
        b[...] = 1.0
    W0 = [w.copy() for w in net.W]
    zero_dW, zero_db = [np.zeros_like(w) for w in net.W], [np.zeros_like(b) for b in net.b]
    net.step(zero_dW, zero_db, 0.1, weight_decay=0.5)  # W -= 0.1 * 0.5 * W
    np.testing.assert_allclose(net.W[0], 0.95 * W0[0], rtol=1e-15)
    np.testing.assert_allclose(net.W[1], 0.95 * W0[1], rtol=1e-15)
    assert all((b == 1.0).all() for b in net.b)
    assert not zero_dW[0].any()  # the caller's gradients are left alone
    net.step(zero_dW, zero_db, 0.1, momentum=0.5, weight_decay=0.5)  # V = -0.05 W; W += V
    np.testing.assert_allclose(net.W[0], 0.95**2 * W0[0], rtol=1e-15)
    net.step(zero_dW, zero_db, 0.1, momentum=0.5, weight_decay=0.5)  # V = 0.5 V - 0.05 W
    np.testing.assert_allclose(net.W[0], (0.95**3 - 0.5 * 0.05 * 0.95) * W0[0], rtol=1e-14)
    assert all((b == 1.0).all() for b in net.b)


def test_no_bias_network_never_moves_its_bias() -> None:
    net = Network([2, 3, 1], bias=False, rng=np.random.default_rng(5))
    X, Y = np.array([[1.0, 0.0]]), np.array([[1.0]])
    for _ in range(3):
        dW, db = net.backward(net.forward(X), Y)
        net.step(dW, db, 0.5, momentum=0.5)
    assert not any(b.any() for b in net.b)


def test_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="unknown activation"):
        Network([2, 1], output_activation="swish")
    with pytest.raises(ValueError, match="'softmax' is only valid as the output activation"):
        Network([2, 3, 2], hidden_activation="softmax", output_activation="softmax")
    with pytest.raises(ValueError, match="'softmax' is only valid as the output activation"):
        Network([2, 3, 3, 2], hidden_activation=["tanh", "softmax"])
    with pytest.raises(ValueError, match="at least 2 units"):
        Network([2, 1], output_activation="softmax")
    with pytest.raises(ValueError, match="2 hidden layers but 1"):
        Network([2, 3, 3, 1], hidden_activation=["tanh"])
    with pytest.raises(ValueError, match="sizes"):
        Network([2])
    with pytest.raises(ValueError, match="init"):
        Network([2, 1], init="orthogonal")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_round_trip_gives_identical_outputs(dtype: type) -> None:
    net = Network([6, 5, 4, 3], hidden_activation=["tanh", "relu"], output_activation="linear")
    net = Network.from_dict(net.to_dict(), dtype=dtype)  # the dtype under test
    X = np.random.default_rng(2).normal(size=(9, 6))
    document = json.loads(json.dumps({"format": "hwr-model/1", **net.to_dict()}))
    loaded = Network.from_dict(document, dtype=dtype)
    assert loaded.sizes == [6, 5, 4, 3] and loaded.activations == ["tanh", "relu", "linear"]
    assert loaded.bias and loaded.W[0].dtype == dtype
    np.testing.assert_array_equal(loaded.predict(X), net.predict(X))


def test_round_trip_of_a_softmax_network() -> None:
    net = Network([5, 4, 3], hidden_activation="relu", output_activation="softmax")
    document = json.loads(json.dumps(net.to_dict()))
    assert document["network"]["activations"] == ["relu", "softmax"]
    loaded = Network.from_dict(document)
    X = np.random.default_rng(2).normal(size=(9, 5))
    np.testing.assert_array_equal(loaded.predict(X), net.predict(X))
    np.testing.assert_allclose(loaded.predict(X).sum(axis=1), 1.0, rtol=1e-15)


def same_weights(net: Network, output: str) -> Network:
    """A copy of net with another output activation."""
    hidden = net.activations[:-1]
    other = Network(net.sizes, hidden_activation=hidden, output_activation=output, bias=net.bias)
    for mine, theirs in zip(other.W + other.b, net.W + net.b, strict=True):
        mine[...] = theirs
    return other


@pytest.mark.parametrize("bias", [True, False])
def test_logits_are_the_output_pre_activation(bias: bool) -> None:
    rng = np.random.default_rng(3)
    hidden = ["tanh", "relu"]
    linear = Network(
        [4, 6, 5, 3], hidden_activation=hidden, output_activation="linear", bias=bias, rng=rng
    )
    for b in linear.b:
        b[...] = rng.normal(size=b.shape) if bias else 0.0
    X = rng.normal(size=(8, 4))
    Z = linear.logits(X)
    assert Z.shape == (8, 3) and Z.dtype == np.float64 and np.abs(Z).max() > 0.5
    np.testing.assert_array_equal(linear.predict(X), Z)
    for output, inverse in [("sigmoid", lambda P: np.log(P / (1 - P))), ("tanh", np.arctanh)]:
        net = same_weights(linear, output)
        np.testing.assert_array_equal(net.logits(X), Z)
        np.testing.assert_allclose(inverse(net.predict(X)), Z, rtol=1e-12, atol=1e-14)
    net = same_weights(linear, "softmax")
    np.testing.assert_array_equal(net.logits(X), Z)
    np.testing.assert_array_equal(softmax(Z), net.predict(X))
    # a temperature T > 1 flattens the probabilities: what calibration fits
    assert (softmax(Z / 2.0).max(axis=1) < net.predict(X).max(axis=1)).all()


def test_round_trip_without_bias_writes_null() -> None:
    net = Network([3, 2], bias=False, rng=np.random.default_rng(0))
    d = net.to_dict()
    assert d["network"] == {"sizes": [3, 2], "activations": ["sigmoid"], "bias": False}
    assert d["layers"][0]["bias"] is None and len(d["layers"][0]["weights"]) == 3
    loaded = Network.from_dict(d)
    np.testing.assert_array_equal(loaded.W[0], net.W[0])


def valid() -> dict[str, Any]:
    return Network([3, 4, 2], rng=np.random.default_rng(0)).to_dict()


def broken(change: str) -> Any:
    d = valid()
    layer = d["layers"][0]
    match change:
        case "not an object":
            return [d]
        case "missing network":
            del d["network"]
        case "missing layers":
            del d["layers"]
        case "missing sizes" | "missing activations" | "missing bias":
            del d["network"][change.split()[1]]
        case "missing weights":
            del layer["weights"]
        case "missing layer bias":
            del layer["bias"]
        case "transposed weights":
            layer["weights"] = np.array(layer["weights"]).T.tolist()
        case "ragged weights":
            layer["weights"][1] = layer["weights"][1][:-1]
        case "3-d weights":
            layer["weights"] = [[[v] for v in row] for row in layer["weights"]]
        case "short bias":
            layer["bias"] = layer["bias"][:-1]
        case "nan weight":
            layer["weights"][0][0] = float("nan")
        case "inf bias":
            d["layers"][1]["bias"][0] = float("inf")
        case "string weight":
            layer["weights"][0][0] = "0.5"
        case "null weight":
            layer["weights"][2][1] = None
        case "unknown activation":
            d["network"]["activations"][0] = "swish"
        case "softmax hidden":
            d["network"]["activations"] = ["softmax", "softmax"]
        case "softmax single output":
            d["network"]["sizes"][-1] = 1
            d["network"]["activations"][-1] = "softmax"
        case "too few activations":
            d["network"]["activations"] = ["sigmoid"]
        case "sizes disagree":
            d["network"]["sizes"] = [3, 5, 2]
        case "too few layers":
            d["layers"] = d["layers"][:1]
        case "bool size":
            d["network"]["sizes"] = [3, True, 2]
        case "zero size":
            d["network"]["sizes"] = [3, 0, 2]
        case "bias list although bias is false":
            d["network"]["bias"] = False
        case "bias as string":
            d["network"]["bias"] = "yes"
    return d


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("not an object", "must be an object"),
        ("missing network", "missing network"),
        ("missing layers", "missing layers"),
        ("missing sizes", "missing network.sizes"),
        ("missing activations", "missing network.activations"),
        ("missing bias", "missing network.bias"),
        ("missing weights", r"missing layers\[0\].weights"),
        ("missing layer bias", r"missing layers\[0\].bias"),
        ("transposed weights", r"layers\[0\].weights has shape \(4, 3\), expected \(3, 4\)"),
        ("ragged weights", r"layers\[0\].weights must be a rectangular array"),
        ("3-d weights", r"shape \(3, 4, 1\)"),
        ("short bias", r"layers\[0\].bias has shape \(3,\), expected \(4,\)"),
        ("nan weight", "finite"),
        ("inf bias", r"layers\[1\].bias must contain only finite"),
        ("string weight", "only numbers"),
        ("null weight", "only numbers"),
        ("unknown activation", "unknown activation 'swish'"),
        ("softmax hidden", "'softmax' is only valid as the last network.activations"),
        ("softmax single output", r"softmax output needs network.sizes\[-1\] >= 2"),
        ("too few activations", "1 entries, expected 2"),
        ("sizes disagree", r"layers\[0\].weights has shape \(3, 4\), expected \(3, 5\)"),
        ("too few layers", "layers has 1 entries, expected 2"),
        ("bool size", "positive integers"),
        ("zero size", "positive integers"),
        ("bias list although bias is false", "must be null"),
        ("bias as string", "network.bias must be a bool"),
    ],
)
def test_from_dict_rejects(change: str, message: str) -> None:
    with pytest.raises(ModelFormatError, match=message):
        Network.from_dict(broken(change))


def test_from_dict_checks_the_parameter_count_before_allocating() -> None:
    huge = {"network": {"sizes": [10**6, 10**6], "activations": ["sigmoid"], "bias": True}}
    with pytest.raises(ModelFormatError, match="1000001000000 parameters, more than 5000000"):
        Network.from_dict({**huge, "layers": []})
    with pytest.raises(ModelFormatError, match="more than 20"):
        Network.from_dict(valid(), max_parameters=20)  # 3*4+4 + 4*2+2 = 26
    assert Network.from_dict(valid(), max_parameters=26).n_parameters == 26


def test_from_dict_rejects_numbers_out_of_the_dtype_range() -> None:
    d = valid()
    d["layers"][1]["weights"][0][0] = 1e39  # finite as float64, inf as float32
    assert Network.from_dict(d).W[1][0, 0] == 1e39
    with pytest.raises(ModelFormatError, match=r"layers\[1\].weights must contain only finite"):
        Network.from_dict(d, dtype=np.float32)


def test_from_dict_does_not_modify_its_input() -> None:
    d = valid()
    before = copy.deepcopy(d)
    Network.from_dict(d)
    assert d == before


def test_one_forward_pass_keeps_what_it_is_asked_to_and_writes_where_it_is_told() -> None:
    rng = np.random.default_rng(5)
    net = Network([4, 6, 5, 3], hidden_activation=["tanh", "relu"], output_activation="softmax")
    X = rng.normal(size=(8, 4))
    A = net.forward(X)
    assert [a.shape for a in A] == [(8, 4), (8, 6), (8, 5), (8, 3)]
    out = [np.empty((8, k)) for k in net.sizes[1:]]
    written = net.forward_into(X, net.layers(), out)
    assert all(a is o for a, o in zip(written[1:], out, strict=True))
    for a, b in zip(written, A, strict=True):
        np.testing.assert_array_equal(a, b)
    (last,) = net.forward(X, keep=False)
    np.testing.assert_array_equal(last, A[-1])
    # The layer description that forward() and the ONNX export follow.
    assert [layer.activation for layer in net.layers()] == ["tanh", "relu", "softmax"]
    assert [layer.activation for layer in net.layers(logits=True)] == ["tanh", "relu", None]
    assert all(layer.b is not None for layer in net.layers())
    no_bias = Network([4, 2], bias=False)
    assert [layer.b for layer in no_bias.layers()] == [None]
