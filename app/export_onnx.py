"""A trained model as ONNX: the 144-cell grid in, Check's confidences out (numpy and onnx only).

The graph is Check's arithmetic (`app.recognizer.Recognizer.confidences`), op for op:

    grid (N, cells) -> [MatMul W[i] -> Add b[i] (with a bias) -> hidden activation] per hidden
    layer -> MatMul W[-1] -> Add b[-1]: the output layer's pre-activations (N, outputs)
    -> Gather the labels' outputs (only with the hidden background "none of these" output,
    which Check leaves out) -> Div by the fitted temperature -> Softmax -> confidences (N, k)

An ensemble is already one network (block-diagonal weights, output weights averaged:
`app.nn.ensemble`), so it exports as that one network. The output activation (sigmoid for
squared error, softmax for cross-entropy) is not in the graph because Check does not apply it:
it takes the softmax of the pre-activations over the temperature. Weights and arithmetic are
float32 (Check computes in float64: they agree to about 1e-7; the tests hold them to 1e-5).
Not exported: Check's `unknown` (the background output winning, the distance to the training
drawings, the confidence floor).
"""

import json
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from app import __version__
from app.nn.activations import ACTIVATIONS, HIDDEN
from app.nn.network import Network

if TYPE_CHECKING:
    from app.recognizer import Recognizer

OPSET = 13
INPUT = "grid"
OUTPUT = "confidences"
PRODUCER = "hwr"
# Each hidden activation of the engine and the ONNX op computing it (None: the identity, no
# node). softmax is only ever an output activation (Network refuses it in a hidden layer), and
# the output activation is never applied (see above).
HIDDEN_OPS: dict[str, str | None] = {name: ACTIVATIONS[name].onnx for name in HIDDEN}


class ExportError(ValueError):
    """A network the ONNX export cannot express; the message says why."""


def to_onnx(
    net: Network,
    labels: Sequence[str],
    grid_size: int,
    *,
    temperature: float = 1.0,
    background: bool = False,
    antialias: bool = False,
    members: int = 1,
    name: str = "recognizer",
) -> onnx.ModelProto:
    """The checked ONNX model computing Check's confidences of `net`; ExportError otherwise.

    `labels` name the outputs in order; with `background` the network has one more output,
    last. `antialias` and `members` are only recorded in the metadata.
    """
    n, cells = len(labels), grid_size * grid_size
    _refuse_what_check_would_not_compute(net, n, cells, temperature, background)
    nodes, weights = _nodes(net, n, temperature, background)
    graph = helper.make_graph(
        nodes,
        name,
        [helper.make_tensor_value_info(INPUT, TensorProto.FLOAT, ["N", cells])],
        [helper.make_tensor_value_info(OUTPUT, TensorProto.FLOAT, ["N", n])],
        initializer=weights,
        doc_string=f"{cells} grid cells in [0, 1] (row-major, top row first) -> {n} confidences",
    )
    opsets = [helper.make_opsetid("", OPSET)]
    model = helper.make_model(
        graph,
        opset_imports=opsets,
        ir_version=helper.find_min_ir_version_for(opsets),  # loads in older runtimes too
        producer_name=PRODUCER,
        producer_version=__version__,
        doc_string=_doc(name, labels, grid_size, antialias),
    )
    props: dict[str, Any] = {
        "labels": labels,
        "grid_size": grid_size,
        "antialias": antialias,
        "temperature": temperature,
        "members": members,
        "background": background,
    }
    helper.set_model_props(model, {k: json.dumps(v, ensure_ascii=False) for k, v in props.items()})
    onnx.checker.check_model(model, full_check=True)
    return model


def _nodes(
    net: Network, n: int, temperature: float, background: bool
) -> tuple[list[onnx.NodeProto], list[onnx.TensorProto]]:
    """The graph's nodes, in order, and its weights: the network's layers as Network.forward
    computes them up to the output's pre-activation, then Check's arithmetic."""
    nodes: list[onnx.NodeProto] = []
    weights: list[onnx.TensorProto] = []
    x = INPUT
    for i, (W, b, activation) in enumerate(net.layers(logits=True)):
        weights.append(numpy_helper.from_array(_float32(W, f"W{i}"), f"W{i}"))
        nodes.append(helper.make_node("MatMul", [x, f"W{i}"], [f"matmul{i}"], name=f"matmul{i}"))
        x = f"matmul{i}"
        if b is not None:
            weights.append(numpy_helper.from_array(_float32(b, f"b{i}"), f"b{i}"))
            nodes.append(helper.make_node("Add", [x, f"b{i}"], [f"z{i}"], name=f"add{i}"))
            x = f"z{i}"
        op = None if activation is None else HIDDEN_OPS[activation]
        if op is not None:
            nodes.append(helper.make_node(op, [x], [f"a{i}"], name=f"{op.lower()}{i}"))
            x = f"a{i}"
    if background:  # the labels' outputs only: the hidden "none of these" output is last
        weights.append(numpy_helper.from_array(np.arange(n, dtype=np.int64), "label_outputs"))
        nodes.append(
            helper.make_node("Gather", [x, "label_outputs"], ["labels_z"], name="labels", axis=1)
        )
        x = "labels_z"
    weights.append(numpy_helper.from_array(np.array(temperature, np.float32), "temperature"))
    nodes.append(helper.make_node("Div", [x, "temperature"], ["scaled"], name="temperature"))
    nodes.append(helper.make_node("Softmax", ["scaled"], [OUTPUT], name="softmax", axis=-1))
    return nodes, weights


def from_loaded(model: "Recognizer", name: str = "recognizer") -> bytes:
    """The serialised ONNX model of a model Check uses (app.recognizer.Recognizer)."""
    proto = to_onnx(
        model.net,
        model.labels,
        model.grid_size,
        temperature=model.temperature,
        background=model.background,
        antialias=model.antialias,
        members=model.members,
        name=name,
    )
    data: bytes = proto.SerializeToString()
    return data


def _refuse_what_check_would_not_compute(
    net: Network, n: int, cells: int, temperature: float, background: bool
) -> None:
    for i, activation in enumerate(net.activations[:-1]):
        if activation not in HIDDEN_OPS:
            raise ExportError(
                f"cannot export to ONNX: hidden layer {i + 1} has the activation {activation!r}, "
                f"which the export does not know (known: {', '.join(sorted(HIDDEN_OPS))})"
            )
    if n < 1:
        raise ExportError("cannot export to ONNX: the model has no labels")
    if net.sizes[0] != cells:
        raise ExportError(f"cannot export to ONNX: {net.sizes[0]} inputs for {cells} grid cells")
    if net.sizes[-1] != n + (1 if background else 0):
        raise ExportError(
            f"cannot export to ONNX: {net.sizes[-1]} outputs for {n} labels"
            + (" and the background output" if background else "")
        )
    if not (math.isfinite(temperature) and temperature > 0):
        raise ExportError(f"cannot export to ONNX: the temperature {temperature} is not > 0")


def _float32(array: np.ndarray[Any, Any], what: str) -> np.ndarray[Any, np.dtype[np.float32]]:
    """array as float32, or ExportError when a weight does not fit in float32."""
    with np.errstate(over="ignore"):
        out = np.ascontiguousarray(array, dtype=np.float32)
    if not np.isfinite(out).all():
        raise ExportError(f"cannot export to ONNX: {what} has weights beyond float32's range")
    return out


def _doc(name: str, labels: Sequence[str], grid_size: int, antialias: bool) -> str:
    cells = grid_size * grid_size
    return (
        f"hwr recognizer {name!r}. Input `grid`: float32 (N, {cells}), the {grid_size}x"
        f"{grid_size} grid of each drawing, row-major, top row first, values in [0, 1], as "
        f"POST /api/rasterize makes it from strokes (antialias={str(antialias).lower()}); "
        f"not strokes. Output `confidences`: float32 (N, {len(labels)}), the probability of "
        "each label in the order of the metadata `labels` (a JSON list), equal to Check's "
        "confidences. Check's `unknown` (none of the labels) is not part of this model."
    )
