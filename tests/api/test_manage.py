"""Managing samples and recognizers: move a sample, rename or delete a label, rename a
recognizer, import without duplicates."""

from urllib.parse import quote

import numpy as np
from fastapi.testclient import TestClient

from app import synth
from tests.api.conftest import add_drawings, train_until_done

R = "/api/recognizers/default"


def labels(client: TestClient, name: str = "default") -> dict[str, int]:
    return {
        x["label"]: x["samples"] for x in client.get(f"/api/recognizers/{name}").json()["labels"]
    }


def test_move_a_mislabelled_sample(client: TestClient) -> None:
    ids = add_drawings(client, ["L", "O"], 3)
    r = client.patch(f"{R}/samples/{ids[0]}", json={"label": "O"})
    assert r.status_code == 200 and r.json()["label"] == "O" and r.json()["id"] == ids[0]
    assert labels(client) == {"L": 2, "O": 4}
    assert client.patch(f"{R}/samples/999999", json={"label": "O"}).status_code == 404
    assert client.patch(f"{R}/samples/{ids[1]}", json={"label": "  "}).status_code == 422
    assert client.patch(f"{R}/samples/{ids[1]}", json={"label": "O", "x": 1}).status_code == 422


def test_rename_merge_and_delete_a_label(client: TestClient) -> None:
    add_drawings(client, ["L", "O", "X"], 2)
    r = client.patch(f"{R}/labels/L", json={"label": "1/2"})
    assert r.status_code == 200 and r.json() == {"label": "1/2", "samples": 2}
    r = client.patch(f"{R}/labels/{quote('1/2', safe='')}", json={"label": "O"})
    assert r.json() == {"label": "O", "samples": 4}  # merged into O
    assert labels(client) == {"O": 4, "X": 2}
    assert client.patch(f"{R}/labels/nope", json={"label": "A"}).status_code == 404
    r = client.delete(f"{R}/labels/X")
    assert r.status_code == 200 and r.json() == {"label": "X", "samples": 2}
    assert labels(client) == {"O": 4}
    assert client.delete(f"{R}/labels/X").status_code == 404
    assert client.delete("/api/recognizers/nope/labels/X").status_code == 404


def test_a_changed_label_makes_the_model_stale(client: TestClient) -> None:
    add_drawings(client, ["L", "O", "X"], 6)
    train_until_done(client, {"max_iterations": 3, "target_mse": 0})
    client.patch(f"{R}/labels/X", json={"label": "Y"})
    strokes = synth.draw("X", np.random.default_rng(1))
    answer = client.post(f"{R}/check", json={"strokes": strokes}).json()
    assert answer["stale"] is True and answer["missing_labels"] == ["Y"]


def test_rename_a_recognizer(client: TestClient) -> None:
    add_drawings(client, ["L", "O", "X"], 6)
    train_until_done(client, {"max_iterations": 3, "target_mse": 0})
    client.post("/api/recognizers", json={"name": "taken"})
    assert client.patch(R, json={"name": "taken"}).status_code == 409
    assert client.patch(R, json={"name": "Bad Name"}).status_code == 422
    assert client.patch("/api/recognizers/nope", json={"name": "x"}).status_code == 404
    r = client.patch(R, json={"name": "letters"})
    assert r.status_code == 200 and r.json()["name"] == "letters"
    assert r.json()["model"]["trained"] is True and r.json()["samples"] == 18
    assert client.get(R).status_code == 404
    strokes = synth.draw("O", np.random.default_rng(2))
    assert (
        client.post("/api/recognizers/letters/check", json={"strokes": strokes}).status_code == 200
    )


def test_no_rename_while_training(client: TestClient) -> None:
    add_drawings(client, ["L", "O"], 3)
    body = {"max_iterations": 10**7, "target_mse": 0, "network": {"patience": 0}}
    assert client.post(f"{R}/training", json=body).status_code == 202
    assert client.patch(R, json={"name": "other"}).status_code == 409
    client.delete(f"{R}/training")


def test_importing_a_dataset_twice_adds_nothing_the_second_time(client: TestClient) -> None:
    add_drawings(client, ["L", "O"], 3)
    doc = client.get(f"{R}/dataset").json()
    r = client.post(f"{R}/dataset", json=doc)
    assert r.json() == {"added": 0, "labels": {}, "skipped": 6}
    doc["samples"].append({"label": "X", "strokes": [[[0, 0], [5, 5]]]})
    r = client.post(f"{R}/dataset", json=doc)
    assert r.json() == {"added": 1, "labels": {"X": 1}, "skipped": 6}
    assert labels(client) == {"L": 3, "O": 3, "X": 1}


def test_a_model_file_given_to_the_dataset_import_says_so(client: TestClient) -> None:
    add_drawings(client, ["L", "O"], 3)
    train_until_done(client, {"max_iterations": 2, "target_mse": 0})
    model = client.get(f"{R}/model").json()
    r = client.post(f"{R}/dataset", json=model)
    assert r.status_code == 422
    assert "this is a model file" in r.text and "Import model" in r.text
