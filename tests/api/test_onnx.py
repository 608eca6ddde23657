"""GET /api/recognizers/{r}/model.onnx: the model as ONNX, equal to Check through the API."""

import json
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from fastapi.testclient import TestClient

from app import export_onnx, scribbles, synth
from tests.api.conftest import add_drawings, train_until_done

LABELS = ["L", "O", "X"]


def drawings(n: int, seed: int = 11) -> list[Any]:
    """Drawings of the labels, and generated scribbles (Check's "unknown" ones)."""
    rng = np.random.default_rng(seed)
    return [synth.draw(LABELS[i % 3], rng) for i in range(n - n // 4)] + scribbles.generate(
        n // 4, rng
    )


def test_no_model_is_404(client: TestClient) -> None:
    r = client.get("/api/recognizers/default/model.onnx")
    assert r.status_code == 404
    assert "no trained model" in r.json()["detail"]
    assert client.get("/api/recognizers/nobody/model.onnx").status_code == 404


@pytest.mark.parametrize(
    "network",
    [
        {"hidden_layers": [8]},  # the defaults: ensemble of 3, reject class, antialiased grids
        {"preset": "classic", "hidden_layers": [8]},  # sigmoid outputs, no bias, one network
        {"hidden_layers": [6], "activation": "relu", "ensemble": 2, "loss": "squared_error"},
    ],
)
def test_the_download_answers_as_check(client: TestClient, network: dict[str, Any]) -> None:
    add_drawings(client, LABELS, 5)
    train_until_done(client, {"network": network, "max_iterations": 5, "target_mse": 0})
    r = client.get("/api/recognizers/default/model.onnx")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/octet-stream"
    assert r.headers["content-disposition"] == 'attachment; filename="default.onnx"'
    proto = onnx.load_from_string(r.content)
    meta = {p.key: p.value for p in proto.metadata_props}
    assert json.loads(meta["labels"]) == LABELS and json.loads(meta["grid_size"]) == 12
    session = ort.InferenceSession(r.content, providers=["CPUExecutionProvider"])
    grids, expected = [], []
    for strokes in drawings(40):
        answer = client.post("/api/recognizers/default/check", json={"strokes": strokes}).json()
        grids.append(answer["grid"])
        ranked = {c["label"]: c["confidence"] for c in answer["confidences"]}
        expected.append([ranked[label] for label in LABELS])
        # The grid an outside program makes with /api/rasterize and the metadata's antialias.
        body = {"strokes": strokes, "antialias": json.loads(meta["antialias"])}
        assert client.post("/api/rasterize", json=body).json()["grid"] == answer["grid"]
    out = session.run(["confidences"], {"grid": np.array(grids, dtype=np.float32)})[0]
    assert out.shape == (40, 3)
    assert np.abs(out - np.array(expected)).max() <= 1e-5


def test_a_network_the_export_cannot_express_is_422(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every network the engine builds is expressible, so an export that forgot sigmoid stands
    in for one that cannot express a network: a clear 422, never a broken file."""
    add_drawings(client, LABELS, 5)
    train_until_done(client, {"network": {"hidden_layers": [4]}, "max_iterations": 2})
    monkeypatch.delitem(export_onnx.HIDDEN_OPS, "sigmoid")
    r = client.get("/api/recognizers/default/model.onnx")
    assert r.status_code == 422
    assert "activation 'sigmoid'" in r.json()["detail"]
