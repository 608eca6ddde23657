"""No page on another site reaches a local server's data: the Host check (DNS rebinding) and
the Origin check (cross-site writes), in the app and on a real server as curl sees it."""

import logging
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from app import security
from app.config import Settings
from app.main import create_app
from tests.helpers import Server, local_client

SAMPLE = {"label": "A", "strokes": [[[0, 0], [5, 5]]]}
EVIL_HOST = "evil.example:8000"
EVIL_ORIGIN = "http://evil.example"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with local_client(create_app(Settings(data_dir=tmp_path / "data"))) as test_client:
        assert test_client.post("/api/recognizers/default/samples", json=SAMPLE).status_code == 201
        yield test_client


def everything(client: TestClient) -> bytes:
    """All the user's data, as bytes: the recognizers and the default one's dataset."""
    listing = client.get("/api/recognizers")
    dataset = client.get("/api/recognizers/default/dataset")
    assert listing.status_code == dataset.status_code == 200
    return listing.content + dataset.content


def unsafe_operations(client: TestClient) -> list[tuple[str, str]]:
    out = []
    for path, operations in client.app.openapi()["paths"].items():  # type: ignore[attr-defined]
        for method in operations:
            if method.upper() in ("POST", "PUT", "PATCH", "DELETE"):
                filled = path.replace("{r}", "default").replace("{id}", "1")
                out.append((method.upper(), filled.replace("{label}", "A")))
    return out


# --- Host -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/api/recognizers"),
        ("GET", "/api/recognizers/default/dataset"),
        ("GET", "/api/recognizers/default/training/events"),
        ("POST", "/api/recognizers/default/samples"),
        ("DELETE", "/api/recognizers/default"),
        ("DELETE", "/api/recognizers/default/samples/1"),
        ("GET", "/"),
        ("GET", "/api/health"),
    ],
)
def test_a_foreign_host_name_is_refused_before_any_route(
    client: TestClient, method: str, path: str
) -> None:
    before = everything(client)
    r = client.request(method, path, json=SAMPLE, headers={"Host": EVIL_HOST})
    assert r.status_code == 421, r.text
    assert "evil.example" in r.json()["detail"] and "HWR_ALLOWED_HOSTS" in r.json()["detail"]
    assert everything(client) == before


@pytest.mark.parametrize(
    "host",
    [
        "localhost",
        "localhost:8000",
        "LOCALHOST.:8000",
        "127.0.0.1:8000",
        "[::1]:8000",
        "192.168.1.20:8000",  # an address cannot be rebound: always accepted
        "[fe80::1]",
    ],
)
def test_the_servers_own_names_and_addresses_work(client: TestClient, host: str) -> None:
    assert client.get("/api/recognizers", headers={"Host": host}).status_code == 200


@pytest.mark.parametrize(
    "host", ["evil.example", "localhost.evil.example", "127.0.0.1.evil.example:8000", ""]
)
def test_names_that_only_look_local_are_refused(client: TestClient, host: str) -> None:
    assert client.get("/api/recognizers", headers={"Host": host}).status_code == 421


def test_allowed_hosts_adds_names_and_star_allows_any(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(data_dir=tmp_path / "a", allowed_hosts=["hwr.example.org"])
    with local_client(create_app(settings)) as client:
        assert client.get("/api/health", headers={"Host": "hwr.example.org"}).status_code == 200
        assert client.get("/api/health", headers={"Host": EVIL_HOST}).status_code == 421
    with caplog.at_level(logging.WARNING, logger="hwr"):
        app = create_app(Settings(data_dir=tmp_path / "b", allowed_hosts=["*"]))
    assert "any host name is accepted" in caplog.text
    with local_client(app) as client:
        assert client.get("/api/health", headers={"Host": EVIL_HOST}).status_code == 200


def test_the_bound_name_is_the_servers_and_a_wildcard_adds_the_machines(tmp_path: Path) -> None:
    assert "myhost.lan" in (security.own_names(Settings(host="myhost.lan")) or ())
    everywhere = security.own_names(Settings(host="0.0.0.0")) or frozenset()
    assert socket.gethostname().lower() in everywhere
    assert "0.0.0.0" not in everywhere
    assert security.own_names(Settings(host="::")) == everywhere


def test_the_setting_reads_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HWR_ALLOWED_HOSTS", "a.example, b.example")
    monkeypatch.setenv("HWR_ALLOWED_ORIGINS", '["https://c.example"]')
    settings = Settings()
    assert settings.allowed_hosts == ["a.example", "b.example"]
    assert settings.allowed_origins == ["https://c.example"]


# --- Origin ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": EVIL_ORIGIN},
        {"Origin": "http://localhost:9999"},  # another local server is another site
        {"Origin": "null"},  # a sandboxed frame or a file:// page
        {"Origin": "https://localhost"},  # same name, other port (443)
        {"Referer": EVIL_ORIGIN + "/page.html"},
    ],
    ids=["evil", "other-port", "null", "https-default-port", "referer"],
)
def test_unsafe_requests_from_another_site_change_nothing(
    client: TestClient, headers: dict[str, str]
) -> None:
    before = everything(client)
    for method, path in unsafe_operations(client):
        r = client.request(method, path, json=SAMPLE, headers={**headers, "Host": "localhost:8000"})
        assert r.status_code == 403, (method, path, r.text)
        assert "another site" in r.json()["detail"]
        assert "access-control-allow-origin" not in r.headers
    assert everything(client) == before  # byte for byte


@pytest.mark.parametrize(
    "host, origin",
    [
        ("localhost:8000", "http://localhost:8000"),
        ("127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("[::1]:8000", "http://[::1]:8000"),
        ("localhost", "http://localhost"),
        ("localhost", "http://localhost:80"),
    ],
)
def test_the_pages_own_requests_work(client: TestClient, host: str, origin: str) -> None:
    r = client.post(
        "/api/recognizers/default/samples",
        json=SAMPLE,
        headers={"Host": host, "Origin": origin, "Referer": f"{origin}/"},
    )
    assert r.status_code == 201, r.text


def test_scripts_without_origin_or_referer_keep_working(client: TestClient) -> None:
    assert client.post("/api/recognizers/default/samples", json=SAMPLE).status_code == 201
    assert client.delete("/api/recognizers/default/samples/1").status_code == 204


def test_reads_from_another_site_get_no_cors_headers(client: TestClient) -> None:
    r = client.get("/api/recognizers", headers={"Origin": EVIL_ORIGIN})
    assert r.status_code == 200  # the browser withholds it from the page: no CORS header
    assert "access-control-allow-origin" not in r.headers


def test_a_configured_origin_may_write_and_read(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", allowed_origins=["https://app.example"])
    with local_client(create_app(settings)) as client:
        ok = {"Origin": "https://app.example"}
        r = client.post("/api/recognizers/default/samples", json=SAMPLE, headers=ok)
        assert r.status_code == 201
        assert r.headers["access-control-allow-origin"] == "https://app.example"
        evil = {"Origin": EVIL_ORIGIN}
        assert client.post("/api/recognizers", json={"name": "x"}, headers=evil).status_code == 403


# --- a real server, as the issue measured it with curl --------------------------------------------


@pytest.mark.server
def test_a_running_server_refuses_a_rebound_name_and_a_cross_site_delete(server: Server) -> None:
    port = server.port
    own = httpx.post(
        f"{server.url}/api/recognizers/default/samples",
        json=SAMPLE,
        headers={"Origin": f"http://127.0.0.1:{port}"},
    )
    assert own.status_code == 201
    before = httpx.get(f"{server.url}/api/recognizers/default/dataset").content

    rebound = {"Host": f"evil.example:{port}"}
    assert httpx.get(f"{server.url}/api/recognizers", headers=rebound).status_code == 421
    r = httpx.post(f"{server.url}/api/recognizers/default/samples", json=SAMPLE, headers=rebound)
    assert r.status_code == 421
    assert httpx.delete(f"{server.url}/api/recognizers/default", headers=rebound).status_code == 421
    cross = httpx.delete(f"{server.url}/api/recognizers/default", headers={"Origin": EVIL_ORIGIN})
    assert cross.status_code == 403
    assert httpx.get(f"{server.url}/api/recognizers/default/dataset").content == before
    local = httpx.get(
        f"http://localhost:{port}/api/recognizers", headers={"Host": f"localhost:{port}"}
    )
    assert local.status_code == 200
