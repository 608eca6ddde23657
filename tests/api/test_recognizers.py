"""Recognizers: create, list, get, delete, and the default one."""

from typing import Any
from unittest.mock import patch

from fastapi.testclient import TestClient

from tests.api.conftest import add_drawings, train_until_done


def test_default_recognizer_exists_after_start(client: TestClient) -> None:
    r = client.get("/api/recognizers")
    assert r.status_code == 200
    names = [s["name"] for s in r.json()]
    assert names == ["default"]
    summary = client.get("/api/recognizers/default").json()
    assert summary["grid_size"] == 12
    assert summary["labels"] == []
    assert summary["network"]["hidden_layers"] == [144]
    assert summary["network"]["activation"] == "sigmoid"
    assert summary["network"]["learning_rate"] == 0.3
    assert summary["model"] == {
        "trained": False,
        "labels": [],
        "stale": False,
        "iterations": 0,
        "mse": None,
        "trained_at": None,
        "validation": None,
        "validation_note": None,
        "temperature": None,
        "missing_labels": [],
    }
    assert summary["training"]["state"] == "idle"


def test_health(client: TestClient) -> None:
    body = client.get("/api/health").json()
    assert body["status"] == "ok"
    assert body["version"] == "0.1.0"


def test_create_get_delete(client: TestClient) -> None:
    r = client.post(
        "/api/recognizers",
        json={
            "name": "digits",
            "grid_size": 16,
            "network": {"hidden_layers": [64, 32], "activation": "tanh"},
        },
    )
    assert r.status_code == 201
    body = r.json()
    assert body["name"] == "digits"
    assert body["grid_size"] == 16
    assert body["network"]["hidden_layers"] == [64, 32]
    assert body["network"]["activation"] == "tanh"
    assert client.get("/api/recognizers/digits").json()["grid_size"] == 16
    assert [s["name"] for s in client.get("/api/recognizers").json()] == ["default", "digits"]
    assert client.delete("/api/recognizers/digits").status_code == 204
    assert client.get("/api/recognizers/digits").status_code == 404
    assert client.delete("/api/recognizers/digits").status_code == 404


def test_classic_preset_fills_the_original_design(client: TestClient) -> None:
    r = client.post("/api/recognizers", json={"name": "orig", "network": {"preset": "classic"}})
    net = r.json()["network"]
    assert (
        net["hidden_layers"],
        net["activation"],
        net["bias"],
        net["learning_rate"],
        net["momentum"],
        net["mode"],
        net["shuffle"],
    ) == ([144], "sigmoid", False, 0.3, 0.0, "classic", False)
    r = client.post("/api/recognizers", json={"name": "orig2", "network": "classic"})
    assert r.status_code == 201
    assert r.json()["network"]["preset"] == "classic"


def test_name_taken_is_409(client: TestClient) -> None:
    assert client.post("/api/recognizers", json={"name": "a"}).status_code == 201
    r = client.post("/api/recognizers", json={"name": "a"})
    assert r.status_code == 409
    assert "a" in r.json()["detail"]


def test_bad_names_and_settings_are_422(client: TestClient) -> None:
    for body in (
        {"name": ""},
        {"name": "Upper"},
        {"name": "x" * 65},
        {"name": "a b"},
        {"name": "ok", "grid_size": 2},
        {"name": "ok", "network": {"activation": "elu"}},
        {"name": "ok", "network": {"learning_rate": -1}},
        {"name": "ok", "network": {"hidden_layers": [0]}},
        {"name": "ok", "extra": 1},
    ):
        r = client.post("/api/recognizers", json=body)
        assert r.status_code == 422, body
        assert r.json()["detail"][0]["loc"][0] == "body"
    assert [s["name"] for s in client.get("/api/recognizers").json()] == ["default"]


def test_summaries_show_the_models_facts_without_reading_its_document(
    client: TestClient, alphabet: list[int]
) -> None:
    """The summary's validation, note and temperature are the model document's (export), but
    listing and summaries read them from the store's small facts: never the document."""
    train_until_done(client, {"max_iterations": 200})
    document = client.get("/api/recognizers/default/model").json()
    store = client.app.state.store  # type: ignore[attr-defined]
    with patch.object(store, "get_model", side_effect=AssertionError("decoded a model")):
        listed = client.get("/api/recognizers").json()
        one = client.get("/api/recognizers/default").json()
    # The listing is the summary without each validation's answer for every held-out drawing.
    held_out = [one[part]["validation"].pop("held_out") for part in ("model", "training")]
    assert len(held_out[0]) == 18 and held_out[1] == held_out[0]
    assert listed == [one]
    one = client.get("/api/recognizers/default").json()
    model = one["model"]
    assert model["trained"] is True and model["labels"] == ["L", "O", "X"]
    assert model["validation"] == document["validation"] is not None
    assert model["validation_note"] == document["validation_note"]
    assert model["temperature"] == document["calibration"]["temperature"]
    assert model["temperature"] is not None
    # Another model (imported): its facts, not those shown before.
    document["calibration"]["temperature"] = model["temperature"] * 2
    assert client.put("/api/recognizers/default/model", json=document).status_code == 200
    again = client.get("/api/recognizers/default").json()["model"]
    assert again["temperature"] == model["temperature"] * 2
    assert again["validation"] == model["validation"]


def test_the_listing_follows_every_change_though_it_reuses_encoded_summaries(
    client: TestClient,
) -> None:
    """A listing reuses each summary's encoding while what it is made of is unchanged: after
    each change below it must still equal the summaries one by one (without `held_out`)."""

    def summaries() -> list[dict[str, Any]]:
        names = [s["name"] for s in client.get("/api/recognizers").json()]
        out = [client.get(f"/api/recognizers/{name}").json() for name in names]
        for summary in out:
            for part in ("model", "training"):
                if summary[part].get("validation"):
                    summary[part]["validation"].pop("held_out")
        return out

    def listing_is_fresh() -> list[dict[str, Any]]:
        listed: list[dict[str, Any]] = client.get("/api/recognizers").json()
        assert listed == summaries()
        return listed

    first = listing_is_fresh()
    listing_is_fresh()  # now from the encodings
    add_drawings(client, ["L", "O"], 3)
    after_samples = listing_is_fresh()
    assert after_samples[0]["samples"] == first[0]["samples"] + 6
    train_until_done(client, {"max_iterations": 5, "network": {"seed": 1}})
    trained = listing_is_fresh()
    assert trained[0]["model"]["trained"] and trained[0]["training"]["state"] == "finished"
    document = client.get("/api/recognizers/default/model").json()
    document["calibration"]["temperature"] = 3.5
    assert client.put("/api/recognizers/default/model", json=document).status_code == 200
    assert listing_is_fresh()[0]["model"]["temperature"] == 3.5
    assert client.post("/api/recognizers", json={"name": "second"}).status_code == 201
    assert client.patch("/api/recognizers/default", json={"name": "renamed"}).status_code == 200
    assert [s["name"] for s in listing_is_fresh()] == ["renamed", "second"]
    assert client.delete("/api/recognizers/second").status_code == 204
    assert [s["name"] for s in listing_is_fresh()] == ["renamed"]
