"""Import and export of datasets and models."""

import copy

import numpy as np
from fastapi.testclient import TestClient

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
    # An ensemble of 3 (the default) is one network with 3 x 144 hidden units.
    assert [np.shape(layer["weights"]) for layer in doc["layers"]] == [(144, 432), (432, 4)]
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
