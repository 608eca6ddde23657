"""docker-compose.yml (scale-out mode) without a Docker engine: the file parsed as Compose reads
it (YAML with anchors and merge keys), checked against the app's settings, the Dockerfile and
pyproject.toml; the worker's health check is run against a real PostgreSQL and Redis."""

import os
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml  # type: ignore[import-untyped]

from app.config import Settings
from tests.helpers import ROOT, free_port

COMPOSE = ROOT / "docker-compose.yml"
HWR_SERVICES = ("api", "worker")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return dict(yaml.safe_load(COMPOSE.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return dict(compose["services"])


def command(service: dict[str, Any]) -> list[str]:
    value = service["command"]
    return shlex.split(value) if isinstance(value, str) else list(value)


def environment(service: dict[str, Any]) -> dict[str, str]:
    """`environment:` as a mapping (Compose also allows a list of NAME=value)."""
    value = service.get("environment") or {}
    if isinstance(value, list):
        return dict(item.split("=", 1) for item in value)
    return {k: str(v) for k, v in value.items()}


def test_the_four_services(services: dict[str, dict[str, Any]]) -> None:
    assert set(services) == {"api", "worker", "postgres", "redis"}
    assert services["postgres"]["image"] == "postgres:16"
    assert services["redis"]["image"] == "redis:7"
    for name in HWR_SERVICES:  # both from this repository's Dockerfile, one image
        assert services[name]["build"] == "."
    assert services["api"]["image"] == services["worker"]["image"]
    assert (ROOT / "Dockerfile").is_file()


def test_two_replicas_of_the_api_and_of_the_worker(services: dict[str, dict[str, Any]]) -> None:
    for name in HWR_SERVICES:
        assert services[name]["deploy"]["replicas"] == 2, name
        assert "container_name" not in services[name]  # a fixed name forbids replicas


def test_api_serves_port_8000_on_a_host_port_per_replica(
    services: dict[str, dict[str, Any]],
) -> None:
    api = services["api"]
    assert command(api) == ["hwr", "serve", "--host", "0.0.0.0", "--port", "8000"]
    (mapping,) = api["ports"]
    host, container = str(mapping).rsplit(":", 1)
    assert container == "8000"
    first, last = (int(p) for p in host.split("-"))
    assert last - first + 1 >= api["deploy"]["replicas"]


def test_the_worker_runs_hwr_worker(services: dict[str, dict[str, Any]]) -> None:
    assert command(services["worker"]) == ["hwr", "worker"]
    assert int(environment(services["worker"])["HWR_WORKER_CONCURRENCY"]) >= 1


def test_every_service_has_a_health_check(services: dict[str, dict[str, Any]]) -> None:
    for name in ("worker", "postgres", "redis"):
        check = services[name]["healthcheck"]
        assert check["test"][0] in ("CMD", "CMD-SHELL") and not check.get("disable"), name
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert services["redis"]["healthcheck"]["test"][1:] == ["redis-cli", "ping"]
    # The api keeps the image's: the Dockerfile's HEALTHCHECK asks /api/health on port 8000.
    assert "healthcheck" not in services["api"]
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    healthcheck = [line for line in dockerfile.splitlines() if line.startswith("HEALTHCHECK")]
    assert len(healthcheck) == 1 and "127.0.0.1:8000/api/health" in healthcheck[0]


def test_hwr_services_wait_for_healthy_databases(services: dict[str, dict[str, Any]]) -> None:
    for name in HWR_SERVICES:
        depends = services[name]["depends_on"]
        assert {k: v["condition"] for k, v in depends.items()} == {
            "postgres": "service_healthy",
            "redis": "service_healthy",
        }, name


def interpolate(value: str, given: dict[str, str]) -> str:
    """Compose's `${NAME:?error}` and `${NAME:-default}`, as `docker compose` reads them."""

    def one(match: re.Match[str]) -> str:
        name, kind, rest = match.group(1), match.group(2), match.group(3)
        if given.get(name):
            return given[name]
        if kind == ":?":
            raise LookupError(f"{name}: {rest}")
        return rest

    return re.sub(r"\$\{(\w+)(:\?|:-)([^}]*)\}", one, value)


def test_every_hwr_variable_is_a_setting_and_valid(services: dict[str, dict[str, Any]]) -> None:
    fields = Settings.model_fields
    for name in HWR_SERVICES:
        env = environment(services[name])
        assert {"HWR_DATABASE_URL", "HWR_BROKER_URL"} <= set(env), name
        values = {}
        for variable, value in env.items():
            assert variable.startswith("HWR_"), variable
            field = variable.removeprefix("HWR_").lower()
            assert field in fields, f"{variable} is not a field of app.config.Settings"
            values[field] = interpolate(value, {"HWR_API_TOKEN": "t0ken"})
        Settings.model_validate(values)  # each value parses as its setting's type


def test_the_exposed_api_needs_a_token(services: dict[str, dict[str, Any]]) -> None:
    """`hwr serve --host 0.0.0.0` refuses to start without one; Compose stops first, saying so."""
    api = services["api"]
    assert command(api)[command(api).index("--host") + 1] == "0.0.0.0"
    token = environment(api)["HWR_API_TOKEN"]
    with pytest.raises(LookupError, match="set HWR_API_TOKEN"):
        interpolate(token, {})
    assert interpolate(token, {"HWR_API_TOKEN": "t0ken"}) == "t0ken"
    assert interpolate(environment(api)["HWR_ALLOWED_HOSTS"], {}) == ""


def test_the_urls_point_at_the_services_with_their_credentials(
    compose: dict[str, Any], services: dict[str, dict[str, Any]]
) -> None:
    pg = environment(services["postgres"])
    for name in HWR_SERVICES:
        env = environment(services[name])
        db = urlsplit(env["HWR_DATABASE_URL"])
        assert db.scheme == "postgresql" and (db.hostname, db.port) == ("postgres", 5432)
        assert (db.username, db.password) == (pg["POSTGRES_USER"], pg["POSTGRES_PASSWORD"])
        assert db.path == "/" + pg["POSTGRES_DB"]
        broker = urlsplit(env["HWR_BROKER_URL"])
        assert (broker.scheme, broker.hostname, broker.port) == ("redis", "redis", 6379)
    volume = services["postgres"]["volumes"][0].split(":")
    assert volume == ["pgdata", "/var/lib/postgresql/data"] and "pgdata" in compose["volumes"]


def test_the_image_installs_what_the_worker_imports() -> None:
    """The Dockerfile installs the package (`pip install -e .`): `hwr worker` and its health
    check need rq, redis and psycopg from pyproject.toml's dependencies."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    declared = {
        dep.split("[")[0].split(">")[0].split("=")[0].split("<")[0].strip().lower()
        for dep in project["project"]["dependencies"]
    }
    assert {"rq", "redis", "psycopg"} <= declared, sorted(declared)


def _worker_healthcheck(
    services: dict[str, dict[str, Any]], database_url: str, broker_url: str
) -> subprocess.CompletedProcess[str]:
    test = services["worker"]["healthcheck"]["test"]
    assert test[:2] == ["CMD", "python"]
    env = {**os.environ, "HWR_DATABASE_URL": database_url, "HWR_BROKER_URL": broker_url}
    return subprocess.run(
        [sys.executable, *test[2:]], env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.server
def test_the_worker_health_check_passes_with_redis_and_the_database_up(
    services: dict[str, dict[str, Any]], postgres_database: str, redis_url: str
) -> None:
    done = _worker_healthcheck(services, postgres_database, redis_url)
    assert done.returncode == 0, done.stderr


@pytest.mark.server
def test_the_worker_health_check_fails_without_redis_or_the_database(
    services: dict[str, dict[str, Any]], postgres_database: str, redis_url: str
) -> None:
    closed = free_port()  # nothing listens there
    no_redis = _worker_healthcheck(services, postgres_database, f"redis://127.0.0.1:{closed}/0")
    assert no_redis.returncode != 0
    no_db = urlsplit(postgres_database)._replace(netloc=f"hwr@127.0.0.1:{closed}").geturl()
    assert _worker_healthcheck(services, no_db, redis_url).returncode != 0


def test_compose_file_sits_beside_the_dockerfile() -> None:
    assert COMPOSE.parent == Path(ROOT) and (COMPOSE.parent / "Dockerfile").is_file()
