"""Property-based fuzzing of the whole API from its own OpenAPI document (schemathesis).

Every operation gets valid and invalid requests (schemathesis' positive and negative modes)
against a real server holding a trained recognizer; path names are steered to recognizers that
exist, so the deep paths run, not only 404s. Checks: no 5xx, and every response conforms to the
documented schema. Deterministic (derandomized) and bounded to finish in about a minute:
most of its time is schemathesis generating cases, not the server answering them (~50 s of
~165 s at 150 examples).
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from app.config import Settings
from app.main import create_app
from app.synth import dataset
from tests.helpers import Server, wait_for
from tests.reliability.tally import COUNTS

pytestmark = [pytest.mark.server, pytest.mark.slow]
EXAMPLES = 60  # per operation and generation mode: ~3,900 cases in all, ~75 s
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
NAMES = ["default", "spare", "empty"]


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """default: 3 labels, trained; spare: 2 labels, untrained; empty: nothing."""
    server = Server(tmp_path_factory.mktemp("fuzz") / "data").start()
    with httpx.Client(base_url=server.url, timeout=30) as http:
        for name in ("spare", "empty"):
            assert http.post("/api/recognizers", json={"name": name}).status_code == 201
        for name, labels in (("default", ["L", "O", "X"]), ("spare", ["T", "V"])):
            for label, strokes in dataset(labels, 3, seed=9):
                body = {"label": label, "strokes": strokes}
                assert http.post(f"/api/recognizers/{name}/samples", json=body).status_code == 201
        body = {"network": {"hidden_layers": [8]}, "max_iterations": 50}
        assert http.post("/api/recognizers/default/training", json=body).status_code == 202
        wait_for(
            lambda: http.get("/api/recognizers/default/training").json()["state"] == "finished"
        )
    yield server
    server.stop()
    log = (server.data_dir.parent / f"server-{server.port}.log").read_text()
    assert "Traceback" not in log, log[-3000:]


# The document the server serves, built from the code at import (the pytest plugin needs the
# operations before any fixture runs); test_the_served_document_is_this_one checks they agree.
OPENAPI = create_app(Settings(data_dir=Path("unused"))).openapi()
schema = schemathesis.openapi.from_dict(OPENAPI)


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any]) -> Any:
    """Mostly recognizers that exist (never for DELETE of a recognizer: keep them)."""
    operation = context.operation
    if (
        not isinstance(path_parameters, dict)
        or "r" not in path_parameters
        or (operation.method.upper() == "DELETE" and operation.path == "/api/recognizers/{r}")
    ):
        return st.just(path_parameters)
    if operation.path.endswith("/events"):
        return st.just(path_parameters)  # an idle stream never ends: 404s only
    names = st.sampled_from([*NAMES, path_parameters["r"]])
    if "id" not in path_parameters:
        return names.map(lambda r: {**path_parameters, "r": r})
    ids = st.sampled_from([1, 2, path_parameters["id"]])
    return st.tuples(names, ids).map(lambda p: {**path_parameters, "r": p[0], "id": p[1]})


def test_the_served_document_is_this_one(fuzzed: Server) -> None:
    assert httpx.get(fuzzed.url + "/openapi.json").json() == OPENAPI


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_api_fuzz(case: schemathesis.Case, fuzzed: Server) -> None:
    COUNTS["fuzz"] += 1
    case.call_and_validate(base_url=fuzzed.url, checks=CHECKS, timeout=30)
