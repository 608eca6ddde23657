"""Errors say what happened: the project's own errors are 4xx, a bug is a 500 with its
traceback in the log, never disguised as the client's fault."""

import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.errors import PLAIN_STATUS, Invalid, NoModel, NotEnoughLabels, TrainingConflict
from app.main import create_app
from app.routes import samples

DOT = [[[3, 3]]]


@pytest.fixture
def unshielded(settings: Settings) -> Iterator[TestClient]:
    """A client that gets the server's 500 as a browser would (not as a raised exception)."""
    app = create_app(settings)
    with TestClient(app, base_url="http://localhost", raise_server_exceptions=False) as client:
        yield client


def test_a_value_error_from_inside_is_a_500_with_its_traceback_in_the_log(
    unshielded: TestClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_: object) -> list[float]:
        raise ValueError("a bug deep inside")

    monkeypatch.setattr(samples, "sample_grid", broken)
    with caplog.at_level(logging.ERROR, logger="hwr"):
        r = unshielded.post("/api/recognizers/default/samples", json={"label": "o", "strokes": DOT})
    assert r.status_code == 500
    request_id = r.json()["request_id"]
    assert r.json()["detail"] == f"internal error (request id {request_id})"
    assert "a bug deep inside" not in r.text  # nothing of the inside leaks out
    [record] = [rec for rec in caplog.records if request_id in rec.getMessage()]
    assert record.exc_info is not None and record.exc_info[0] is ValueError
    assert "Traceback" in caplog.text and "ValueError: a bug deep inside" in caplog.text


def test_only_the_projects_own_errors_are_4xx() -> None:
    assert ValueError not in PLAIN_STATUS
    assert not any(issubclass(cls, ArithmeticError | KeyError) for cls in PLAIN_STATUS)
    assert (PLAIN_STATUS[TrainingConflict], PLAIN_STATUS[NoModel]) == (409, 409)
    assert PLAIN_STATUS[Invalid] == 422 and issubclass(NotEnoughLabels, Invalid)
    assert str(Invalid("targets", "one per input")) == "targets: one per input"
    assert str(NotEnoughLabels("training needs 2 labels")) == "training needs 2 labels"


def test_no_model_is_its_own_409_not_a_training_conflict(client: TestClient) -> None:
    r = client.post("/api/recognizers/default/check", json={"strokes": DOT})
    assert r.status_code == 409
    assert r.json() == {"detail": "'default' has no trained model yet: train it first"}
    r = client.get("/api/recognizers/default/model")
    assert (r.status_code, r.json()) == (409, {"detail": "'default' has no trained model yet"})
