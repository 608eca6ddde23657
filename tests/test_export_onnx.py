"""The ONNX export (app/export_onnx.py) computes Check's confidences, run by onnxruntime.

Tiny networks are trained by the real training run (a few passes, a few hidden units) for every
hidden activation the engine offers to a recognizer, both losses, with and without bias, one
network or an ensemble of 3, with and without the hidden reject class; each export is compared
with Check's arithmetic (Recognizer.confidences and, grid by grid, Recognizer.answer) on 200
grids: drawings of the labels, scribbles and random grids.
"""

import itertools
import json
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from numpy.typing import NDArray

from app import scribbles, synth, worker
from app.documents import trained_model
from app.export_onnx import HIDDEN_OPS, OPSET, ExportError, from_loaded, to_onnx
from app.ink import rasterise
from app.learn import Drawing, drive
from app.network_settings import NetworkSettings
from app.nn.activations import ACTIVATIONS
from app.nn.network import Network
from app.recognition import recognizer_of
from app.recognizer import Recognizer

LABELS = ["L", "O", "X"]
DRAWINGS = [
    Drawing(i + 1, LABELS.index(label), strokes)
    for i, (label, strokes) in enumerate(synth.dataset(LABELS, 5, seed=5))
]
TOLERANCE = 1e-5
F32 = NDArray[np.float32]


def trained(passes: int = 3, **network: Any) -> Recognizer:
    """A model as Check loads it, from a short real training (5 drawings a label, 1 held out)."""
    settings = NetworkSettings.model_validate(
        {"seed": 1, "hidden_layers": [6], "augmentation": "off", **network}
    )
    spec = worker.JobSpec(DRAWINGS, LABELS, 12, settings, None, passes, 0.0, 100)
    run = worker.prepare(spec)
    drive(run, passes, 0.0, lambda: False, lambda _: None)
    document = trained_model(spec, run.net.to_dict(), run.finish(), [], run.iteration)
    return recognizer_of(document)


def grids(antialias: bool, n: int = 200, seed: int = 3) -> F32:
    """n grids: drawings of the labels, generated scribbles and uniformly random grids."""
    rng = np.random.default_rng(seed)
    strokes = [synth.draw(LABELS[i % 3], rng) for i in range(n // 2)]
    strokes += scribbles.generate(n // 4, rng)
    drawn = [rasterise(s, 12, antialias=antialias) for s in strokes]
    random = rng.random((n - len(drawn), 144), dtype=np.float32)
    return np.vstack([np.array(drawn), random]).astype(np.float32)


def run_onnx(data: bytes, X: F32) -> F32:
    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    out: F32 = session.run(["confidences"], {"grid": X})[0]
    return out


def assert_same_as_check(model: Recognizer, data: bytes, X: F32) -> float:
    """ONNX against Check on every grid of X, to TOLERANCE; the largest difference."""
    out = run_onnx(data, X)
    assert out.dtype == np.float32 and out.shape == (len(X), len(model.labels))
    expected = model.confidences(X)
    worst = float(np.abs(out - expected).max())
    assert worst <= TOLERANCE
    for grid, row in zip(X, out, strict=True):  # Check's own answer, back in label order
        ranked = dict(model.answer(grid).ranked)
        assert np.abs(row - [ranked[label] for label in model.labels]).max() <= TOLERANCE
    return worst


COMBINATIONS = list(
    itertools.product(
        ["sigmoid", "tanh", "relu"],  # every activation NetworkSettings offers
        ["cross_entropy", "squared_error"],
        [True, False],  # bias
        [1, 3],  # ensemble
        [True, False],  # reject
    )
)


@pytest.mark.slow  # 48 combinations, each trained and run through onnxruntime
@pytest.mark.parametrize(("activation", "loss", "bias", "ensemble", "reject"), COMBINATIONS)
def test_onnx_answers_as_check(
    activation: str, loss: str, bias: bool, ensemble: int, reject: bool
) -> None:
    antialias = ensemble == 3  # both grid kinds, across the combinations
    model = trained(
        activation=activation,
        loss=loss,
        bias=bias,
        ensemble=ensemble,
        reject=reject,
        antialias=antialias,
    )
    # What Check does here: this ensemble (cross-fitted: and the refit), reject class, a fitted
    # temperature.
    networks = ensemble + (1 if ensemble > 1 else 0)
    assert model.members == networks and model.background == reject and model.net.bias == bias
    assert model.net.sizes == [144, 6 * networks, 3 + reject]
    assert model.temperature != 1.0
    data = from_loaded(model)
    assert_same_as_check(model, data, grids(antialias))
    ops = [node.op_type for node in onnx.load_from_string(data).graph.node]
    assert ops.count("MatMul") == 2 and ops.count("Add") == (2 if bias else 0)
    assert ("Gather" in ops) == reject and ops[-2:] == ["Div", "Softmax"]


@pytest.mark.parametrize(
    "network",
    [
        {"hidden_layers": [], "ensemble": 3},  # no hidden layer: the members' outputs averaged
        {"hidden_layers": [5, 4], "activation": "tanh", "ensemble": 2},
        {"preset": "classic", "hidden_layers": [8]},  # squared error, no bias, binary grids
    ],
)
def test_other_shapes_answer_as_check(network: dict[str, Any]) -> None:
    model = trained(**network)
    assert_same_as_check(model, from_loaded(model), grids(model.antialias))


def test_an_imported_network_with_any_engine_activation_answers_as_check() -> None:
    """A model file may mix hidden activations (linear too) and have large weights: PUT /model
    takes whatever Network.from_dict accepts."""
    rng = np.random.default_rng(7)
    net = Network(
        [144, 9, 7, 5, 4],
        hidden_activation=["relu", "linear", "sigmoid"],
        output_activation="softmax",
        rng=rng,
    )
    for w, b in zip(net.W, net.b, strict=True):
        w *= 3.0  # logits in the tens: float32 must still agree with Check's float64
        b[...] = rng.normal(0, 0.5, b.shape)
    document = {
        "format": "hwr-model/1",  # a file of version 1 from elsewhere: no settings, no version
        **net.to_dict(),
        "labels": ["a", "b", "c"],
        "grid_size": 12,
        "background": True,
        "calibration": {"temperature": 0.37},
    }
    model = recognizer_of(document)
    assert_same_as_check(model, from_loaded(model), grids(False))


def test_every_hidden_activation_of_the_engine_is_exported() -> None:
    """softmax is only ever an output activation, and Check never applies the output one."""
    assert set(ACTIVATIONS) - {"softmax"} == set(HIDDEN_OPS)


def test_the_model_describes_itself() -> None:
    model = trained(reject=True, ensemble=3, antialias=True)
    proto = onnx.load_from_string(from_loaded(model, "letters"))
    onnx.checker.check_model(proto, full_check=True)
    assert proto.producer_name == "hwr" and proto.producer_version
    assert "grid" in proto.doc_string and "unknown" in proto.doc_string
    assert proto.graph.name == "letters"
    assert [(o.domain, o.version) for o in proto.opset_import] == [("", OPSET)]
    assert OPSET >= 13
    meta = {p.key: p.value for p in proto.metadata_props}
    assert json.loads(meta["labels"]) == LABELS
    assert json.loads(meta["grid_size"]) == 12
    assert json.loads(meta["antialias"]) is True
    assert json.loads(meta["temperature"]) == pytest.approx(model.temperature)
    assert json.loads(meta["members"]) == 4 and json.loads(meta["background"]) is True
    # Names, types and the dynamic batch, as onnxruntime sees them.
    session = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    (grid,), (confidences,) = session.get_inputs(), session.get_outputs()
    assert (grid.name, grid.type, grid.shape) == ("grid", "tensor(float)", ["N", 144])
    assert (confidences.name, confidences.type) == ("confidences", "tensor(float)")
    assert confidences.shape == ["N", 3]
    assert session.get_modelmeta().custom_metadata_map["labels"] == meta["labels"]
    X = grids(True, 40)
    whole = run_onnx(proto.SerializeToString(), X)
    for n in (1, 7, 40):
        part = session.run(None, {"grid": X[:n]})[0]
        assert part.shape == (n, 3)
        np.testing.assert_allclose(part, whole[:n], atol=1e-7)
    np.testing.assert_allclose(whole.sum(axis=1), 1.0, atol=1e-6)


def test_labels_in_any_script_survive_the_metadata() -> None:
    model = trained(hidden_layers=[4], ensemble=1, reject=False)
    model = Recognizer(model.net, ["ä", "あ", '"q"'], 12)
    meta = {p.key: p.value for p in onnx.load_from_string(from_loaded(model)).metadata_props}
    assert json.loads(meta["labels"]) == ["ä", "あ", '"q"']


def test_an_activation_the_export_does_not_know_is_refused() -> None:
    """Every network the engine builds is expressible (the test above), so the refusal is tested
    on a network given an activation that neither the engine nor the export knows."""
    model = trained(activation="tanh", ensemble=1)
    model.net.activations[0] = "swish"
    with pytest.raises(ExportError, match="hidden layer 1 has the activation 'swish'"):
        from_loaded(model)
    assert issubclass(ExportError, ValueError)  # the routes answer ValueError with 422


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"temperature": 0.0}, "temperature"),
        ({"temperature": float("nan")}, "temperature"),
        ({"labels": ["L", "O"]}, "3 outputs for 2 labels"),
        ({"grid_size": 10}, "144 inputs for 100 grid cells"),
        ({"background": True}, "3 outputs for 3 labels and the background"),
    ],
)
def test_inconsistent_models_are_refused(change: dict[str, Any], message: str) -> None:
    model = trained(ensemble=1, reject=False)
    args: dict[str, Any] = {
        "labels": model.labels,
        "grid_size": 12,
        "temperature": model.temperature,
        "background": False,
        **change,
    }
    labels, grid_size = args.pop("labels"), args.pop("grid_size")
    with pytest.raises(ExportError, match=message):
        to_onnx(model.net, labels, grid_size, **args)


def test_weights_beyond_float32_are_refused() -> None:
    model = trained(ensemble=1)
    model.net.W[1][0, 0] = 1e300
    with pytest.raises(ExportError, match="W1 has weights beyond float32"):
        from_loaded(model)
