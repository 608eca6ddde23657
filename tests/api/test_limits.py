"""HWR_MAX_SAMPLES and HWR_MAX_RECOGNIZERS: past them a write is answered 409 with the limit's
name, and nothing is stored (on each backend)."""

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from app.synth import dataset
from tests.helpers import local_client

BASE = "/api/recognizers"
SAMPLES_FULL = "recognizer 'default' has 3 samples, the most allowed (HWR_MAX_SAMPLES)"
RECOGNIZERS_FULL = "there are 2 recognizers, the most allowed (HWR_MAX_RECOGNIZERS)"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Tiny limits: 3 samples per recognizer, 2 recognizers (one is "default")."""
    return settings.model_copy(update={"max_samples": 3, "max_recognizers": 2})


def drawings(count: int, seed: int = 1) -> list[dict[str, object]]:
    return [
        {"label": label, "strokes": strokes}
        for label, strokes in dataset(["L", "O", "X"], count, seed)
    ][:count]


def test_a_sample_past_the_limit_is_409_and_not_stored(client: TestClient) -> None:
    for body in drawings(3):
        assert client.post(f"{BASE}/default/samples", json=body).status_code == 201
    before = client.get(f"{BASE}/default").json()
    r = client.post(f"{BASE}/default/samples", json=drawings(4)[3])
    assert (r.status_code, r.json()) == (409, {"detail": SAMPLES_FULL})
    assert len(client.get(f"{BASE}/default/samples").json()) == 3
    assert client.get(f"{BASE}/default").json() == before  # revision unchanged


def test_an_import_past_the_limit_is_409_and_stores_nothing(client: TestClient) -> None:
    assert client.post(f"{BASE}/default/samples", json=drawings(1)[0]).status_code == 201
    doc = {"format": "hwr-dataset/1", "samples": drawings(3, seed=2)}
    r = client.post(f"{BASE}/default/dataset", json=doc)
    assert r.status_code == 409, r.text
    assert r.json()["detail"] == (
        "recognizer 'default' has 1 samples, adding 3 would make 4, more than the 3 allowed"
        " (HWR_MAX_SAMPLES)"
    )
    assert len(client.get(f"{BASE}/default/samples").json()) == 1
    doc["samples"] = doc["samples"][:2]
    assert client.post(f"{BASE}/default/dataset", json=doc).json()["added"] == 2


def test_a_recognizer_past_the_limit_is_409_and_renames_do_not_count(client: TestClient) -> None:
    assert client.post(BASE, json={"name": "a"}).status_code == 201
    r = client.post(BASE, json={"name": "b"})
    assert (r.status_code, r.json()) == (409, {"detail": RECOGNIZERS_FULL})
    assert [x["name"] for x in client.get(BASE).json()] == ["a", "default"]
    assert client.patch(f"{BASE}/a", json={"name": "b"}).status_code == 200
    assert client.delete(f"{BASE}/b").status_code == 204
    assert client.post(BASE, json={"name": "c"}).status_code == 201


def test_the_server_starts_when_the_recognizers_are_at_the_limit(settings: Settings) -> None:
    with local_client(create_app(settings)) as client:
        assert client.delete(f"{BASE}/default").status_code == 204
        assert client.post(BASE, json={"name": "a"}).status_code == 201
        assert client.post(BASE, json={"name": "b"}).status_code == 201
    with local_client(create_app(settings)) as client:  # "default" is ensured again
        names = [x["name"] for x in client.get(BASE).json()]
        assert names == ["a", "b", "default"]
        assert client.post(BASE, json={"name": "c"}).status_code == 409


def test_openapi_documents_the_409s(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert (
        "HWR_MAX_SAMPLES"
        in paths[f"{BASE}/{{r}}/samples"]["post"]["responses"]["409"]["description"]
    )
    assert "HWR_MAX_RECOGNIZERS" in paths[BASE]["post"]["responses"]["409"]["description"]
