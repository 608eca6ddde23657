"""Samples: add, list, filter, get with strokes, delete; validation and limits."""

from fastapi.testclient import TestClient

BAR = [[[0, 5], [10, 5]]]
DOT = [[[3, 3]]]


def test_add_returns_the_exact_grid(client: TestClient) -> None:
    client.post("/api/recognizers", json={"name": "binary", "network": {"antialias": False}})
    r = client.post("/api/recognizers/binary/samples", json={"label": " - ", "strokes": BAR})
    assert r.status_code == 201
    body = r.json()
    assert body["label"] == "-"  # trimmed
    assert isinstance(body["id"], int)
    grid = body["grid"]
    assert len(grid) == 144
    # A horizontal bar is centred: one full row set, everything else empty.
    rows = [grid[i * 12 : (i + 1) * 12] for i in range(12)]
    assert [sum(row) for row in rows] == [0] * 6 + [12] + [0] * 5
    assert body["created_at"]
    by_name = {"strokes": BAR, "recognizer": "binary"}
    assert client.post("/api/rasterize", json=by_name).json()["grid"] == grid


def test_grids_follow_the_antialias_setting(client: TestClient) -> None:
    """Anti-aliased by default (the pen is as wide as a cell); switching the
    setting recomputes every stored grid from its strokes."""
    r = client.post("/api/recognizers/default/samples", json={"label": "-", "strokes": BAR})
    grid = r.json()["grid"]
    rows = [sum(grid[i * 12 : (i + 1) * 12]) for i in range(12)]
    assert rows == [0] * 5 + [12, 12] + [0] * 5  # the pen is a cell wide: two rows of grey
    assert client.post("/api/rasterize", json={"strokes": BAR}).json()["grid"] == grid
    client.post("/api/recognizers/default/samples", json={"label": "o", "strokes": DOT})
    r = client.post(
        "/api/recognizers/default/training",
        json={"network": {"antialias": False}, "max_iterations": 1},
    )
    assert r.status_code == 202
    stored = client.get("/api/recognizers/default/samples?label=-").json()[0]["grid"]
    by_name = {"strokes": BAR, "recognizer": "default"}
    assert stored == client.post("/api/rasterize", json=by_name).json()["grid"]
    assert sum(stored) == 12


def test_list_filter_get_delete(client: TestClient) -> None:
    ids = []
    for label, strokes in (("a", BAR), ("b", DOT), ("a", DOT)):
        ids.append(
            client.post(
                "/api/recognizers/default/samples", json={"label": label, "strokes": strokes}
            ).json()["id"]
        )
    listed = client.get("/api/recognizers/default/samples").json()
    assert [s["id"] for s in listed] == ids
    assert "strokes" not in listed[0]
    only_a = client.get("/api/recognizers/default/samples", params={"label": "a"}).json()
    assert [s["id"] for s in only_a] == [ids[0], ids[2]]
    one = client.get(f"/api/recognizers/default/samples/{ids[1]}").json()
    assert one["strokes"] == [[[3.0, 3.0]]]
    assert one["label"] == "b"
    summary = client.get("/api/recognizers/default").json()
    assert summary["labels"] == [{"label": "a", "samples": 2}, {"label": "b", "samples": 1}]
    assert client.delete(f"/api/recognizers/default/samples/{ids[0]}").status_code == 204
    assert client.get(f"/api/recognizers/default/samples/{ids[0]}").status_code == 404
    assert client.delete(f"/api/recognizers/default/samples/{ids[0]}").status_code == 404
    assert len(client.get("/api/recognizers/default/samples").json()) == 2


def test_unicode_labels_round_trip(client: TestClient) -> None:
    for label in ("ä", "あ", "7", "<b>x</b>"):
        r = client.post("/api/recognizers/default/samples", json={"label": label, "strokes": DOT})
        assert r.status_code == 201
        assert r.json()["label"] == label


def test_unknown_recognizer_or_sample_is_404(client: TestClient) -> None:
    assert (
        client.post(
            "/api/recognizers/nope/samples", json={"label": "a", "strokes": DOT}
        ).status_code
        == 404
    )
    assert client.get("/api/recognizers/nope/samples").status_code == 404
    assert client.get("/api/recognizers/default/samples/999").status_code == 404
    assert client.delete("/api/recognizers/default/samples/999").status_code == 404


def test_invalid_samples_are_422_naming_the_field(client: TestClient) -> None:
    cases = [
        ({"label": "", "strokes": DOT}, "label"),
        ({"label": "   ", "strokes": DOT}, "label"),
        ({"label": "x" * 33, "strokes": DOT}, "label"),
        ({"label": "a\u0000b", "strokes": DOT}, "label"),
        ({"label": "a", "strokes": []}, "strokes"),
        ({"label": "a", "strokes": [[]]}, "strokes"),
        ({"label": "a", "strokes": [[[1]]]}, "strokes"),
        ({"label": "a", "strokes": [[[1, 2, 3, 4]]]}, "strokes"),
        ({"label": "a", "strokes": [[["x", 2]]]}, "strokes"),
        ({"label": "a", "strokes": [[[1e7, 2]]]}, "strokes"),
        ({"label": "a", "strokes": [[[0, 0]]] * 65}, "strokes"),
        ({"label": "a", "strokes": [[[i, i] for i in range(4097)]]}, "strokes"),
        ({"strokes": DOT}, "label"),
    ]
    for body, field in cases:
        r = client.post("/api/recognizers/default/samples", json=body)
        assert r.status_code == 422, body
        assert r.json()["detail"][0]["loc"][:2] == ["body", field], r.json()
    assert client.get("/api/recognizers/default/samples").json() == []


def test_nan_and_infinity_are_422_not_500(client: TestClient) -> None:
    for literal in ("NaN", "Infinity", "-Infinity"):
        r = client.post(
            "/api/recognizers/default/samples",
            content=f'{{"label": "a", "strokes": [[[{literal}, 1]]]}}',
            headers={"content-type": "application/json"},
        )
        assert r.status_code == 422, literal
        assert r.json()["detail"][0]["loc"][:2] == ["body", "strokes"]


def test_invalid_json_is_422(client: TestClient) -> None:
    r = client.post(
        "/api/recognizers/default/samples",
        content=b"{not json",
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 422


def test_body_over_limit_is_413(client: TestClient) -> None:
    big = b'{"label": "a", "strokes": [[' + b"[1,1]," * 200_000 + b"[1,1]]]}"
    r = client.post(
        "/api/recognizers/default/samples",
        content=big,
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 413
    assert client.get("/api/recognizers/default/samples").json() == []
