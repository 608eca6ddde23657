"""A lab run without HTTP: the tasks' defaults, training, the JSON, divergence, the boundary."""

import json
from typing import Any

import numpy as np
import pytest

from app.lab.run import IDENTITY_BUFFER, PRETRAIN_PASSES, Run
from app.lab.tasks import INFECTIONS_X, INFECTIONS_Y, resolve
from app.nn.fit import TrainOptions, mse, train_pass
from app.nn.network import Network


def make(task: str, **settings: Any) -> Run:
    return Run("r", resolve(task, **settings), now=0.0)  # type: ignore[arg-type]


def train_until(run: Run, done: Any, limit: int = 20_000) -> None:
    while not done(run):
        assert run.iteration < limit, f"not done after {limit} passes: loss {run.loss}"
        run.train(run.passes_per_tick())


def test_defaults_of_each_task() -> None:
    xor, identity, infections = resolve("xor"), resolve("identity"), resolve("infections")
    assert xor.sizes == [2, 3, 1] and xor.activations == ("sigmoid",)
    assert xor.output_activation == "sigmoid" and xor.learning_rate == 2.0 and xor.seed == 0
    assert identity.sizes == [2, 6, 2] and identity.output_activation == "linear"
    assert infections.sizes == [2, 1] and not infections.bias and infections.init == "demo"
    assert infections.is_documented_demo and infections.learning_rate == 0.0002
    tanh = resolve("infections", hidden_layers=[3])
    assert tanh.activations == ("tanh",) and tanh.bias and tanh.init == "auto"
    assert tanh.learning_rate == 0.001 and not tanh.is_documented_demo
    assert resolve("infections", hidden_layers=[3], normalize=True).learning_rate == 0.1
    assert resolve("identity", activation=["tanh", "relu"], hidden_layers=[4, 4]).activations == (
        "tanh",
        "relu",
    )


@pytest.mark.parametrize(
    ("task", "settings", "message"),
    [
        ("xor", {"hidden_layers": [64]}, "hidden_layers"),
        ("xor", {"hidden_layers": [2] * 5}, "hidden_layers"),
        ("xor", {"activation": ["tanh", "tanh"]}, "activation"),
        ("xor", {"activation": "softmax"}, "activation"),
        ("xor", {"normalize": True}, "normalize"),
        ("xor", {"init": "demo"}, "init"),
        ("infections", {"init": "demo", "hidden_layers": [3]}, "init"),
        ("xor", {"init": "bogus"}, "init"),
    ],
)
def test_settings_that_cannot_work_are_refused(
    task: str, settings: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        resolve(task, **settings)  # type: ignore[arg-type]


def test_xor_learns_and_its_boundary_is_xor() -> None:
    run = make("xor")
    assert 0.25 < (run.loss or 0) < 0.35
    train_until(run, lambda r: r.loss < 0.01)
    assert run.iteration == pytest.approx(147, abs=4)  # tests/nn/test_fit.py's network, lr 2
    doc = run.document()
    np.testing.assert_allclose(doc["predictions"], [[0], [1], [1], [0]], atol=0.15)
    n = doc["boundary"]["size"]
    values = np.array(doc["boundary"]["values"]).reshape(n, n)
    # Top row first, y up: top-left is (0, 1), bottom-right (1, 0).
    assert values[0, 0] > 0.85 and values[-1, -1] > 0.85
    assert values[0, -1] < 0.15 and values[-1, 0] < 0.15


def test_boundary_is_row_major_top_row_first_y_up() -> None:
    """A hand-set network whose output is its first input's y: rows fall from top to bottom."""
    run = make("identity", hidden_layers=[2], activation="linear", boundary_size=5)
    run.net.W[0][...] = np.eye(2)
    run.net.W[1][...] = [[0.0, 0.0], [1.0, 0.0]]  # output 0 = y
    run.net.b[0][...] = run.net.b[1][...] = 0
    b = run.document()["boundary"]
    assert b["extent"] == [-1.0, 1.0, -1.0, 1.0]
    values = np.array(b["values"]).reshape(5, 5)
    np.testing.assert_allclose(values[:, 0], [1, 0.5, 0, -0.5, -1])
    np.testing.assert_allclose(values[0], [1] * 5)


def test_infections_reproduces_the_documented_0_749() -> None:
    run = make("infections")
    train_until(run, lambda r: r.iteration >= 150)
    doc = run.document()
    ref = doc["reference"]
    assert ref["iteration"] == 100 and ref["documented"] == 0.749
    assert round(ref["epoch_error"], 3) == 0.749
    assert ref["epoch_error"] == pytest.approx(0.749110, abs=1e-6)
    # The weights are those of as many classic passes (the engine's loop, tests/nn/test_fit.py).
    net = Network([2, 1], output_activation="linear", bias=False, init="zeros")
    net.W[0][:, 0] = [1.0, 0.5]
    for _ in range(run.iteration):
        classic = TrainOptions("classic", 1, 0.0002, shuffle=False, loss="squared_error")
        train_pass(net, INFECTIONS_X, INFECTIONS_Y, classic, np.random.default_rng())
    np.testing.assert_allclose(run.net.W[0], net.W[0], rtol=1e-12)
    assert doc["loss"] == pytest.approx(mse(net, INFECTIONS_X, INFECTIONS_Y), rel=1e-12)
    assert doc["epoch_error"] is not None


def test_infections_normalised_reports_table_units() -> None:
    """Normalised, a tanh net fits the table within 100 passes; loss and predictions are in the
    table's units, not the normalised ones."""
    run = make("infections", hidden_layers=[3], normalize=True)
    assert run.document()["reference"]["documented"] is None
    train_until(run, lambda r: r.iteration >= 300)
    doc = run.document()
    assert doc["loss"] < 0.05
    np.testing.assert_allclose(doc["predictions"], INFECTIONS_Y, atol=0.3)
    assert doc["boundary"]["extent"] == [0.0, 14.0, 0.0, 6.0]


def test_zeros_init_leaves_a_tanh_net_stuck() -> None:
    run = make("infections", hidden_layers=[3], normalize=True, init="zeros")
    train_until(run, lambda r: r.iteration >= 300)
    assert run.loss is not None and run.loss > 20  # only the output bias learns
    assert np.all(run.net.W[0] == 0)


def test_identity_learns_from_posted_samples_and_keeps_the_latest() -> None:
    run = make("identity")
    assert run.document()["loss"] is None and run.train(5) == 0  # no data yet: nothing to do
    t = np.linspace(0, 12, 600)
    path = np.column_stack([np.sin(1.3 * t), 0.9 * np.cos(1.7 * t)])
    for k in range(0, 600, 20):
        run.add_samples(path[k : k + 20], path[k : k + 20])
        run.train(run.passes_per_tick())
    assert len(run.X) == IDENTITY_BUFFER
    np.testing.assert_array_equal(run.X, path[-IDENTITY_BUFFER:])
    train_until(run, lambda r: r.loss < 1e-3)
    doc = run.document()
    assert doc["pointer"]["input"] == list(path[-1])
    np.testing.assert_allclose(doc["pointer"]["output"], path[-1], atol=0.03)
    with pytest.raises(ValueError, match="targets"):
        run.add_samples(path[:3], path[:2])
    with pytest.raises(ValueError, match="fixed data"):
        make("xor").add_samples(path[:3], path[:3])


def test_pretraining_trains_on_generated_points_then_goes_back() -> None:
    run = make("identity", activation="tanh")
    run.pretrain()
    assert run.document()["pretraining"] == {"left": PRETRAIN_PASSES, "total": PRETRAIN_PASSES}
    train_until(run, lambda r: not r.pretraining)
    assert run.iteration == PRETRAIN_PASSES
    grid = np.random.default_rng(1).uniform(-0.8, 0.8, size=(50, 2))
    np.testing.assert_allclose(run.outputs(grid), grid, atol=0.15)
    assert run.train(3) == 0  # no pointer samples yet: it waits for them
    with pytest.raises(ValueError, match="identity"):
        make("xor").pretrain()


def test_a_rate_far_too_high_pauses_with_finite_weights() -> None:
    run = make("identity", learning_rate=500)
    P = np.random.default_rng(0).uniform(-1, 1, size=(64, 2))
    run.add_samples(P, P)
    for _ in range(50):
        run.train(2)
        if not run.running:
            break
    assert not run.running and "overflowed" in (run.message or "")
    assert all(np.isfinite(w).all() for w in run.net.W + run.net.b)
    doc = json.loads(run.json())  # valid JSON: no NaN anywhere
    assert doc["state"] == "paused" and doc["message"]
    run.set_learning_rate(0.05)
    run.set_running(True)
    assert run.document()["message"] is None and run.train(5) == 5


def test_dropout_runs_train_and_report_their_rate() -> None:
    run = make("identity", hidden_layers=[16], activation="tanh", dropout=0.2)
    P = np.random.default_rng(0).uniform(-1, 1, size=(128, 2))
    run.add_samples(P, P)
    first = run.loss
    run.train(50)
    doc = run.document()
    assert doc["network"]["dropout"] == 0.2 and doc["dropout"] == 0.2
    assert first is not None and doc["loss"] < first / 2


def test_json_is_made_once_per_change_and_history_is_bounded() -> None:
    run = make("xor", learning_rate=0.1)
    text = run.json()
    assert run.json() is text and run.cached_json() is text
    run.train(1200)
    assert run.cached_json() is None
    doc = json.loads(run.json())
    assert len(doc["history"]) <= 501
    assert doc["history"][0][0] == 0 and doc["history"][-1][0] == 1200
    assert [h[0] for h in doc["history"]] == sorted(h[0] for h in doc["history"])
    assert set(doc) >= {
        "id", "task", "state", "iteration", "loss", "learning_rate", "network", "layers",
        "history", "boundary", "predictions",
    }  # fmt: skip
    assert set(doc["network"]) >= {"sizes", "activations"}
    assert set(doc["layers"][0]) == {"weights", "bias"}


def test_patch_rate_is_the_next_steps_rate() -> None:
    """set_learning_rate, then one pass: the update is the engine's pass at the new rate."""
    run = make("xor")
    run.train(10)
    reference = Network.from_dict(run.net.to_dict())
    run.set_learning_rate(0.37)
    run.train(1)
    options = TrainOptions("classic", 1, 0.37, shuffle=False, loss="squared_error")
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    Y = np.array([[0], [1], [1], [0]], dtype=float)
    train_pass(reference, X, Y, options, np.random.default_rng())
    for a, b in zip(run.net.W + run.net.b, reference.W + reference.b, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-14)
