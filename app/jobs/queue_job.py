"""The queue's job: what an `hwr worker` runs for one training (scale-out mode), the same
training as a local process (app.worker.train), reporting through Redis instead of a pipe.

RQ forks a fresh process (its "work horse") for every job, so each training still has a
process of its own. The worker proves it alive (TrainingWorker's RQ heartbeat); the horse only
watches that its worker still lives.
"""

import logging
import os
import threading
import time
from typing import Any

from redis import Redis

from app import worker
from app.clock import now
from app.config import Settings
from app.jobs import bus
from app.jobs.plan import plan
from app.jobs.status import WORKER_SHUT_DOWN
from app.jobs.tracker import DELETED, STOPPED, Tracker, failed
from app.schemas import TrainingRequest, TrainingStatus
from app.store import Store, open_store

log = logging.getLogger("hwr.worker")
FLAG_EVERY_S = 0.2  # how often the training asks Redis whether to stop or send snapshots


def run(name: str, job_id: int, request: dict[str, Any]) -> None:
    """RQ entry point: train recognizer `name` for training `job_id` of the API."""
    settings = Settings()
    assert settings.broker_url is not None, "a worker needs HWR_BROKER_URL"
    redis = bus.connect(settings.broker_url)
    store = open_store(settings)
    try:
        _run(redis, store, settings, name, job_id, TrainingRequest.model_validate(request))
    finally:
        store.close()
        redis.close()


def _run(
    redis: Redis,
    store: Store,
    settings: Settings,
    name: str,
    job_id: int,
    request: TrainingRequest,
) -> None:
    status = bus.read_status(redis, name)
    if status is None or status.job != job_id or status.state != "queued":
        return  # stopped while queued, or the recognizer was deleted: nothing to do
    since = status.queued_at or ""
    orphaned = OrphanWatch()
    orphaned.start()
    try:
        try:
            job_plan = plan(store, name, request, settings)
        except Exception as exc:  # samples deleted while queued, the database is away, ...
            bus.publish_status(redis, name, status.model_copy(update=failed(str(exc))))
            return
        tracker = Tracker(job_plan)
        status = status.model_copy(update=tracker.running(now()))
        bus.publish_status(redis, name, status)
        bus.announce(redis, "queue")  # the trainings behind it moved up
        reporter = Reporter(redis, store, name, tracker, status)
        stop = Flag(redis, bus.key("stop", name), str(job_id))
        watch = Flag(redis, bus.key("watch", name))
        reporter.stop = stop
        worker.train(job_plan.spec, reporter, stop, watch)
        final = reporter.final or failed("the training ended without a result")
        # The new model first: an API process then drops its cached model before it shows
        # the end, so a Check after "done" is answered by the new model.
        bus.announce(redis, "forget", name)
        if final.get("outcome") == DELETED:  # nothing to show: a new one of that name starts clean
            redis.delete(bus.key("status", name))
            bus.announce(redis, "status", name)
        else:
            bus.publish_status(redis, name, reporter.status.model_copy(update=final))
    finally:
        orphaned.stop()
        store.end_training(name, since)
        redis.delete(bus.key("stop", name), bus.key("snapshot", name))


class Reporter:
    """Takes app.worker.train's messages (as a pipe would) and publishes the status."""

    def __init__(
        self,
        redis: Redis,
        store: Store,
        name: str,
        tracker: Tracker,
        status: TrainingStatus,
    ) -> None:
        self.redis, self.store, self.name, self.tracker = redis, store, name, tracker
        self.status = status
        self.final: dict[str, Any] | None = None
        self.stop: Flag | None = None

    def send(self, message: tuple[Any, ...]) -> None:
        kind = message[0]
        if kind == "progress":
            self.status = self.status.model_copy(update=self.tracker.advance(message[1]))
            bus.publish_status(self.redis, self.name, self.status)
        elif kind == "snapshot":
            spec = self.tracker.plan.spec
            header = {
                "iteration": int(message[1]),
                "settings": spec.settings.model_dump(),
                "labels": spec.labels,
            }
            shot = bus.pack_snapshot(header, message[2], message[3])
            self.redis.set(bus.key("snapshot", self.name), shot, ex=60)
        elif kind == "done":
            stopped = None
            if self.stop is not None and self.stop.asked():
                stopped = WORKER_SHUT_DOWN if self.stop.said == bus.SHUTDOWN else STOPPED
            self.final = self.tracker.finish(self.store, self.name, message, stopped)
        else:
            log.error("training of %s failed: %s", self.name, message[1])
            self.final = failed(str(message[1]))

    def close(self) -> None:
        """The pipe's close(): nothing to release."""


class Flag:
    """A multiprocessing.Event look-alike read from a Redis key, asked at most every
    FLAG_EVERY_S (a pass is milliseconds; a round trip to Redis each pass would be waste).
    With `value`, set when the key's first word is that value; `said` is what follows it."""

    def __init__(self, redis: Redis, name: str, value: str | None = None) -> None:
        self.redis, self.name, self.value = redis, name, value
        self._asked_at, self._set = 0.0, False
        self.said = ""

    def is_set(self) -> bool:
        if time.monotonic() - self._asked_at >= FLAG_EVERY_S:
            self._set = self.asked()
        return self._set

    def asked(self) -> bool:
        """Ask Redis now."""
        self._asked_at = time.monotonic()
        raw = bus.get_bytes(self.redis, self.name)
        if raw is None:
            return False
        first, _, self.said = raw.decode().partition(" ")
        return self.value is None or first == self.value


class OrphanWatch(threading.Thread):
    """Ends this work horse when the worker that forked it dies (kill -9, its machine going
    down): RQ gives a horse a process group of its own, so it would train on unseen, and
    nobody would save what it trained (the API has said "worker lost" already)."""

    def __init__(self) -> None:
        super().__init__(name="orphan-watch", daemon=True)
        self._done = threading.Event()
        self._parent = os.getppid()

    def run(self) -> None:
        while not self._done.wait(bus.HEARTBEAT_S):
            if os.getppid() != self._parent:
                os._exit(1)

    def stop(self) -> None:
        self._done.set()
        self.join(timeout=5)
