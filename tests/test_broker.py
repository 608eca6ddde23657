"""The API side of scale-out mode against a real Redis, without workers: the queue seen by two
API processes, stop while queued, the status cache, and the sweeper that finds lost trainings.
(tests/cluster/ runs the whole thing with real workers.)"""

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from redis import Redis
from rq.job import Job as RQJob
from rq.serializers import JSONSerializer
from rq.utils import import_attribute

from app import synth
from app.config import Settings
from app.errors import TrainingConflict
from app.jobs import bus, queue_job
from app.jobs.broker import LOST, VANISHED, BrokerTrainingService, rq_id
from app.network_settings import NetworkSettings
from app.recognition import ModelCache
from app.schemas import TrainingRequest
from app.store import Store, open_store
from tests.helpers import local_client, wait_for

pytestmark = pytest.mark.cluster


@pytest.fixture
def settings(tmp_path: Path, redis_url: str) -> Iterator[Settings]:
    with Redis.from_url(redis_url) as redis:
        redis.flushall()
    yield Settings(data_dir=tmp_path / "data", broker_url=redis_url)


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    store = open_store(settings)
    for name in ("a", "b", "c"):
        store.create_recognizer(name, 12, NetworkSettings().model_dump())
        for label, strokes in synth.dataset(["L", "O"], 2, seed=1):
            store.add_sample(name, label, strokes, [0.0] * 144)
    yield store
    store.close()


def service(store: Store, settings: Settings) -> BrokerTrainingService:
    """One API process's training service, following the channel and sweeping."""
    trainer = BrokerTrainingService(store, ModelCache(store), settings)
    trainer.recover()
    return trainer


@pytest.fixture
def two(store: Store, settings: Settings) -> Iterator[tuple[BrokerTrainingService, ...]]:
    pair = (service(store, settings), service(store, settings))
    yield pair
    for trainer in pair:
        trainer.shutdown()


def test_the_queue_is_one_queue_for_every_api_process(
    two: tuple[BrokerTrainingService, BrokerTrainingService],
) -> None:
    x, y = two
    first = x.start("a", TrainingRequest())
    second = y.start("b", TrainingRequest())
    assert (first.state, first.queue_position) == ("queued", 1)
    assert (second.state, second.queue_position) == ("queued", 2)
    assert second.job > first.job  # job ids are cluster-wide
    assert y.status("a").queue_position == 1 and x.status("b").queue_position == 2
    with pytest.raises(TrainingConflict):
        y.start("a", TrainingRequest())  # queued in X: busy for Y too
    assert (x.queued(), y.queued()) == (2, 2)

    stopped = y.stop("a")
    assert stopped.state == "stopped" and "nothing was trained" in (stopped.outcome or "")
    # X hears of both changes through the channel: a stopped, b moved up.
    wait_for(lambda: x.status("a").state == "stopped" and x.status("b").queue_position == 1, 5)
    assert x.start("a", TrainingRequest()).queue_position == 2  # a can start again


def test_a_status_read_while_it_changes_is_not_cached(
    two: tuple[BrokerTrainingService, BrokerTrainingService], monkeypatch: pytest.MonkeyPatch
) -> None:
    x, y = two
    queued = y.start("a", TrainingRequest())
    real = bus.read_status

    def read_then_change(redis: Redis, name: str) -> object:
        old = real(redis, name)
        # The training changes, and its message reaches X, while X was reading: the last
        # change of this training (stored without a second message, so none comes later).
        ended = queued.model_copy(update={"state": "finished", "queue_position": None})
        redis.set(bus.key("status", name), ended.model_dump_json())
        x._on({"type": "status", "name": name})
        return old

    monkeypatch.setattr(bus, "read_status", read_then_change)
    assert x.status("a").state == "queued"  # what it read
    monkeypatch.setattr(bus, "read_status", real)
    assert x.status("a").state == "finished"  # not the read above, cached


def test_the_queued_job_names_a_function_a_worker_can_import(
    two: tuple[BrokerTrainingService, BrokerTrainingService], settings: Settings
) -> None:
    status = two[0].start("a", TrainingRequest())
    with Redis.from_url(settings.broker_url or "") as redis:
        job = RQJob.fetch(rq_id("a", status.job), connection=redis, serializer=JSONSerializer)
    assert job.func_name == "app.jobs.queue_job.run"
    assert import_attribute(job.func_name) is queue_job.run
    # Trainings queued before the module was renamed name its old path.
    assert import_attribute("app.jobs.task.run") is queue_job.run


def test_a_queued_training_whose_job_vanished_reads_failed(
    store: Store, two: tuple[BrokerTrainingService, BrokerTrainingService], settings: Settings
) -> None:
    x, y = two
    status = x.start("c", TrainingRequest())
    with Redis.from_url(settings.broker_url or "") as redis:  # as if Redis lost its data
        redis.delete(f"rq:job:{rq_id('c', status.job)}")
        redis.delete(f"rq:queue:{bus.QUEUE}")
    failed = wait_for(lambda: (s := y.status("c")).state == "failed" and s, 15)
    assert failed.error == VANISHED
    assert store.training_marks() == []  # the recognizer can train again
    assert x.start("c", TrainingRequest()).state == "queued"


def test_a_running_training_without_heartbeat_reads_worker_lost(
    store: Store, two: tuple[BrokerTrainingService, BrokerTrainingService], settings: Settings
) -> None:
    x, y = two
    status = x.start("b", TrainingRequest())
    with Redis.from_url(settings.broker_url or "") as redis:
        # What a worker says when it takes the training; but no worker runs its RQ job.
        running = status.model_copy(update={"state": "running", "queue_position": None})
        bus.publish_status(redis, "b", running)
    lost = wait_for(lambda: (s := x.status("b")).state == "failed" and s, 15)
    assert lost.error == LOST and y.status("b").error == LOST
    assert store.training_marks() == []


def test_redis_away_is_a_clear_503_and_stored_samples_stay(tmp_path: Path) -> None:

    from app.main import create_app
    from tests.helpers import free_port

    away = Settings(data_dir=tmp_path / "data", broker_url=f"redis://127.0.0.1:{free_port()}/0")
    with local_client(create_app(away)) as client:
        for label, strokes in synth.dataset(["L", "O"], 2, seed=1):
            body = {"label": label, "strokes": strokes}
            assert client.post("/api/recognizers/default/samples", json=body).status_code == 201
        started = client.post("/api/recognizers/default/training")
        assert started.status_code == 503 and "Redis" in started.json()["detail"]
        assert len(client.get("/api/recognizers/default/samples").json()) == 4
    store = Store(tmp_path / "data" / "hwr.db")
    assert store.training_marks() == []  # the refused start left no mark behind
    store.close()


def test_a_weight_snapshot_crosses_redis_exactly() -> None:
    rng = np.random.default_rng(0)
    W = [rng.normal(size=(144, 30)).astype(np.float16), rng.normal(size=(30, 3))]
    b = [rng.normal(size=30).astype(np.float16), rng.normal(size=3)]
    header = {"iteration": 41, "settings": {"activation": "tanh"}, "labels": ["ä", "7"]}
    back, W2, b2 = bus.unpack_snapshot(bus.pack_snapshot(header, W, b))
    assert back == header and [w.shape for w in W2] == [(144, 30), (30, 3)]
    for sent, got in zip(W + b, W2 + b2, strict=True):
        assert got.dtype == np.float16 and np.array_equal(got, sent.astype(np.float16))
