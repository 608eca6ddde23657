"""GET /api/settings: the page's settings form is built from what the server says."""

from fastapi.testclient import TestClient

from app.schemas import NetworkSettings


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
