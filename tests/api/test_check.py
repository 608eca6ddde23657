"""Check: before training, after training, on a stale model; and rasterize."""

import numpy as np
from fastapi.testclient import TestClient

from app.synth import draw
from tests.api.conftest import add_drawings, train_until_done


def test_check_before_training_is_409(client: TestClient) -> None:
    r = client.post("/api/recognizers/default/check", json={"strokes": [[[0, 0], [1, 1]]]})
    assert r.status_code == 409
    assert "train" in r.json()["detail"]


def test_check_answers_with_ranked_confidences(client: TestClient, alphabet: list[int]) -> None:
    train_until_done(client, {"target_mse": 0.02, "max_iterations": 5000})
    rng = np.random.default_rng(123)
    for label in ("L", "O", "X"):
        r = client.post("/api/recognizers/default/check", json={"strokes": draw(label, rng)})
        assert r.status_code == 200
        body = r.json()
        assert body["label"] == label
        confidences = body["confidences"]
        assert sorted(c["label"] for c in confidences) == ["L", "O", "X"]
        values = [c["confidence"] for c in confidences]
        assert values == sorted(values, reverse=True)
        assert all(0.0 <= v <= 1.0 for v in values)
        assert confidences[0]["label"] == label
        assert values[0] > 0.5
        assert len(body["grid"]) == 144


def test_stale_model_still_answers(client: TestClient, alphabet: list[int]) -> None:
    train_until_done(client, {"target_mse": 0, "max_iterations": 20})
    add_drawings(client, ["T"], 2)
    summary = client.get("/api/recognizers/default").json()
    assert summary["model"]["stale"] is True
    r = client.post("/api/recognizers/default/check", json={"strokes": [[[0, 0], [0, 10]]]})
    assert r.status_code == 200
    assert {c["label"] for c in r.json()["confidences"]} == {"L", "O", "X"}


def test_check_validation(client: TestClient) -> None:
    assert (
        client.post("/api/recognizers/nope/check", json={"strokes": [[[0, 0]]]}).status_code == 404
    )
    assert client.post("/api/recognizers/default/check", json={"strokes": []}).status_code == 422
    assert client.post("/api/recognizers/default/check", json={}).status_code == 422


def test_rasterize_grid_size(client: TestClient) -> None:
    body = {"strokes": [[[0, 0], [5, 5]]], "grid_size": 8, "antialias": False}
    r = client.post("/api/rasterize", json=body)
    assert r.status_code == 200
    grid = r.json()["grid"]
    assert len(grid) == 64
    assert [grid[i * 8 + i] for i in range(8)] == [1.0] * 8  # the diagonal
    assert sum(grid) == 8
    assert (
        client.post("/api/rasterize", json={"strokes": [[[0, 0]]], "grid_size": 1000}).status_code
        == 422
    )


def test_a_recreated_recognizer_does_not_answer_with_the_old_model(
    client: TestClient, alphabet: list[int]
) -> None:
    client.post("/api/recognizers", json={"name": "again"})
    doc = client.get("/api/recognizers/default/dataset").json()
    client.post("/api/recognizers/again/dataset", json=doc)
    train_until_done(client, {"target_mse": 0, "max_iterations": 3}, recognizer="again")
    strokes = {"strokes": [[[0, 0], [0, 10]]]}
    assert client.post("/api/recognizers/again/check", json=strokes).status_code == 200
    assert client.delete("/api/recognizers/again").status_code == 204
    assert client.post("/api/recognizers/again/check", json=strokes).status_code == 404
    client.post("/api/recognizers", json={"name": "again"})
    assert client.post("/api/recognizers/again/check", json=strokes).status_code == 409
