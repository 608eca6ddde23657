"""Security defaults: loopback binding, the optional bearer token, escaping and CSP, no CORS,
imports that never evaluate anything."""

import html
import inspect
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from app import cli, security
from app.config import Settings
from app.main import create_app
from app.routes import pages
from tests.helpers import ROOT, Server, free_port, local_client

TOKEN = "s3cret-token"
EVIL_ORIGIN = "http://evil.example"
SAMPLE = {"label": "A", "strokes": [[[0, 0], [5, 5]]]}


# --- binding --------------------------------------------------------------------------------------


def serve_args(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, *extra: str, code: int = 0
) -> dict[str, Any]:
    """What `hwr serve` would hand to uvicorn.run (nothing when it refuses to start)."""
    seen: dict[str, Any] = {}
    monkeypatch.setattr(cli.uvicorn, "run", lambda app, **kw: seen.update(kw, app=app))
    monkeypatch.setenv("HWR_DATA_DIR", "restored-after-the-test")  # main() sets them
    monkeypatch.setenv("HWR_HOST", "restored-after-the-test")
    assert cli.main(["serve", "--data-dir", str(tmp_path / "data"), *extra]) == code
    return seen


def test_serve_binds_loopback_by_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert serve_args(monkeypatch, tmp_path)["host"] == "127.0.0.1"


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "myhost.lan"])
def test_an_exposed_server_needs_a_token(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    host: str,
) -> None:
    monkeypatch.delenv("HWR_API_TOKEN", raising=False)
    assert serve_args(monkeypatch, tmp_path, "--host", host, code=2) == {}
    said = capsys.readouterr().err
    assert "HWR_API_TOKEN" in said and "--no-token" in said

    monkeypatch.setenv("HWR_API_TOKEN", TOKEN)
    assert serve_args(monkeypatch, tmp_path, "--host", host)["host"] == host
    assert os.environ["HWR_HOST"] == host  # the app answers to the name it is served on


def test_no_token_is_an_explicit_warned_choice(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("HWR_API_TOKEN", raising=False)
    seen = serve_args(monkeypatch, tmp_path, "--host", "0.0.0.0", "--no-token")
    assert seen["host"] == "0.0.0.0"
    assert "WARNING" in capsys.readouterr().err


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]"])
def test_loopback_needs_no_token(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, host: str
) -> None:
    monkeypatch.delenv("HWR_API_TOKEN", raising=False)
    assert serve_args(monkeypatch, tmp_path, "--host", host)["host"] == host


@pytest.mark.server
def test_serving_all_interfaces_without_a_token_does_not_start(tmp_path: Path) -> None:
    """The real command: it exits at once with a sentence, and nothing listens."""
    env = {k: v for k, v in os.environ.items() if k != "HWR_API_TOKEN"}
    port = str(free_port())
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "serve", "--host", "0.0.0.0", "--port", port],
        cwd=ROOT,
        env={**env, "HWR_DATA_DIR": str(tmp_path / "data")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "refusing to serve 0.0.0.0 without an API token" in done.stderr
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2)


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


def api_operations() -> list[tuple[str, str]]:
    """Every operation of the OpenAPI document under /api, with its path filled in."""
    doc = create_app(Settings(data_dir=Path("unused"))).openapi()
    out = []
    for path, operations in doc["paths"].items():
        for method in operations:
            filled = path.replace("{r}", "default").replace("{id}", "1").replace("{label}", "A")
            if path.startswith("/api/") and (method.upper(), path) not in security.PUBLIC:
                out.append((method.upper(), filled))
    return out


def test_every_operation_is_guarded_but_the_health_probe() -> None:
    """Reads, downloads, Check and event streams included: handwriting is personal data."""
    guarded_paths = {path for _, path in api_operations()}
    for must in (
        "/api/recognizers",
        "/api/recognizers/default/dataset",
        "/api/recognizers/default/training/events",
        "/api/recognizers/default/check",
        "/api/rasterize",
    ):
        assert must in guarded_paths
    assert ("GET", "/api/health") not in api_operations()


@pytest.mark.server
@pytest.mark.parametrize("method, path", api_operations())
@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong", f"Bearer {TOKEN}x", TOKEN, f"Basic {TOKEN}"],
    ids=["none", "wrong", "longer", "no-scheme", "basic"],
)
def test_every_api_request_needs_the_token(
    guarded: Server, method: str, path: str, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    r = httpx.request(method, guarded.url + path, json=SAMPLE, headers=headers)
    assert r.status_code == 401, r.text
    assert r.headers["www-authenticate"] == "Bearer"
    assert "token" in r.json()["detail"]


@pytest.mark.server
def test_the_right_token_works_and_pages_stay_public(guarded: Server) -> None:
    samples = guarded.url + "/api/recognizers/default/samples"
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    assert httpx.post(samples, json=SAMPLE).status_code == 401
    assert httpx.get(samples, headers=bearer).json() == []  # the refused post stored nothing
    assert httpx.post(samples, json=SAMPLE, headers=bearer).status_code == 201
    for path in ("/api/recognizers/default/dataset", "/api/recognizers/default/samples"):
        assert httpx.get(guarded.url + path).status_code == 401
        assert httpx.get(guarded.url + path, headers=bearer).status_code == 200
    health = httpx.get(guarded.url + "/api/health")
    assert health.status_code == 200 and health.json()["token_required"] is True
    for path in (
        "/",
        "/lab",
        "/static/js/app.js",
        "/static/css/app.css",
        "/static/favicon.svg",
        "/docs",
    ):
        assert httpx.get(guarded.url + path).status_code == 200, path


@pytest.mark.server
def test_the_session_cookie_stands_for_the_token(guarded: Server) -> None:
    """The page gives the token once; the HttpOnly, SameSite=Strict cookie then carries it,
    event streams included (EventSource sends no headers)."""
    assert httpx.post(guarded.url + "/api/session").status_code == 401
    refused = httpx.post(guarded.url + "/api/session", headers={"Authorization": "Bearer no"})
    assert refused.status_code == 401 and "set-cookie" not in refused.headers

    r = httpx.post(guarded.url + "/api/session", headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 204
    cookie = r.headers["set-cookie"]
    name, value = cookie.split(";")[0].split("=", 1)
    assert name == f"hwr_session_{guarded.port}"
    assert TOKEN not in cookie
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite=strict", "path=/api"} <= attributes
    assert "secure" not in attributes  # plain http on loopback: Secure would drop it

    with httpx.Client(base_url=guarded.url, cookies={name: value}) as browser:
        assert browser.get("/api/recognizers").status_code == 200
        with browser.stream("GET", "/api/recognizers/default/training/events") as events:
            assert events.status_code == 200
            assert events.headers["content-type"].startswith("text/event-stream")
        forgotten = browser.delete("/api/session")
        assert forgotten.status_code == 204
        assert "max-age=0" in forgotten.headers["set-cookie"].lower()
    stale = {name: value[:-1] + ("0" if value[-1] != "0" else "1")}
    assert httpx.get(guarded.url + "/api/recognizers", cookies=stale).status_code == 401
    other_port = {f"hwr_session_{guarded.port + 1}": value}
    assert httpx.get(guarded.url + "/api/recognizers", cookies=other_port).status_code == 401


@pytest.mark.server
def test_events_and_dataset_without_the_token_get_401(guarded: Server) -> None:
    with httpx.stream("GET", guarded.url + "/api/recognizers/default/training/events") as events:
        assert events.status_code == 401
    assert httpx.get(guarded.url + "/api/recognizers/default/dataset").status_code == 401


def test_secrets_are_compared_in_constant_time() -> None:
    source = inspect.getsource(security.TokenAuth)
    assert source.count("hmac.compare_digest(") == 2
    assert not re.search(r"(given|expected|token|value)\s*[!=]=", source)


# --- escaping, CSP, CORS --------------------------------------------------------------------------


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with local_client(create_app(Settings(data_dir=tmp_path / "data"))) as test_client:
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
    scripts = [*sorted((ROOT / "static/js").glob("*.js")), ROOT / "static/hwr-recognizer.js"]
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
    settings = Settings(data_dir=tmp_path / "data", allowed_origins=["http://ok.example"])
    with local_client(create_app(settings)) as client:
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
