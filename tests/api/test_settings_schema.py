"""GET /api/settings: the page's settings form is built from what the server says."""

from fastapi.testclient import TestClient

from app.network_settings import NetworkSettings


def test_the_schema_is_the_settings_model(client: TestClient) -> None:
    r = client.get("/api/settings")
    assert r.status_code == 200
    schema = r.json()["network"]
    assert set(schema["properties"]) == set(NetworkSettings.model_fields)
    activation = schema["properties"]["activation"]
    assert activation["enum"] == ["sigmoid", "tanh", "relu"]
    assert schema["properties"]["learning_rate"]["exclusiveMinimum"] == 0


def test_presets_are_complete_and_classic_is_one_plain_network(client: TestClient) -> None:
    presets = client.get("/api/settings").json()["presets"]
    assert presets["default"] == NetworkSettings().model_dump()
    classic = presets["classic"]
    assert set(classic) == set(NetworkSettings.model_fields)
    assert classic["hidden_layers"] == [144] and classic["ensemble"] == 1
    assert classic["activation"] == "sigmoid" and classic["bias"] is False


def test_weight_decay_is_a_setting_with_bounds(client: TestClient) -> None:
    schema = client.get("/api/settings").json()["network"]["properties"]["weight_decay"]
    assert (schema["default"], schema["minimum"], schema["maximum"]) == (0.0, 0, 0.1)
    assert "L2" in schema["description"]
    presets = client.get("/api/settings").json()["presets"]
    assert presets["default"]["weight_decay"] == presets["classic"]["weight_decay"] == 0.0
    r = client.post("/api/recognizers", json={"name": "decayed", "network": {"weight_decay": 0.01}})
    assert r.status_code == 201
    assert r.json()["network"]["weight_decay"] == 0.01
    for wrong in (-0.001, 0.2, "lots"):
        r = client.post("/api/recognizers", json={"name": "w", "network": {"weight_decay": wrong}})
        assert r.status_code == 422, wrong
        assert r.json()["detail"][0]["loc"] == ["body", "network", "weight_decay"]
    r = client.post("/api/recognizers/default/training", json={"network": {"weight_decay": 1}})
    assert r.status_code == 422
