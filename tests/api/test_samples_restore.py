"""Undo of a delete (issue 22): POST .../samples/{id}/restore brings a sample back with its id,
in its place, and a model trained with it is current (`stale` false) again."""

import numpy as np
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from app.synth import draw
from tests.api.conftest import add_drawings, train_until_done
from tests.helpers import local_client

BASE = "/api/recognizers/default"


def stale(client: TestClient) -> tuple[bool, bool]:
    """`stale` as the summary and as Check say it."""
    summary = client.get(BASE).json()["model"]["stale"]
    strokes = draw("L", np.random.default_rng(5))
    check = client.post(f"{BASE}/check", json={"strokes": strokes})
    assert check.status_code == 200, check.text
    return summary, check.json()["stale"]


def test_a_deleted_sample_comes_back_with_its_id_in_its_place_and_the_model_current(
    client: TestClient,
) -> None:
    ids = add_drawings(client, ["L", "O"], 3)
    train_until_done(client, {"max_iterations": 3})
    assert stale(client) == (False, False)
    listed = client.get(f"{BASE}/samples").json()
    second = ids[1]
    detail = client.get(f"{BASE}/samples/{second}").json()

    assert client.delete(f"{BASE}/samples/{second}").status_code == 204
    assert stale(client) == (True, True)
    assert client.get(f"{BASE}/samples/{second}").status_code == 404

    r = client.post(f"{BASE}/samples/{second}/restore")
    assert r.status_code == 200, r.text
    assert r.json() == {k: detail[k] for k in ("id", "label", "grid", "created_at")}
    assert client.get(f"{BASE}/samples").json() == listed  # same ids, same order
    assert client.get(f"{BASE}/samples/{second}").json() == detail  # strokes too
    assert stale(client) == (False, False)
    # Twice (a retried request): answered as it is, nothing changes.
    again = client.post(f"{BASE}/samples/{second}/restore")
    assert again.status_code == 200 and again.json() == r.json()
    assert client.get(f"{BASE}/samples").json() == listed


def test_the_model_is_stale_while_the_samples_differ_from_its_own(client: TestClient) -> None:
    ids = add_drawings(client, ["L", "O"], 3)
    train_until_done(client, {"max_iterations": 3})
    moved = client.patch(f"{BASE}/samples/{ids[0]}", json={"label": "O"})
    assert moved.status_code == 200 and stale(client) == (True, True)
    client.patch(f"{BASE}/samples/{ids[0]}", json={"label": "L"})  # moved back
    assert stale(client) == (False, False)
    new = add_drawings(client, ["L"], 1, seed=9)[0]
    assert stale(client) == (True, True)
    client.delete(f"{BASE}/samples/{new}")  # added, then deleted: the same samples
    assert stale(client) == (False, False)
    client.patch(f"{BASE}/labels/L", json={"label": "Z"})
    assert stale(client) == (True, True)
    client.patch(f"{BASE}/labels/Z", json={"label": "L"})
    assert stale(client) == (False, False)


def test_restore_refuses_what_it_cannot_restore(client: TestClient) -> None:
    add_drawings(client, ["L", "O"], 2)
    assert client.post(f"{BASE}/samples/999999/restore").status_code == 404
    assert client.post("/api/recognizers/nope/samples/1/restore").status_code == 404
    # Another recognizer's deleted sample is not this one's to restore.
    client.post("/api/recognizers", json={"name": "other"})
    theirs = add_drawings(client, ["X"], 1, recognizer="other")[0]
    client.delete(f"/api/recognizers/other/samples/{theirs}")
    assert client.post(f"{BASE}/samples/{theirs}/restore").status_code == 404
    assert client.post(f"/api/recognizers/other/samples/{theirs}/restore").status_code == 200
    # A label deleted as a whole is gone for good (the page says so before).
    o = next(s["id"] for s in client.get(f"{BASE}/samples?label=O").json())
    client.delete(f"{BASE}/labels/O")
    assert client.post(f"{BASE}/samples/{o}/restore").status_code == 404
    assert client.post(f"{BASE}/samples/0/restore").status_code == 422


def test_restore_counts_against_the_limit_and_follows_the_grid_setting(
    settings: Settings,
) -> None:
    settings = settings.model_copy(update={"max_samples": 3})
    with local_client(create_app(settings)) as client:
        first, _, x = add_drawings(client, ["L", "O", "X"], 1)
        soft = client.get(f"{BASE}/samples/{first}").json()["grid"]
        client.delete(f"{BASE}/samples/{first}")
        add_drawings(client, ["X"], 1, seed=2)  # full again
        r = client.post(f"{BASE}/samples/{first}/restore")
        assert r.status_code == 409 and "HWR_MAX_SAMPLES" in r.text
        # The settings change meanwhile: the restored grid is drawn with the new ones.
        body = {"network": {"antialias": False}, "max_iterations": 1}
        train_until_done(client, body)
        client.delete(f"{BASE}/samples/{x}")
        back = client.post(f"{BASE}/samples/{first}/restore")
        assert back.status_code == 200, back.text
        strokes = client.get(f"{BASE}/samples/{first}").json()["strokes"]
        body = {"strokes": strokes, "antialias": False}
        binary = client.post("/api/rasterize", json=body).json()["grid"]
        assert back.json()["grid"] == binary != soft
