"""Helpers for API tests: post synthetic drawings, train and wait."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.synth import dataset
from tests.helpers import wait_for

# The states a training ends in (docs/api.md): queued, running and stopping are on the way.
FINAL = ("finished", "stopped", "failed")


def add_drawings(
    client: TestClient,
    labels: list[str],
    per_label: int,
    seed: int = 1,
    recognizer: str = "default",
) -> list[int]:
    ids = []
    for label, strokes in dataset(labels, per_label, seed):
        r = client.post(
            f"/api/recognizers/{recognizer}/samples", json={"label": label, "strokes": strokes}
        )
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    return ids


def train_until_done(
    client: TestClient,
    body: dict[str, Any] | None = None,
    recognizer: str = "default",
    timeout: float = 60,
) -> dict[str, Any]:
    """Start a training and wait until it has ended; its final status."""
    r = client.post(f"/api/recognizers/{recognizer}/training", json=body)
    assert r.status_code == 202, r.text

    def finished() -> dict[str, Any] | None:
        status = client.get(f"/api/recognizers/{recognizer}/training").json()
        return status if status["state"] in FINAL else None

    return wait_for(finished, timeout)


@pytest.fixture
def alphabet(client: TestClient) -> list[int]:
    """Three well-separated letters, 6 drawings each, in the default recognizer."""
    return add_drawings(client, ["L", "O", "X"], 6)
