"""Shared fixtures: an app on a temporary data folder (SQLite, or a fresh PostgreSQL database),
a real server, and throwaway PostgreSQL and Redis servers."""

import os
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import NoReturn

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from tests.helpers import Server, local_client
from tests.services import (
    ServiceMissing,
    create_database,
    drop_database,
    postgres_server,
    redis_server,
)

BACKENDS = ("sqlite", "postgresql")
# The in-process `settings`/`client` tests of these folders run once per backend.
BOTH_BACKENDS = ("tests/api/", "tests/reliability/")


def service_missing(what: str, reason: str) -> NoReturn:
    """Skip loudly; under CI=true a missing service fails instead."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} tests cannot run in CI: {reason}")
    pytest.skip(f"{what.upper()} TESTS SKIPPED: {reason} (CI=true fails here)")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """Base URL of a PostgreSQL server for the whole session (postgresql://hwr@127.0.0.1:P);
    tests take a database of their own from `postgres_database`."""
    with ExitStack() as stack:
        try:
            url = stack.enter_context(postgres_server())
        except ServiceMissing as exc:
            service_missing("PostgreSQL", str(exc))
        yield url


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """redis://127.0.0.1:P/0 of a Redis server for the whole session."""
    with ExitStack() as stack:
        try:
            url = stack.enter_context(redis_server())
        except ServiceMissing as exc:
            service_missing("Redis", str(exc))
        yield url


@pytest.fixture
def postgres_database(postgres_url: str) -> Iterator[str]:
    """The URL of a new empty PostgreSQL database, dropped after the test."""
    url = create_database(postgres_url)
    yield url
    drop_database(url)


@pytest.fixture
def backend() -> str:
    """The store behind `settings`: SQLite unless parametrized (see pytest_generate_tests)."""
    return "sqlite"


@pytest.fixture
def settings(tmp_path: Path, backend: str, request: pytest.FixtureRequest) -> Settings:
    database_url = None
    if backend == "postgresql":
        database_url = request.getfixturevalue("postgres_database")
    return Settings(data_dir=tmp_path / "data", database_url=database_url)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests of BOTH_BACKENDS that use `settings` (the `client` does) run on each backend."""
    path = metafunc.definition.path.relative_to(Path(__file__).parent.parent).as_posix()
    if "settings" not in metafunc.fixturenames or not path.startswith(BOTH_BACKENDS):
        return
    for marker in metafunc.definition.iter_markers("parametrize"):
        if "backend" in str(marker.args[0]):
            return  # the test chose its backends itself
    metafunc.parametrize("backend", BACKENDS)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with local_client(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    srv = Server(tmp_path / "data").start()
    yield srv
    srv.stop()
