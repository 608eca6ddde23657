"""The network view's data: snapshots of the weights (live and of the model), and Check's path."""

import json
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app import synth
from app.nn.network import Network
from app.routes.network import _sent_once
from app.snapshot import SNAPSHOT_INTERVAL_S, decode, encode
from tests.api.conftest import add_drawings, train_until_done
from tests.helpers import wait_for

R = "/api/recognizers/default"


def test_encoding_keeps_the_weights_to_8_bits() -> None:
    W = np.random.default_rng(0).normal(size=(144, 11)).astype(np.float32)
    layer = encode(W, np.zeros(11))
    assert layer["shape"] == [144, 11] and len(layer["weights"]) <= 4 * 144 * 11 / 3 + 4
    assert np.abs(decode(layer) - W).max() <= layer["scale"] / 254 + 1e-6


def test_no_snapshot_without_a_model_or_training(client: TestClient) -> None:
    assert client.get(f"{R}/network").status_code == 409
    assert client.get("/api/recognizers/nope/network").status_code == 404


def test_the_models_snapshot_is_its_first_members_weights(client: TestClient) -> None:
    add_drawings(client, ["L", "O", "X"], 6)
    train_until_done(client, {"max_iterations": 5, "target_mse": 0})
    shot = client.get(f"{R}/network").json()
    # The defaults: 3 cross-fitted members and the refit, merged.
    assert shot["source"] == "model" and shot["members"] == 4 and shot["member"] == 0
    assert shot["sizes"] == [144, 144, 4] and shot["background"] is True
    assert shot["labels"] == ["L", "O", "X"] and shot["activations"] == ["sigmoid", "softmax"]
    merged = Network.from_dict(client.get(f"{R}/model").json())
    for member in range(4):
        layers = client.get(f"{R}/network?member={member}").json()["layers"]
        cols = slice(144 * member, 144 * (member + 1))
        # Hidden unit j's 12x12 map is column j of the first layer: the member's own block.
        first = decode(layers[0])
        assert np.abs(first - merged.W[0][:, cols]).max() <= layers[0]["scale"] / 254 + 1e-6
        second = decode(layers[1])
        assert np.abs(second - 4 * merged.W[1][cols, :]).max() <= layers[1]["scale"] / 200
    assert client.get(f"{R}/network?member=4").status_code == 422


def test_live_snapshots_change_while_it_trains_and_are_rate_limited(client: TestClient) -> None:
    add_drawings(client, ["L", "O", "X"], 6)
    body = {"max_iterations": 10**7, "target_mse": 0, "network": {"patience": 0}}
    assert client.post(f"{R}/training", json=body).status_code == 202
    seen: list[tuple[float, int]] = []

    def three_snapshots() -> bool:
        answer = client.get(f"{R}/network")
        if answer.status_code == 409:  # the training process is still starting
            return False
        shot = answer.json()
        assert shot["source"] == "training"
        if not seen or shot["iteration"] != seen[-1][1]:
            seen.append((time.monotonic(), shot["iteration"]))
        return len(seen) >= 3  # it changes while training runs

    wait_for(three_snapshots, timeout=60, interval=0.01)  # polling faster than snapshots come
    client.delete(f"{R}/training")
    assert [i for _, i in seen] == sorted(i for _, i in seen)
    # At most one new snapshot per SNAPSHOT_INTERVAL_S, however fast it was polled.
    assert len(seen) <= (seen[-1][0] - seen[0][0]) / SNAPSHOT_INTERVAL_S + 2


def test_nobody_watching_means_no_snapshots(client: TestClient) -> None:
    add_drawings(client, ["L", "O", "X"], 6)
    body = {"max_iterations": 10**7, "target_mse": 0, "network": {"patience": 0}}
    client.post(f"{R}/training", json=body)
    trainer = client.app.state.trainer  # type: ignore[attr-defined]
    wait_for(lambda: client.get(f"{R}/training").json()["iterations"] > 20)
    job = trainer._jobs["default"]
    assert job.snapshot is None and not job.watch.is_set()
    client.delete(f"{R}/training")


def test_check_returns_the_drawings_path_through_a_member(client: TestClient) -> None:
    add_drawings(client, ["L", "O", "X"], 6)
    train_until_done(client, {"max_iterations": 20, "target_mse": 0})
    strokes = synth.draw("O", np.random.default_rng(3))
    plain = client.post(f"{R}/check", json={"strokes": strokes}).json()
    assert plain["activations"] is None
    answer: dict[str, Any] = client.post(
        f"{R}/check", json={"strokes": strokes, "activations": True}
    ).json()
    path = answer["activations"]
    assert path["member"] == 0 and len(path["layers"]) == 1 and len(path["layers"][0]) == 144
    assert len(path["outputs"]) == 4 and sum(path["outputs"]) == pytest.approx(1, abs=1e-4)
    merged = Network.from_dict(client.get(f"{R}/model").json())
    grid = np.array(answer["grid"])
    hidden = merged.forward(grid[None, :])[1][0][:144]  # member 0's units in the merged net
    np.testing.assert_allclose(path["layers"][0], hidden, atol=1e-4)
    third = client.post(
        f"{R}/check", json={"strokes": strokes, "activations": True, "member": 2}
    ).json()["activations"]
    assert third["member"] == 2
    np.testing.assert_allclose(
        third["layers"][0], merged.forward(grid[None, :])[1][0][288:432], atol=1e-4
    )
    body = {"strokes": strokes, "activations": True, "member": 4}
    assert client.post(f"{R}/check", json=body).status_code == 422


def test_a_live_snapshot_is_made_once_for_all_its_viewers() -> None:
    """The JSON of one snapshot (job, iteration) of a running training is made by the first
    viewer that asks; the next snapshot is made anew."""
    made: list[int] = []

    def make(iteration: int) -> Callable[[], dict[str, Any]]:
        def snapshot() -> dict[str, Any]:
            made.append(iteration)
            return {"iteration": iteration, "w": [0.5]}

        return snapshot

    def body(iteration: int, job: int = 1) -> dict[str, Any]:
        live = {"job": job, "iteration": iteration}
        answer = _sent_once("viewed", 0, live, make(iteration))
        return dict(json.loads(answer.body))

    assert body(3) == body(3) == {"iteration": 3, "w": [0.5]}
    assert made == [3]
    assert body(4)["iteration"] == 4 and made == [3, 4]
    assert body(4, job=2)["iteration"] == 4 and made == [3, 4, 4]  # another training
