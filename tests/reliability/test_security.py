"""Security defaults: loopback binding, the optional bearer token, escaping and CSP, no CORS,
imports that never evaluate anything."""

import html
import inspect
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from app import cli, middleware
from app.config import Settings
from app.main import create_app
from app.routes import pages
from tests.helpers import ROOT, Server

TOKEN = "s3cret-token"
EVIL_ORIGIN = "http://evil.example"
SAMPLE = {"label": "A", "strokes": [[[0, 0], [5, 5]]]}


# --- binding --------------------------------------------------------------------------------------


def serve_args(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, *extra: str) -> dict[str, Any]:
    """What `hwr serve` would hand to uvicorn.run."""
    seen: dict[str, Any] = {}
    monkeypatch.setattr(cli.uvicorn, "run", lambda app, **kw: seen.update(kw, app=app))
    monkeypatch.setenv("HWR_DATA_DIR", "restored-after-the-test")  # main() sets it
    assert cli.main(["serve", "--data-dir", str(tmp_path / "data"), *extra]) == 0
    return seen


def test_serve_binds_loopback_by_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert serve_args(monkeypatch, tmp_path)["host"] == "127.0.0.1"


def test_all_interfaces_is_an_explicit_choice(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert serve_args(monkeypatch, tmp_path, "--host", "0.0.0.0")["host"] == "0.0.0.0"


@pytest.mark.server
def test_a_started_server_listens_on_loopback_only(live_server: Server) -> None:
    """/proc/net/tcp of the server: its port is bound to 127.0.0.1, not to 0.0.0.0."""
    assert live_server.process is not None
    port = f"{live_server.port:04X}"
    listening = []
    for table in ("tcp", "tcp6"):
        path = Path(f"/proc/{live_server.process.pid}/net/{table}")
        for line in path.read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            if local.endswith(":" + port) and state == "0A":  # 0A: LISTEN
                listening.append(local.split(":")[0])
    assert listening == ["0100007F"], listening  # 127.0.0.1, little-endian hex


# --- the bearer token -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = Server(tmp_path_factory.mktemp("token") / "data", env={"HWR_API_TOKEN": TOKEN}).start()
    yield server
    server.stop()


def mutating_operations() -> list[tuple[str, str]]:
    """Every POST, PUT and DELETE of the OpenAPI document, with its path filled in."""
    doc = create_app(Settings(data_dir=Path("unused"))).openapi()
    out = []
    for path, operations in doc["paths"].items():
        for method in operations:
            if method.upper() in middleware.MUTATING and not middleware.reads_only(path):
                out.append((method.upper(), path.replace("{r}", "default").replace("{id}", "1")))
    return out


@pytest.mark.server
@pytest.mark.parametrize("method, path", mutating_operations())
@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer wrong", f"Bearer {TOKEN}x", TOKEN, f"Basic {TOKEN}"],
    ids=["none", "empty", "scheme-only", "wrong", "longer", "no-scheme", "basic"],
)
def test_every_mutating_request_needs_the_token(
    guarded: Server, method: str, path: str, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    r = httpx.request(method, guarded.url + path, json=SAMPLE, headers=headers)
    assert r.status_code == 401, r.text
    assert r.headers["www-authenticate"] == "Bearer"
    assert "token" in r.json()["detail"]


@pytest.mark.server
def test_the_right_token_works_and_reading_stays_open(guarded: Server) -> None:
    samples = guarded.url + "/api/recognizers/default/samples"
    assert httpx.post(samples, json=SAMPLE).status_code == 401
    assert httpx.get(samples).json() == []  # the refused post stored nothing
    r = httpx.post(samples, json=SAMPLE, headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 201
    for path in ("/api/health", "/api/recognizers", "/api/recognizers/default/samples", "/"):
        assert httpx.get(guarded.url + path).status_code == 200
    # Check and rasterize compute and store nothing: open like reads (409: no model yet).
    assert (
        httpx.post(guarded.url + "/api/rasterize", json={"strokes": SAMPLE["strokes"]}).status_code
        == 200
    )
    assert (
        httpx.post(
            guarded.url + "/api/recognizers/default/check", json={"strokes": SAMPLE["strokes"]}
        ).status_code
        == 409
    )


def test_the_token_is_compared_in_constant_time() -> None:
    source = inspect.getsource(middleware.TokenAuth)
    assert "hmac.compare_digest(given, expected)" in source
    assert not re.search(r"(given|expected|token)\s*[!=]=", source)


def test_the_page_sends_the_token_the_user_entered() -> None:
    """The page's one HTTP client adds `Authorization: Bearer <token>` from the settings field."""
    api = (ROOT / "static/js/api.js").read_text()
    assert re.search(r"headers\.Authorization = `Bearer \$\{\w+\}`", api)
    assert 'id="api-token"' in (ROOT / "templates/index.html").read_text()


# --- escaping, CSP, CORS --------------------------------------------------------------------------


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(data_dir=tmp_path / "data"))) as test_client:
        yield test_client


def csp_directives(header: str) -> dict[str, list[str]]:
    out = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def test_the_page_forbids_inline_script(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200
    csp = csp_directives(r.headers["content-security-policy"])
    script = csp.get("script-src", csp["default-src"])
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script
    assert script == ["'self'"]
    assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
    assert r.headers["x-content-type-options"] == "nosniff"
    # The page itself needs no inline script: every <script> has a src, no on* handlers.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", r.text)
    assert not re.search(r"\son[a-z]+\s*=", r.text, re.IGNORECASE)


def test_every_api_answer_carries_the_policy(client: TestClient) -> None:
    for path in ("/api/health", "/api/recognizers", "/api/nothing"):
        r = client.get(path)
        assert "script-src 'self'" in r.headers["content-security-policy"]
        assert r.headers["x-content-type-options"] == "nosniff"


def test_templates_escape_what_they_are_given() -> None:
    env = pages.TEMPLATES.env
    autoescape = env.autoescape
    assert autoescape is True or (autoescape("index.html") and autoescape("base.html"))
    evil = "<script>alert(1)</script>"
    assert env.from_string("{{ value }}").render(value=evil) == html.escape(evil, quote=True)
    for name in ("index.html", "base.html"):
        text = (ROOT / "templates" / name).read_text().replace(" ", "")
        assert "|safe" not in text and "autoescapefalse" not in text


def test_scripts_never_write_html() -> None:
    """User strings reach the page through textContent: no sink that parses HTML exists."""
    sinks = re.compile(
        r"\.innerHTML|\.outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function\("
        r"|createContextualFragment|DOMParser|setAttribute\(\s*[\"']on"
    )
    scripts = sorted((ROOT / "static/js").glob("*.js"))
    assert scripts
    for script in scripts:
        for number, line in enumerate(script.read_text().splitlines(), 1):
            assert not sinks.search(line), f"{script.name}:{number}: {line.strip()}"


def test_an_html_label_comes_back_as_json_data_not_markup(client: TestClient) -> None:
    label = "<img src=x onerror=alert(1)>"
    r = client.post("/api/recognizers/default/samples", json={**SAMPLE, "label": label})
    assert r.status_code == 201
    r = client.get("/api/recognizers/default")
    assert r.headers["content-type"] == "application/json"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.json()["labels"][0]["label"] == label


def test_no_cors_by_default(client: TestClient) -> None:
    headers = {"Origin": EVIL_ORIGIN}
    assert (
        "access-control-allow-origin" not in client.get("/api/recognizers", headers=headers).headers
    )
    preflight = client.options(
        "/api/recognizers/default/samples",
        headers={**headers, "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code >= 400
    assert "access-control-allow-origin" not in preflight.headers
    r = client.post("/api/recognizers/default/samples", json=SAMPLE, headers=headers)
    assert "access-control-allow-origin" not in r.headers


def test_cors_only_for_configured_origins(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", cors_origins=["http://ok.example"])
    with TestClient(create_app(settings)) as client:
        ok = client.get("/api/recognizers", headers={"Origin": "http://ok.example"})
        assert ok.headers["access-control-allow-origin"] == "http://ok.example"
        evil = client.get("/api/recognizers", headers={"Origin": EVIL_ORIGIN})
        assert "access-control-allow-origin" not in evil.headers


# --- imports evaluate nothing ---------------------------------------------------------------------


def test_the_app_never_unpickles_or_evaluates() -> None:
    """No deserialiser that runs code exists in app/: imports are JSON, checked by pydantic."""
    danger = re.compile(
        r"\bpickle\.loads?\(|\bmarshal\.|\bshelve\.|\byaml\.(unsafe_)?load\(|\beval\(|\bexec\("
        r"|allow_pickle\s*=\s*True|\bnp\.load\(|\bnumpy\.load\("
    )
    for source in sorted((ROOT / "app").rglob("*.py")):
        for number, line in enumerate(source.read_text().splitlines(), 1):
            assert not danger.search(line), f"{source.relative_to(ROOT)}:{number}: {line.strip()}"
