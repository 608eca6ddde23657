"""GET /hwr-recognizer.js: the module served for other pages, and what it copies from Python.

That it answers as the server's Check is tests/browser/test_recognizer_js.py's to show."""

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from app import ink
from app.open_set import UNKNOWN_REASONS
from tests.helpers import ROOT, local_client

MODULE = ROOT / "static" / "hwr-recognizer.js"
TOKEN = "s3cret"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    """A server with an API token: the module, like the pages, is open without it."""
    with local_client(create_app(Settings(data_dir=tmp_path / "data", api_token=TOKEN))) as c:
        yield c


def test_the_module_is_served_as_javascript_revalidated_before_each_use(
    client: TestClient,
) -> None:
    r = client.get("/hwr-recognizer.js")
    assert r.status_code == 200
    assert r.content == MODULE.read_bytes()
    assert r.headers["content-type"] == "text/javascript; charset=utf-8"
    assert r.headers["cache-control"] == "no-cache"
    assert r.headers["x-content-type-options"] == "nosniff"  # fine: the type is a script's
    again = client.get("/hwr-recognizer.js", headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["cache-control"] == "no-cache"
    head = client.head("/hwr-recognizer.js")
    assert head.status_code == 200 and head.content == b""
    assert client.post("/hwr-recognizer.js").status_code == 405
    # The page imports it from /static/ (the same file, same origin: CSP script-src 'self').
    assert client.get("/static/hwr-recognizer.js").content == r.content
    assert "script-src 'self'" in r.headers["content-security-policy"]


def test_the_module_is_no_api_operation(client: TestClient) -> None:
    schema = client.get("/openapi.json", headers={"Authorization": f"Bearer {TOKEN}"}).json()
    assert "/hwr-recognizer.js" not in schema["paths"] and "/" not in schema["paths"]


def test_the_reasons_are_the_servers() -> None:
    """The module's words for each test of "unknown" are app.open_set's (Check's
    unknown_reason), in the order the tests are asked."""
    block = re.search(r"const REASONS = \{(.*?)\};", MODULE.read_text(), re.DOTALL)
    assert block, "REASONS not found in hwr-recognizer.js"
    pairs = re.findall(r'^\s*(\w+): ("[^"]*"),$', block[1], re.MULTILINE)
    assert {key: json.loads(text) for key, text in pairs} == UNKNOWN_REASONS
    assert [key for key, _ in pairs] == list(UNKNOWN_REASONS)


def test_the_pen_is_the_servers() -> None:
    """The rasteriser's constants are app.ink's (the arithmetic is compared in the browser)."""
    text = MODULE.read_text()
    constants = dict(re.findall(r"^const (PEN_RADIUS|PEN_EDGE|EPS) = ([0-9.e-]+);", text, re.M))
    assert {k: float(v) for k, v in constants.items()} == {
        "PEN_RADIUS": ink.PEN_RADIUS,
        "PEN_EDGE": ink.PEN_EDGE,
        "EPS": ink._EPS,
    }
    assert f"gridSize = {ink.GRID_SIZE}, antialias = true" in text  # a default recognizer's
