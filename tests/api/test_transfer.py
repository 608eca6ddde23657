"""Import and export of datasets and models."""

import copy
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.network_settings import NetworkSettings
from app.synth import draw
from tests.api.conftest import train_until_done


def test_dataset_round_trip_merges(client: TestClient, alphabet: list[int]) -> None:
    doc = client.get("/api/recognizers/default/dataset").json()
    assert doc["format"] == "hwr-dataset/1"
    assert doc["grid_size"] == 12
    assert len(doc["samples"]) == 18
    assert doc["samples"][0]["label"] == "L"
    client.post("/api/recognizers", json={"name": "copy"})
    r = client.post("/api/recognizers/copy/dataset", json=doc)
    assert r.status_code == 200
    assert r.json() == {"added": 18, "labels": {"L": 6, "O": 6, "X": 6}, "skipped": 0}
    a = client.get("/api/recognizers/default/samples").json()
    b = client.get("/api/recognizers/copy/samples").json()
    assert [s["grid"] for s in a] == [s["grid"] for s in b]
    # Merge: a second import adds only what is new (here nothing: exact duplicates).
    assert client.post("/api/recognizers/copy/dataset", json=doc).json()["skipped"] == 18


def test_bad_dataset_changes_nothing(client: TestClient, alphabet: list[int]) -> None:
    good = {"label": "a", "strokes": [[[0, 0]]]}
    for doc in (
        {"format": "other", "samples": []},
        {"format": "hwr-dataset/1", "samples": [good, {"label": "", "strokes": []}]},
        {"format": "hwr-dataset/1", "samples": [good, {"label": "b", "strokes": [[[1e9, 0]]]}]},
        {"format": "hwr-dataset/1", "samples": "nope"},
    ):
        r = client.post("/api/recognizers/default/dataset", json=doc)
        assert r.status_code == 422, doc
    assert len(client.get("/api/recognizers/default/samples").json()) == 18


def test_model_export_import_gives_identical_answers(
    client: TestClient, alphabet: list[int]
) -> None:
    assert client.get("/api/recognizers/default/model").status_code == 409
    train_until_done(
        client, {"target_mse": 0.05, "max_iterations": 3000, "network": {"learning_rate": 0.2}}
    )
    doc = client.get("/api/recognizers/default/model").json()
    assert doc["format"] == "hwr-model/1"
    assert doc["labels"] == ["L", "O", "X"]
    assert doc["grid_size"] == 12
    # Three labels and the hidden "none of these" output of the default `reject` setting.
    assert doc["background"] is True
    # An ensemble of 3 cross-fitted and the refit (the default) is one network of 4 x 144 units.
    assert [np.shape(layer["weights"]) for layer in doc["layers"]] == [(144, 576), (576, 4)]
    client.post("/api/recognizers", json={"name": "imported"})
    r = client.put("/api/recognizers/imported/model", json=doc)
    assert r.status_code == 200
    assert r.json()["model"]["trained"] is True
    assert r.json()["model"]["labels"] == ["L", "O", "X"]
    # The imported model shows its passes and MSE, and brings its learning settings.
    assert r.json()["model"]["iterations"] == doc["iterations"] > 0
    assert r.json()["model"]["mse"] == doc["mse"]
    assert r.json()["network"] == doc["network"]["settings"]
    assert r.json()["network"]["learning_rate"] == 0.2  # not the new recognizer's 0.3
    strokes = draw("O", np.random.default_rng(5))
    a = client.post("/api/recognizers/default/check", json={"strokes": strokes}).json()
    b = client.post("/api/recognizers/imported/check", json={"strokes": strokes}).json()
    assert a == b


def test_the_weight_decay_a_model_was_trained_with_survives_export_and_import(
    client: TestClient, alphabet: list[int]
) -> None:
    network = {"weight_decay": 0.005, "hidden_layers": [6], "ensemble": 1}
    train_until_done(client, {"max_iterations": 5, "target_mse": 0, "network": network})
    doc = client.get("/api/recognizers/default/model").json()
    assert doc["network"]["settings"]["weight_decay"] == 0.005
    client.post("/api/recognizers", json={"name": "imported"})
    r = client.put("/api/recognizers/imported/model", json=doc)
    assert r.status_code == 200
    assert r.json()["network"]["weight_decay"] == 0.005
    again = client.get("/api/recognizers/imported/model").json()
    assert again["network"]["settings"]["weight_decay"] == 0.005


def test_bad_model_imports_are_422(client: TestClient, alphabet: list[int]) -> None:
    train_until_done(client, {"target_mse": 0, "max_iterations": 2})
    good = client.get("/api/recognizers/default/model").json()
    client.post("/api/recognizers", json={"name": "target"})

    def broken(change: object) -> dict:
        doc = copy.deepcopy(good)
        change(doc)  # type: ignore[operator]
        return doc

    cases = [
        broken(lambda d: d["layers"][0]["weights"].pop()),  # wrong shape
        broken(lambda d: d["layers"][1]["weights"][0].append(0.0)),
        broken(lambda d: d.update(labels=["L", "O"])),  # outputs != labels
        broken(lambda d: d.update(labels=["L", "L", "X"])),  # duplicates
        broken(lambda d: d.update(grid_size=16)),
        broken(lambda d: d["network"].update(activations=["softmax", "sigmoid"])),
        # A network no setting describes (settings have no linear hidden layer): not a 500.
        broken(lambda d: d["network"]["activations"].__setitem__(0, "linear")),
        broken(lambda d: d.update(format="hwr-model/9")),
        broken(lambda d: d.pop("layers")),
    ]
    for doc in cases:
        r = client.put("/api/recognizers/target/model", json=doc)
        assert r.status_code == 422, r.text
    nan = client.put(
        "/api/recognizers/target/model",
        content=b'{"format": "hwr-model/1", "labels": ["a", "b"], "grid_size": 12, '
        b'"network": {}, "layers": [{"weights": [[NaN]]}]}',
        headers={"content-type": "application/json"},
    )
    assert nan.status_code == 422
    assert client.get("/api/recognizers/target").json()["model"]["trained"] is False


# Model documents exactly as hwr stored them before documents had a version (captured from the
# API of main at 1ce7b98, hidden layers kept small), with Check's answers to three drawings.
BEFORE = json.loads((Path(__file__).parent / "models_before_versions.json").read_text())
V1_0_SETTINGS = (  # the settings hwr 1.0 had; its files have no other part than these
    *("preset", "hidden_layers", "activation", "learning_rate", "momentum"),
    *("bias", "seed", "mode", "batch_size", "shuffle"),
)


def same_answer(got: dict[str, Any], expected: dict[str, Any]) -> None:
    """Check's answer, to the last bits a different BLAS call may change."""
    assert got["label"] == expected["label"] and got["unknown"] == expected["unknown"]
    assert [c["label"] for c in got["confidences"]] == [c["label"] for c in expected["confidences"]]
    np.testing.assert_allclose(
        [c["confidence"] for c in got["confidences"]],
        [c["confidence"] for c in expected["confidences"]],
        rtol=1e-12,
    )
    assert got["grid"] == expected["grid"]


@pytest.mark.parametrize("kind", ["defaults", "classic"])
def test_a_model_stored_before_versions_loads_and_answers_as_before(
    client: TestClient, kind: str
) -> None:
    stored = BEFORE[kind]["document"]
    store = client.app.state.store  # type: ignore[attr-defined]
    revision = store.get_recognizer("default").revision
    store.save_model(
        "default", stored, stored["labels"], stored["iterations"], stored["mse"], revision
    )
    for check in BEFORE[kind]["checks"]:
        r = client.post("/api/recognizers/default/check", json={"strokes": check["strokes"]})
        assert r.status_code == 200, r.text
        same_answer(r.json(), check["answer"])
    members = stored["network"]["settings"]["ensemble"]
    assert client.get("/api/recognizers/default/network").json()["members"] == members
    # Exported in the current version: the same document, its version, and the settings added
    # since at the values the model trained with: no weight decay, no cross-fitting.
    exported = client.get("/api/recognizers/default/model").json()
    settings = {
        **NetworkSettings().model_dump(),
        "cross_fit": False,
        **stored["network"]["settings"],
    }
    assert exported == {
        **stored,
        "version": 3,
        "folds": None,
        "network": {**stored["network"], "settings": settings},
    }
    # ... which imports back, and answers the same.
    client.post("/api/recognizers", json={"name": "copy"})
    assert client.put("/api/recognizers/copy/model", json=exported).status_code == 200
    check = BEFORE[kind]["checks"][0]
    r = client.post("/api/recognizers/copy/check", json={"strokes": check["strokes"]})
    same_answer(r.json(), check["answer"])


def test_a_file_of_hwr_1_0_imports_with_the_meaning_it_had(client: TestClient) -> None:
    """hwr 1.0 wrote the format, labels, grid size, network and layers, and 10 settings: what
    came later reads as absent then (one network, squared error, no hold-out, binary grids)."""
    stored = BEFORE["classic"]["document"]
    network = {**stored["network"]}
    network["settings"] = {key: network["settings"][key] for key in V1_0_SETTINGS}
    old = {key: stored[key] for key in ("format", "labels", "grid_size", "layers")}
    old["network"] = network
    client.post("/api/recognizers", json={"name": "old"})
    r = client.put("/api/recognizers/old/model", json=old)
    assert r.status_code == 200, r.text
    # classic, 8 units, seed 3; and what came after 1.0 as the original had it (no decay)
    assert r.json()["network"] == {
        **stored["network"]["settings"],
        "weight_decay": 0.0,
        "cross_fit": False,
    }
    assert r.json()["model"]["iterations"] == 0 and r.json()["model"]["mse"] is None
    for check in BEFORE["classic"]["checks"]:  # temperature 1 in both; no "unknown" either way
        r = client.post("/api/recognizers/old/check", json={"strokes": check["strokes"]})
        same_answer(r.json(), check["answer"])
    exported = client.get("/api/recognizers/old/model").json()
    assert exported["version"] == 3
    assert exported["grid"] == {"antialias": False}
    assert exported["calibration"] == {"temperature": 1.0}
    assert (exported["open_set"], exported["validation"], exported["history"]) == (None, None, [])
    assert exported["background"] is False


def test_a_document_of_an_unknown_version_is_refused(client: TestClient) -> None:
    newer = {**BEFORE["classic"]["document"], "version": 4}
    client.post("/api/recognizers", json={"name": "target"})
    r = client.put("/api/recognizers/target/model", json=newer)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "version"]
    assert client.get("/api/recognizers/target").json()["model"]["trained"] is False
