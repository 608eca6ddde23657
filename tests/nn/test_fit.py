"""Training loops: the teaching demos, the classic preset, the default settings, momentum."""

import itertools
from typing import Any

import numpy as np
import pytest

from app.network_settings import NetworkSettings
from app.nn import fit
from app.nn.fit import TrainOptions, mse, passes, train_pass
from app.nn.losses import loss_value
from app.nn.network import Network
from app.worker import build_network


def plain(**changes: Any) -> TrainOptions:
    """Options for the tests: mini-batches of 4, shuffled, lr 0.3, squared error, as asked."""
    chosen = {"mode": "minibatch", "batch_size": 4, "learning_rate": 0.3, "shuffle": True}
    return TrainOptions(**{**chosen, "loss": "squared_error", **changes})


def train(net: Network, X: np.ndarray, Y: np.ndarray, options: TrainOptions, n: int) -> list[float]:
    """The MSE after each of n passes."""
    return list(itertools.islice(passes(net, X, Y, options, np.random.default_rng(0)), n))


def first_below(history: list[float], target: float) -> int | None:
    """The 1-based pass after which the MSE first went below target."""
    return next((k + 1 for k, m in enumerate(history) if m < target), None)


def test_mse_is_the_mean_over_samples_of_the_summed_squared_error() -> None:
    net = Network([4, 3], init="zeros")  # every output is sigmoid(0) = 0.5
    Y = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    assert mse(net, np.zeros((2, 4)), Y) == pytest.approx((0.75 + 0.75) / 2)


def test_mse_of_a_softmax_output_is_the_squared_error_of_the_probabilities() -> None:
    net = Network([4, 3], output_activation="softmax", init="zeros")  # every output is 1/3
    Y = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    assert mse(net, np.zeros((2, 4)), Y) == pytest.approx((4 / 9 + 1 / 9 + 1 / 9), rel=1e-15)


def test_xor() -> None:
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    Y = np.array([[0], [1], [1], [0]], dtype=float)
    net = Network([2, 3, 1], rng=np.random.default_rng(0))
    options = plain(mode="classic", learning_rate=1.0, shuffle=False)
    history = train(net, X, Y, options, 2000)
    assert 0.25 < history[0] < 0.35  # about 4 * 0.5**2 / 4: no better than guessing
    assert first_below(history, 0.01) == pytest.approx(311, abs=30)
    assert history[-1] < 0.001
    np.testing.assert_array_equal(net.predict(X).round(), Y)


def test_identity_regression_circle_follows_the_mouse() -> None:
    rng = np.random.default_rng(0)
    P = rng.uniform(-1, 1, size=(200, 2))
    net = Network([2, 6, 2], hidden_activation="tanh", output_activation="linear", rng=rng)
    options = plain(mode="minibatch", batch_size=8, learning_rate=0.3)
    history = train(net, P, P, options, 300)
    assert history[0] > 0.01
    assert history[-1] < 1e-3
    mouse = np.array([[0.5, -0.25], [-0.9, 0.9]])
    np.testing.assert_allclose(net.predict(mouse), mouse, atol=0.05)


INFECTIONS_X = np.array([[2, 1], [5, 1], [7, 4], [12, 5]], dtype=float)
INFECTIONS_Y = np.array([[5], [7], [12], [19]], dtype=float)


def linear_model() -> Network:
    net = Network([2, 1], output_activation="linear", bias=False, init="zeros")
    net.W[0][:, 0] = [1.0, 0.5]
    return net


def test_infections_linear_model_reproduces_0_749() -> None:
    """The demo's 0.749 is the mean squared error (not halved) of the last epoch, summed while
    the epoch runs, i.e. each sample's error is taken just before its own update, with updates
    one sample at a time by the gradient of the HALF squared error: w -= lr * (y_hat - y) * x,
    exactly the engine's per-sample step. Full-batch descent gives no 0.749 under any of the
    usual conventions: mean gradient 1.3658, summed gradient 0.7477, summed gradient of the
    unhalved error 0.7437 (the numbers below)."""
    net = linear_model()
    for _epoch in range(100):
        squared = 0.0
        for x, y in zip(INFECTIONS_X, INFECTIONS_Y, strict=True):
            A = net.forward(x[None])
            squared += float(np.sum((A[-1] - y) ** 2))
            dW, db = net.backward(A, y[None])
            net.step(dW, db, learning_rate=0.0002)
        epoch_error = squared / len(INFECTIONS_X)
    assert round(epoch_error, 3) == 0.749
    assert epoch_error == pytest.approx(0.749110, abs=1e-6)
    np.testing.assert_allclose(net.W[0][:, 0], [1.326395, 0.655082], atol=1e-6)

    # passes() in classic mode is that same loop; it yields the MSE after the pass.
    classic = linear_model()
    options = plain(mode="classic", learning_rate=0.0002, shuffle=False)
    history = train(classic, INFECTIONS_X, INFECTIONS_Y, options, 100)
    np.testing.assert_allclose(classic.W[0], net.W[0], rtol=1e-12)
    assert history[-1] == pytest.approx(0.747907, abs=1e-6)

    # Full batch: the step is lr times the batch-MEAN gradient; lr * 4 is the summed gradient.
    for lr, expected in [(0.0002, 1.365789), (4 * 0.0002, 0.747744), (8 * 0.0002, 0.743693)]:
        full = linear_model()
        options = plain(mode="minibatch", batch_size=4, learning_rate=lr, shuffle=False)
        assert train(full, INFECTIONS_X, INFECTIONS_Y, options, 100)[-1] == pytest.approx(
            expected, abs=1e-6
        )


def shapes() -> np.ndarray:
    """Five distinct 12x12 binary shapes, flattened to 144 cells: (5, 144)."""
    g = np.zeros((5, 12, 12))
    g[0, 5:7, 1:11] = 1  # horizontal bar
    g[1, 1:11, 5:7] = 1  # vertical bar
    g[2, 5:7, 1:11] = g[2, 1:11, 5:7] = 1  # cross
    g[3, 1, 1:11] = g[3, 10, 1:11] = g[3, 1:11, 1] = g[3, 1:11, 10] = 1  # box
    i = np.arange(1, 11)
    g[4, i, i] = g[4, i[:-1], i[1:]] = 1  # thick diagonal
    return g.reshape(5, 144)


def noisy_copies(
    P: np.ndarray, copies: int, rng: np.random.Generator, flips: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """`copies` of each prototype with `flips` random cells flipped (default 10% of cells)."""
    X = np.repeat(P, copies, axis=0)
    labels = np.repeat(np.arange(len(P)), copies)
    n_flip = flips if flips is not None else P.shape[1] // 10
    for row in X:
        cells = rng.choice(P.shape[1], n_flip, replace=False)
        row[cells] = 1 - row[cells]
    return X, labels


def test_classic_preset_on_a_small_alphabet() -> None:
    """The original algorithm. Its all-positive init puts every output near 0.99, so before
    training each sample's summed error is about (labels - 1) = 4; the first pass roughly
    halves it and it falls below 0.05 after about 50 passes."""
    X, labels = noisy_copies(shapes(), 4, np.random.default_rng(0), flips=4)
    Y = np.eye(5)[labels]
    classic = NetworkSettings.model_validate({"preset": "classic", "seed": 0})
    net = build_network(classic, 144, 5, dtype=np.float64)
    assert net.sizes == [144, 144, 5] and not net.bias
    assert net.activations == ["sigmoid", "sigmoid"] and net.W[0].min() >= 0
    assert mse(net, X, Y) == pytest.approx(3.97, abs=0.01)
    history = train(net, X, Y, classic.training_options(), 120)
    assert history[0] == pytest.approx(2.02, abs=0.01)
    assert first_below(history, 0.05) == pytest.approx(52, abs=5)
    assert history[-1] < 0.01
    assert (net.predict(X).argmax(axis=1) == labels).all()


def test_the_default_settings_generalise_to_held_out_noisy_copies() -> None:
    """The recognizer's defaults (softmax and cross-entropy, mini-batches of 4, float32): one
    pass over 10 noisy copies of 26 random prototypes recognises 20 unseen copies of each."""
    rng = np.random.default_rng(0)
    P = (rng.random((26, 144)) < 0.5).astype(float)
    X, labels = noisy_copies(P, 10, rng)
    X_test, labels_test = noisy_copies(P, 20, rng)
    settings = NetworkSettings(seed=0)
    net = build_network(settings, 144, 26)
    assert net.W[0].dtype == np.float32 and net.activations == ["sigmoid", "softmax"]

    def accuracy() -> float:
        return float((net.predict(X_test).argmax(axis=1) == labels_test).mean())

    assert accuracy() < 0.1  # guessing: 1 / 26
    next(passes(net, X, np.eye(26)[labels], settings.training_options(), rng))
    assert accuracy() >= 0.95


def test_momentum_changes_the_trajectory_and_still_converges() -> None:
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    Y = np.array([[0], [1], [1], [0]], dtype=float)
    runs = {}
    for momentum in (0.0, 0.9):
        net = Network([2, 3, 1], rng=np.random.default_rng(0))
        options = plain(mode="classic", learning_rate=0.5, momentum=momentum, shuffle=False)
        runs[momentum] = train(net, X, Y, options, 1000)
    assert runs[0.0][0] == pytest.approx(0.2829, abs=1e-4)
    assert runs[0.9][0] == pytest.approx(0.2713, abs=1e-4)
    still, heavy = first_below(runs[0.0], 0.01), first_below(runs[0.9], 0.01)
    assert still is not None and heavy is not None and heavy < still / 5
    assert runs[0.9][-1] < 0.001


@pytest.mark.parametrize("weight_decay", [0.0, 0.3])
@pytest.mark.parametrize("loss", ["squared_error", "cross_entropy"])
@pytest.mark.parametrize("momentum", [0.0, 0.7])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("batch_size", [1, 3, 7])
def test_fused_loop_equals_forward_backward_step(
    batch_size: int, bias: bool, momentum: float, loss: str, weight_decay: float
) -> None:
    """passes() must do exactly what forward/backward/step do, batch after batch (incl. the
    short last batch of 7 samples in 3s), for either loss, with and without weight decay."""
    rng = np.random.default_rng(4)
    X = rng.normal(size=(7, 5))
    if loss == "cross_entropy":  # soft targets: rows summing to 1, not only one-hot
        Y, output = rng.dirichlet(np.ones(3), size=7), "softmax"
    else:
        Y, output = rng.uniform(size=(7, 3)), "sigmoid"
    sizes = [5, 4, 6, 3]
    acts = {"hidden_activation": ["tanh", "relu"], "output_activation": output, "bias": bias}
    fused = Network(sizes, **acts, rng=np.random.default_rng(1))  # type: ignore[arg-type]
    reference = Network(sizes, **acts, rng=np.random.default_rng(1))  # type: ignore[arg-type]
    mode: fit.Mode = "classic" if batch_size == 1 else "minibatch"
    options = plain(
        mode=mode,
        batch_size=batch_size,
        learning_rate=0.1,
        momentum=momentum,
        loss=loss,
        weight_decay=weight_decay,
    )
    order_rng = np.random.default_rng(9)
    train_passes = passes(fused, X, Y, options, np.random.default_rng(9))
    for _ in range(3):
        reported = next(train_passes)
        order = order_rng.permutation(7)
        for start in range(0, 7, batch_size):
            rows = order[start : start + batch_size]
            A = reference.forward(X[rows])
            dW, db = reference.backward(A, Y[rows], loss)
            reference.step(dW, db, 0.1, momentum, weight_decay)
        assert reported == pytest.approx(mse(reference, X, Y), rel=1e-12)
    for a, b in zip(fused.W + fused.b, reference.W + reference.b, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


def test_fused_weight_decay_shrinks_weights_only() -> None:
    """Zero inputs and targets equal to the bias: a zero gradient, so a pass of 2 batches is
    exactly W *= (1 - lr * wd) twice, and the biases stay where they are."""
    net = Network([3, 2], output_activation="linear", rng=np.random.default_rng(0))
    net.b[0][...] = [0.5, -0.25]
    W0 = net.W[0].copy()
    X, Y = np.zeros((8, 3)), np.tile(net.b[0], (8, 1))
    options = plain(batch_size=4, learning_rate=0.5, weight_decay=0.1, shuffle=False)
    assert train(net, X, Y, options, 1) == [0.0]
    np.testing.assert_allclose(net.W[0], 0.95**2 * W0, rtol=1e-15)
    np.testing.assert_array_equal(net.b[0], [0.5, -0.25])


def test_weight_decay_keeps_weights_smaller() -> None:
    rng = np.random.default_rng(0)
    X, labels = noisy_copies(shapes(), 4, rng, flips=4)
    norms = {}
    for wd in (0.0, 0.01):
        net = Network([144, 20, 5], output_activation="softmax", rng=np.random.default_rng(1))
        options = plain(learning_rate=0.1, loss="cross_entropy", weight_decay=wd)
        train(net, X, np.eye(5)[labels], options, 30)
        assert (net.predict(X).argmax(axis=1) == labels).all()
        norms[wd] = float(np.sqrt(sum(np.sum(w**2) for w in net.W)))
    assert norms[0.0] == pytest.approx(13.18, abs=0.05)
    assert norms[0.01] == pytest.approx(11.53, abs=0.05)


def blobs(per_class: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """4 Gaussian blobs (sd 0.7) around the corners (+-2, +-2): X (4 * per_class, 2), labels."""
    centres = np.array([[2.0, 2.0], [-2.0, 2.0], [-2.0, -2.0], [2.0, -2.0]])
    labels = np.repeat(np.arange(4), per_class)
    return centres[labels] + rng.normal(scale=0.7, size=(len(labels), 2)), labels


def test_cross_entropy_learns_four_blobs() -> None:
    rng = np.random.default_rng(0)
    X, labels = blobs(25, rng)
    X_test, labels_test = blobs(100, rng)
    Y = np.eye(4)[labels]
    net = Network([2, 8, 4], hidden_activation="tanh", output_activation="softmax", rng=rng)
    assert (net.predict(X_test).argmax(axis=1) == labels_test).mean() < 0.5
    before = loss_value("cross_entropy", net.predict(X), Y)
    assert before == pytest.approx(1.476, abs=1e-3)  # about log(4) = 1.386: guessing
    options = plain(batch_size=4, learning_rate=0.1, loss="cross_entropy")
    train(net, X, Y, options, 20)
    assert (net.predict(X_test).argmax(axis=1) == labels_test).mean() >= 0.95
    assert loss_value("cross_entropy", net.predict(X), Y) == pytest.approx(0.0142, abs=1e-3)


def test_xor_with_a_two_unit_softmax_output() -> None:
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    Y = np.eye(2)[[0, 1, 1, 0]]
    net = Network(
        [2, 3, 2],
        hidden_activation="tanh",
        output_activation="softmax",
        rng=np.random.default_rng(0),
    )
    options = plain(mode="classic", learning_rate=0.5, shuffle=False, loss="cross_entropy")
    history = train(net, X, Y, options, 1000)
    assert 0.45 < history[0] < 0.55  # both outputs near 0.5: no better than guessing
    assert first_below(history, 0.01) == pytest.approx(32, abs=5)
    assert loss_value("cross_entropy", net.predict(X), Y) < 1e-3
    np.testing.assert_array_equal(net.predict(X).argmax(axis=1), [0, 1, 1, 0])


def test_float32_training_stays_float32_and_follows_float64() -> None:
    rng = np.random.default_rng(0)
    X, Y = rng.random((20, 6)), rng.random((20, 2))
    nets = [Network([6, 5, 2], rng=np.random.default_rng(3), dtype=d) for d in (np.float64, "f4")]
    runs = [train(net, X, Y, plain(batch_size=4), 20) for net in nets]
    assert nets[1].W[0].dtype == np.float32 and nets[1].b[1].dtype == np.float32
    np.testing.assert_allclose(runs[1], runs[0], rtol=1e-4)


def test_options_and_data_are_validated() -> None:
    with pytest.raises(ValueError, match="mode"):
        plain(mode="adam")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="batch_size"):
        plain(batch_size=0)
    with pytest.raises(ValueError, match="learning_rate"):
        plain(learning_rate=float("nan"))
    with pytest.raises(ValueError, match="momentum"):
        plain(momentum=1.0)
    with pytest.raises(ValueError, match="loss must be one of"):
        plain(loss="hinge")
    for weight_decay in (-0.1, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="weight_decay"):
            plain(weight_decay=weight_decay)
    net = Network([3, 2])
    with pytest.raises(ValueError, match="do not fit"):
        next(passes(net, np.zeros((4, 2)), np.zeros((4, 2)), plain(), np.random.default_rng()))
    with pytest.raises(ValueError, match="same, non-zero number of rows"):
        next(passes(net, np.zeros((4, 3)), np.zeros((3, 2)), plain(), np.random.default_rng()))


def test_the_loss_must_fit_the_output_activation() -> None:
    X, Y, rng = np.zeros((4, 3)), np.eye(2)[[0, 1, 1, 0]], np.random.default_rng()
    softmax_net = Network([3, 2], output_activation="softmax")
    with pytest.raises(ValueError, match="'softmax' output activation needs the cross_entropy"):
        next(passes(softmax_net, X, Y, plain(), rng))
    sigmoid_net = Network([3, 2])
    with pytest.raises(ValueError, match="cross_entropy needs a softmax output"):
        next(passes(sigmoid_net, X, Y, plain(loss="cross_entropy"), rng))
    with pytest.raises(ValueError, match="each row must sum to 1"):
        next(passes(softmax_net, X, 2 * Y, plain(loss="cross_entropy"), rng))


@pytest.mark.parametrize("loss", ["cross_entropy", "squared_error"])
def test_the_weight_decay_setting_steps_down_the_gradient_of_the_decayed_loss(loss: str) -> None:
    """One full-batch pass with the settings' weight decay moves every parameter by -lr times
    the gradient of (mean loss + wd/2 * sum of the squared weights): the weights decay, the
    biases do not. Checked against central differences of that objective."""
    settings = NetworkSettings(
        hidden_layers=[5], loss=loss, weight_decay=0.05, batch_size=8, shuffle=False, seed=2
    )
    net = build_network(settings, 4, 3, dtype=np.float64)
    for b in net.b:
        b[...] = np.random.default_rng(4).normal(size=b.shape)
    rng = np.random.default_rng(3)
    X, Y = rng.normal(size=(8, 4)), np.eye(3)[rng.integers(0, 3, 8)]

    def objective() -> float:
        decay = 0.5 * settings.weight_decay * sum(float(np.sum(W**2)) for W in net.W)
        return loss_value(loss, net.predict(X), Y) + decay

    h, numeric = 1e-6, []
    for P in net.W + net.b:
        grad = np.zeros_like(P)
        for index in np.ndindex(P.shape):
            saved = P[index]
            P[index] = saved + h
            up = objective()
            P[index] = saved - h
            grad[index] = (up - objective()) / (2 * h)
            P[index] = saved
        numeric.append(grad)
    before = [P.copy() for P in net.W + net.b]
    train_pass(net, X, Y, settings.training_options(), rng)
    lr = settings.learning_rate
    for a, b, g in zip(before, net.W + net.b, numeric, strict=True):
        np.testing.assert_allclose((a - b) / lr, g, rtol=1e-6, atol=1e-9)
    assert np.abs(numeric[0]).max() > 0.01  # a gradient worth checking
