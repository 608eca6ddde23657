"""A real cluster on one machine: a PostgreSQL database and a Redis shared by two API server
processes (A, B) and two `hwr worker` processes, each with its own process group."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.helpers import Server, Worker

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test of this folder `cluster` and `server` (a `pytestmark` in a conftest
    marks nothing); the hook sees the whole session's items, so it picks this folder's."""
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.cluster)
            item.add_marker(pytest.mark.server)


class Cluster:
    def __init__(self, folder: Path, database_url: str, redis_url: str) -> None:
        self.folder = folder
        self.env = {"HWR_DATABASE_URL": database_url, "HWR_BROKER_URL": redis_url}
        self.apis = [Server(self._data(name), env=self.env) for name in ("a", "b")]
        self.workers = [Worker(self._data(f"worker{i}"), self.env, i) for i in range(2)]

    def _data(self, name: str) -> Path:
        path = self.folder / name / "data"
        path.mkdir(parents=True)
        return path

    def start(self) -> "Cluster":
        for api in self.apis:
            api.start()
        for worker in self.workers:
            worker.start()
        return self

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()
        for api in self.apis:
            api.stop()

    def logs(self) -> str:
        """The workers' logs, for a failing assertion's message."""
        return "\n".join(w.log_path.read_text(errors="replace")[-3000:] for w in self.workers)


@pytest.fixture(scope="module")
def cluster(
    tmp_path_factory: pytest.TempPathFactory, postgres_url: str, redis_url: str
) -> Iterator[Cluster]:
    from tests.services import create_database, drop_database

    database = create_database(postgres_url)
    httpx_redis_flush(redis_url)
    running = Cluster(tmp_path_factory.mktemp("cluster"), database, redis_url).start()
    yield running
    running.stop()
    drop_database(database)


def httpx_redis_flush(url: str) -> None:
    """An empty Redis for this module (another module's queue must not leak in)."""
    from redis import Redis

    with Redis.from_url(url) as redis:
        redis.flushall()


@pytest.fixture
def a(cluster: Cluster) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=cluster.apis[0].url, timeout=30) as client:
        yield client


@pytest.fixture
def b(cluster: Cluster) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=cluster.apis[1].url, timeout=30) as client:
        yield client
