"""The OpenAPI document agrees with API.md: every path, method and documented status code."""

from fastapi.testclient import TestClient

# (method, path, success code, documented error codes) exactly as API.md lists them.
CONTRACT = [
    ("get", "/api/health", "200", []),
    ("get", "/api/recognizers", "200", []),
    ("post", "/api/recognizers", "201", ["409", "422"]),
    ("get", "/api/recognizers/{r}", "200", ["404"]),
    ("delete", "/api/recognizers/{r}", "204", ["404"]),
    ("post", "/api/recognizers/{r}/samples", "201", ["404", "413", "422"]),
    ("get", "/api/recognizers/{r}/samples", "200", ["404"]),
    ("get", "/api/recognizers/{r}/samples/{id}", "200", ["404"]),
    ("delete", "/api/recognizers/{r}/samples/{id}", "204", ["404"]),
    ("post", "/api/recognizers/{r}/training", "202", ["404", "409", "422"]),
    ("get", "/api/recognizers/{r}/training", "200", ["404"]),
    ("delete", "/api/recognizers/{r}/training", "200", ["404"]),
    ("get", "/api/recognizers/{r}/training/events", "200", ["404"]),
    ("post", "/api/recognizers/{r}/check", "200", ["404", "409", "413", "422"]),
    ("get", "/api/recognizers/{r}/dataset", "200", ["404"]),
    ("post", "/api/recognizers/{r}/dataset", "200", ["404", "413", "422"]),
    ("get", "/api/recognizers/{r}/model", "200", ["404", "409"]),
    ("put", "/api/recognizers/{r}/model", "200", ["404", "413", "422"]),
    ("get", "/api/recognizers/{r}/model.onnx", "200", ["404"]),
    ("post", "/api/rasterize", "200", ["413", "422"]),
    # Beyond API.md: the live network view (README, "Watch it learn").
    ("get", "/api/recognizers/{r}/network", "200", ["404", "409", "422"]),
    # Beyond API.md: managing samples and recognizers (README, "Using it").
    ("patch", "/api/recognizers/{r}", "200", ["404", "409", "422"]),
    ("patch", "/api/recognizers/{r}/samples/{id}", "200", ["404", "422"]),
    ("patch", "/api/recognizers/{r}/labels/{label}", "200", ["404", "422"]),
    ("delete", "/api/recognizers/{r}/labels/{label}", "200", ["404"]),
    # Beyond API.md: the settings' schema and presets, from which the page builds its form.
    ("get", "/api/settings", "200", []),
    # Beyond API.md: the page's token session (docs/security.md).
    ("post", "/api/session", "204", ["401"]),
    ("delete", "/api/session", "204", []),
    # (v1.1) The lab.
    ("post", "/api/lab/runs", "201", ["422", "429"]),
    ("get", "/api/lab/runs/{id}", "200", ["404"]),
    ("patch", "/api/lab/runs/{id}", "200", ["404", "422"]),
    ("post", "/api/lab/runs/{id}/samples", "200", ["404", "422"]),
    ("delete", "/api/lab/runs/{id}", "204", ["404"]),
    ("get", "/api/lab/runs/{id}/events", "200", ["404"]),
]


def test_openapi_matches_the_contract(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    paths = doc["paths"]
    documented = {(m, p) for p, ops in paths.items() for m in ops}
    assert documented == {(m, p) for m, p, _, _ in CONTRACT}
    for method, path, success, errors in CONTRACT:
        codes = set(paths[path][method]["responses"])
        assert success in codes, (method, path, codes)
        assert set(errors) <= codes, (method, path, codes)


def test_schemas_name_the_contract_fields(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert {"name", "grid_size", "labels", "network", "model", "training"} <= set(
        schemas["RecognizerSummary"]["properties"]
    )
    assert {
        "state",
        "iterations",
        "mse_initial",
        "mse_current",
        "started_at",
        "finished_at",
        "error",
    } <= set(schemas["TrainingStatus"]["properties"])
    assert {"label", "confidences", "grid"} <= set(schemas["CheckResult"]["properties"])
    assert {"id", "label", "grid", "created_at"} <= set(schemas["SampleOut"]["properties"])
    run = schemas["LabRun"]["properties"]
    assert {
        "id",
        "task",
        "state",
        "iteration",
        "loss",
        "learning_rate",
        "network",
        "layers",
    } <= set(run)
    assert {"history", "boundary", "predictions"} <= set(run)
    assert {"size", "extent", "values"} <= set(schemas["BoundaryOut"]["properties"])
    assert {"inputs", "targets"} <= set(schemas["SamplesRequest"]["properties"])
    assert {"learning_rate", "running"} <= set(schemas["RunPatch"]["properties"])


def test_docs_page_is_served(client: TestClient) -> None:
    r = client.get("/docs")
    assert r.status_code == 200
    assert "swagger" in r.text.lower()
