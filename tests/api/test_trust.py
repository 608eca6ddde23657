"""Recognition you can trust, through the API, on real handwriting (scikit-learn's digits traced
into strokes, `bench.digits`): cross-fitted validation, probabilities, "unknown", stale models."""

import math
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app import scribbles, synth
from app.config import Settings
from app.main import create_app
from app.open_set import UNKNOWN_REASONS
from bench import digits
from tests.helpers import local_client, wait_for

R = "/api/recognizers/default"


def train(client: TestClient, body: dict[str, Any] | None = None) -> dict[str, Any]:
    r = client.post(f"{R}/training", json=body or {})
    assert r.status_code == 202, r.text

    def ended() -> dict[str, Any] | None:
        status = client.get(f"{R}/training").json()
        return status if status["state"] in ("finished", "stopped", "failed") else None

    status = wait_for(ended, timeout=120, interval=0.05)
    assert status["state"] == "finished", status
    return status


def post(client: TestClient, items: list[tuple[str, Any]]) -> None:
    doc = {"format": "hwr-dataset/1", "samples": [{"label": k, "strokes": s} for k, s in items]}
    assert client.post(f"{R}/dataset", json=doc).status_code == 200


@pytest.fixture(scope="module")
def split() -> tuple[list[tuple[str, Any]], list[tuple[str, Any]]]:
    """20 drawings of each digit to train on, and 300 other real drawings never posted."""
    dev = digits.load("dev")
    chosen = digits.per_class_indices([label for label, _ in dev], 20, np.random.default_rng(3))
    rest = np.setdiff1d(np.arange(len(dev)), chosen)
    unseen = np.random.default_rng(4).choice(rest, size=300, replace=False)
    return [dev[i] for i in chosen], [dev[i] for i in unseen]


def test_real_digits_with_defaults(client: TestClient, split: Any, settings: Settings) -> None:
    training, unseen = split
    post(client, training)
    # Defaults (seeded, so the figures below are the same every run): the run must end by
    # itself, on validation, not on training MSE.
    status = train(client, {"network": {"seed": 5}})
    assert "stopped improving" in status["outcome"] and status["target_mse"] is None
    ids = {s["id"]: s["label"] for s in client.get(f"{R}/samples").json()}

    # Validation: every drawing answered out-of-fold; the confusion matrix sums to them all.
    v = status["validation"]
    assert v["samples"] == 200 and v["labels"] == [str(d) for d in range(10)]
    assert v["cross_fitted"] is True and status["validation_samples"] == 200
    confusion = np.array(v["confusion"])
    assert confusion.shape == (10, 10) and confusion.sum() == 200
    assert confusion.sum(axis=1).tolist() == [20] * 10
    assert v["accuracy"] == pytest.approx(np.trace(confusion) / 200)
    assert len(v["misclassified"]) == 200 - np.trace(confusion)
    assert set(v["misclassified"]) <= set(ids)
    held = v["held_out"]
    assert sorted(h["id"] for h in held) == sorted(ids)  # each drawing exactly once
    assert all(ids[h["id"]] == h["label"] for h in held)
    assert [h["id"] for h in held if h["label"] != h["recognised"]] == v["misclassified"]
    low, high = v["interval"]
    assert low < v["accuracy"] < high and 0.05 < high - low < 0.2
    assert status["validation_interval"] == [low, high]  # the last pass's, kept
    assert status["validation_note"] is None
    assert status["history"][-1]["validation_accuracy"] is not None

    # Check on 300 real drawings it never saw: accurate, probabilities, rarely "unknown".
    right = unknown = 0
    for label, strokes in unseen:
        answer = client.post(f"{R}/check", json={"strokes": strokes}).json()
        total = sum(c["confidence"] for c in answer["confidences"])
        assert total == pytest.approx(1.0, abs=1e-6)
        assert answer["stale"] is False and answer["missing_labels"] == []
        right += answer["label"] == label
        unknown += answer["unknown"]
    accuracy = right / len(unseen)
    assert accuracy >= 0.85  # measured 0.87-0.90
    assert unknown / len(unseen) <= 0.06
    # The 95% interval holds the accuracy on unseen drawings (300 of them: their own +-0.03).
    assert low - 0.03 <= accuracy <= high + 0.03, (low, accuracy, high)

    # Scribbles and spirals are none of the digits.
    junk = scribbles.generate(60, np.random.default_rng(11))
    answers = [client.post(f"{R}/check", json={"strokes": s}).json() for s in junk]
    flagged = sum(a["unknown"] for a in answers)
    assert flagged / len(junk) >= 0.8  # measured 0.97
    # Each says which test decided, by name and in words; a known answer names none.
    for a in answers:
        assert a["unknown_reason"] == UNKNOWN_REASONS.get(a["unknown_signal"]), a
        assert (a["unknown_signal"] is None) == (not a["unknown"]), a
    assert {a["unknown_signal"] for a in answers} >= {"background"}

    # The model's validation survives in the summary (and so a restart).
    assert client.get(R).json()["model"]["validation"]["confusion"] == v["confusion"]

    # The run's recording: guesses that went from random to useful, frame by frame.
    frames = client.get(f"{R}/replay").json()["frames"]
    assert len(frames) >= 15 and [f["frame"] for f in frames] == list(range(len(frames)))
    assert frames[0]["iteration"] == 0 and frames[-1]["iteration"] == status["iterations"]
    assert [f["iteration"] for f in frames] == sorted({f["iteration"] for f in frames})
    assert frames[-1]["validation_accuracy"] == v["accuracy"]
    for frame in frames:
        guesses = frame["guesses"]
        assert len(guesses) >= 20 and len({g["truth"] for g in guesses}) >= 5
        assert all(ids[g["sample_id"]] == g["truth"] for g in guesses)
    right = [np.mean([g["label"] == g["truth"] for g in f["guesses"]]) for f in frames]
    # From chance (1 in 10) to the model's accuracy: the last frame's few drawings (~24) within
    # two standard errors of the validation accuracy measured on all 200.
    n, accuracy = len(frames[-1]["guesses"]), v["accuracy"]
    useful = accuracy - 2 * math.sqrt(accuracy * (1 - accuracy) / n)
    assert right[0] <= 0.35 and right[-1] >= useful > 0.6, (right, accuracy)
    first = client.get(f"{R}/network?frame=0").json()
    last = client.get(f"{R}/network?frame={len(frames) - 1}").json()
    assert first["source"] == "replay" and first["iteration"] == 0
    assert first["sizes"] == last["sizes"] == [144, 144, 11]
    assert first["layers"][0]["weights"] != last["layers"][0]["weights"]
    # ... all of it the same after a restart (a second server on the same data).
    with local_client(create_app(settings)) as again:
        assert again.get(f"{R}/replay").json()["frames"] == frames
        assert again.get(f"{R}/network?frame=0").json() == first


def test_three_drawings_a_label_give_a_wide_interval_never_a_bare_figure(
    client: TestClient,
) -> None:
    post(client, [(label, s) for label, s in synth.dataset(["L", "O"], 3, seed=1)])
    status = train(client)
    v = status["validation"]
    assert v["samples"] == 6 and sum(map(sum, v["confusion"])) == 6
    low, high = v["interval"]
    assert high - low > 0.35  # 6 answers say little (6 of 6 right: 61-100%), and it says so
    assert all(p["validation_accuracy"] is not None for p in status["history"])


def test_too_few_samples_to_hold_out_say_why_there_is_no_validation(client: TestClient) -> None:
    post(client, [(label, s) for label, s in synth.dataset(["L", "O"], 3, seed=1)])
    status = train(client, {"network": {"cross_fit": False}})
    assert status["validation"] is None
    assert "at least 5 samples of every label" in status["validation_note"]
    assert all(p["validation_accuracy"] is None for p in status["history"])


def test_a_stale_model_says_which_labels_it_does_not_know(client: TestClient) -> None:
    post(client, synth.dataset(["L", "O"], 6, seed=2))
    train(client)
    post(client, synth.dataset(["X"], 6, seed=3))
    strokes = synth.draw("X", np.random.default_rng(9))
    answer = client.post(f"{R}/check", json={"strokes": strokes}).json()
    assert answer["stale"] is True and answer["missing_labels"] == ["X"]
    assert {c["label"] for c in answer["confidences"]} == {"L", "O"}
    assert client.get(R).json()["model"]["missing_labels"] == ["X"]


@pytest.mark.parametrize(("passes", "expected"), [(40, 41), (600, None)])
def test_history_is_the_whole_curve(client: TestClient, passes: int, expected: int | None) -> None:
    post(client, synth.dataset(["L", "O", "X"], 6, seed=4))
    status = train(client, {"max_iterations": passes, "target_mse": 0, "network": {"patience": 0}})
    history = status["history"]
    assert status["iterations"] == passes
    assert history[0]["iteration"] == 0 and history[-1]["iteration"] == passes
    assert history[0]["mse"] == status["mse_initial"]
    assert history[-1]["mse"] == status["mse_current"]
    if expected is not None:
        assert [p["iteration"] for p in history] == list(range(expected))
    else:
        assert len(history) <= 500
        steps = np.diff([p["iteration"] for p in history[:-1]])
        assert len(set(steps.tolist())) == 1  # evenly thinned
