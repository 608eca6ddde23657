"""The OpenAPI document agrees with docs/api.md: every operation, both ways, with its codes."""

import re
from pathlib import Path

from fastapi.testclient import TestClient

API_MD = Path(__file__).resolve().parents[2] / "docs" / "api.md"
OPERATION = re.compile(r"^`(GET|POST|PUT|PATCH|DELETE) (/[^`?\s]*)(\?[^`]*)?`$")
CODE = re.compile(r"^([1-5]\d\d)\b")

Operation = tuple[str, str]


def cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def documented_operations(text: str) -> dict[Operation, set[str]]:
    """Each `METHOD /path` row of the tables headed "method & path": its success code and the
    codes that start the comma-separated parts of its "errors" cell."""
    operations: dict[Operation, set[str]] = {}
    header: list[str] = []
    for line in text.splitlines():
        if not line.startswith("|"):
            header = []
            continue
        row = cells(line.replace("\\|", "/"))  # an escaped | inside a cell is not a border
        if row[0] == "method & path":
            header = row
            continue
        if not header or set(line) <= set("|-: "):
            continue
        found = OPERATION.match(row[0])
        assert found, f"docs/api.md: not `METHOD /path`: {row[0]!r}"
        fields = dict(zip(header, row, strict=True))
        success = CODE.match(fields["success"])
        assert success, f"docs/api.md: {row[0]} has no success code"
        codes = {success.group(1)}
        for part in fields["errors"].split(","):
            error = CODE.match(part.strip())
            assert error or not part.strip(), f"docs/api.md: {row[0]}: error {part!r}"
            if error:
                codes.add(error.group(1))
        operation = (found.group(1).lower(), found.group(2))
        assert operation not in operations, f"docs/api.md lists {row[0]} twice"
        operations[operation] = codes
    return operations


def test_the_parser_reads_a_table() -> None:
    text = (
        "| method & path | body | success | errors |\n|---|---|---|---|\n"
        '| `GET /a/{r}?x=1` | `{"v": "p"\\|"q"}` | 200 list, 500 words | 404, 409 taken |\n'
        "| `DELETE /a` | | 204 | |\n\nprose | not a table |\n"
    )
    assert documented_operations(text) == {
        ("get", "/a/{r}"): {"200", "404", "409"},
        ("delete", "/a"): {"204"},
    }


def test_every_operation_is_documented_with_its_codes(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    served = {
        (method, path): set(operation["responses"])
        for path, operations in paths.items()
        for method, operation in operations.items()
    }
    documented = documented_operations(API_MD.read_text(encoding="utf-8"))
    assert sorted(set(served) - set(documented)) == [], "served but not in docs/api.md"
    assert sorted(set(documented) - set(served)) == [], "in docs/api.md but not served"
    for (method, path), codes in documented.items():
        assert sorted(codes) == sorted(served[method, path]), f"{method.upper()} {path}"


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
