"""End to end through the API: jittered drawings of 5 letters, train, check unseen drawings."""

import numpy as np
from fastapi.testclient import TestClient

from app.synth import draw
from tests.api.conftest import add_drawings, train_until_done

LETTERS = ["L", "O", "X", "T", "Z"]


def test_learns_unseen_drawings(client: TestClient) -> None:
    add_drawings(client, LETTERS, 10, seed=11)
    status = train_until_done(client, {"target_mse": 0.01, "max_iterations": 3000})
    assert status["state"] == "finished"
    rng = np.random.default_rng(2024)  # drawings the network never saw
    correct = 0
    trials = 0
    for label in LETTERS:
        for _ in range(20):
            r = client.post("/api/recognizers/default/check", json={"strokes": draw(label, rng)})
            correct += r.json()["label"] == label
            trials += 1
    accuracy = correct / trials
    assert accuracy >= 0.9, accuracy
