"""Scale-out mode, the API side: trainings go to `hwr worker` processes through an RQ queue on
Redis; statuses live in Redis and every change is announced on one pub/sub channel.

Each API process keeps a cache of the statuses it was asked for, dropped when the channel
says they changed, and wakes its own event-stream listeners. A sweeper thread in every API
process has RQ fail the jobs whose worker stopped beating (StartedJobRegistry.cleanup) and
marks their trainings failed: the store's conditional end_training() decides which process
says so, once.

RQ keeps the queue (positions, cancel), the running jobs, their heartbeats and their status.
hwr adds what RQ lacks: a training's status with its progress, kept after the job and
announced to every API process (bus.py); a stop that saves the model (RQ's kills it); job
numbers; one training per recognizer across processes (the store's mark); "worker lost" within
about 12 s, not RQ's 90 (its heartbeat made faster: worker_command.py).
"""

import contextlib
import json
import logging
import threading
import time
from datetime import datetime
from typing import Any

from redis.exceptions import RedisError
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job as RQJob
from rq.job import JobStatus
from rq.registry import StartedJobRegistry
from rq.serializers import JSONSerializer

from app.clock import now
from app.config import Settings
from app.errors import TrainingConflict
from app.events import Listeners
from app.jobs import bus, queue_job
from app.jobs.plan import apply_network, check_labels
from app.jobs.status import ACTIVE, restored
from app.jobs.tracker import failed, queued
from app.recognition import ModelCache
from app.schemas import TrainingRequest, TrainingStatus
from app.snapshot import WATCH_TIMEOUT_S
from app.store import Store

log = logging.getLogger("hwr.broker")
SWEEP_EVERY_S = 2.0
GRACE_S = 15.0  # a mark without a status this old is a start that never reached Redis
LOST = (
    "worker lost: the worker running this training stopped answering (killed, or its machine "
    "is gone); the model from before it is kept"
)
VANISHED = "interrupted: the queue lost this training (was Redis restarted?); start it again"


def rq_id(name: str, job_id: int) -> str:
    return f"{name}_{job_id}"


class BrokerTrainingService:
    """The TrainingService of scale-out mode: same methods, the work done by workers."""

    def __init__(self, store: Store, models: ModelCache, settings: Settings) -> None:
        assert settings.broker_url is not None
        self._store, self._models, self._settings = store, models, settings
        self._redis = bus.connect(settings.broker_url)
        self._queue = Queue(bus.QUEUE, connection=self._redis, serializer=JSONSerializer)
        self._lock = threading.Lock()
        self._status: dict[str, TrainingStatus] = {}  # valid until the channel says otherwise
        self._changes: dict[str, int] = {}  # invalidations by name ("" counts every name)
        self.listeners = Listeners()  # by recognizer name
        self._closing = threading.Event()
        self._threads: list[threading.Thread] = []
        models.broadcast = self._broadcast

    # --- lifecycle ---------------------------------------------------------------------------

    def recover(self) -> None:
        """Start following the channel and sweeping for lost workers. (Trainings run on
        workers: an API process restarting interrupts none of them.)"""
        for target in (self._subscribe, self._sweep):
            thread = threading.Thread(target=target, name=f"broker-{target.__name__}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def shutdown(self, timeout: float = 5.0) -> None:
        self._closing.set()
        for thread in self._threads:
            thread.join(timeout)
        self._redis.close()

    # --- queries -----------------------------------------------------------------------------

    def status(self, name: str) -> TrainingStatus:
        with self._lock:
            status = self._status.get(name)
            seen = self._seen(name)
        if status is not None:
            return status
        status = bus.read_status(self._redis, name) or restored(self._store, name)
        if status.state == "queued":
            position = self._queue.get_job_position(rq_id(name, status.job))
            status = status.model_copy(
                update={"queue_position": None if position is None else position + 1}
            )
        with self._lock:
            # The channel may have said "changed" while Redis was read: the status read may be
            # old already, and cached it would stay (forever, after a training's last change).
            if self._seen(name) == seen:
                self._status[name] = status
        return status

    def _seen(self, name: str) -> tuple[int, int]:
        """How many times `name`'s status was invalidated (hold the lock)."""
        return self._changes.get(name, 0), self._changes.get("", 0)

    def running(self) -> int:
        return StartedJobRegistry(queue=self._queue).count

    def queued(self) -> int:
        return self._queue.count

    # --- start and stop ----------------------------------------------------------------------

    def start(self, name: str, request: TrainingRequest) -> TrainingStatus:
        check_labels(name, len(self._store.label_counts(name)))
        queued_at = now()
        if not self._store.claim_training(name, queued_at):
            raise TrainingConflict(f"a training is already running for '{name}'")
        try:
            apply_network(self._store, name, request)
            job_id = int(self._redis.incr(bus.JOB_IDS))
            status = self.status(name).model_copy(
                update=queued(job_id, queued_at, request, self._settings)
            )
            bus.publish_status(self._redis, name, status)  # before the queue: a worker reads it
            self._queue.enqueue_call(
                queue_job.run,  # RQ stores its dotted name: app.jobs.queue_job.run
                args=(name, job_id, request.model_dump(mode="json")),
                timeout=-1,  # a training ends by its own limits, or by Stop
                result_ttl=0,
                failure_ttl=24 * 3600,
                job_id=rq_id(name, job_id),
                description=f"train {name} (job {job_id})",
            )
        except BaseException:
            self._store.end_training(name, queued_at)
            raise
        self._invalidate(name)
        return self.status(name)

    def stop(self, name: str) -> TrainingStatus:
        """Stop a queued training at once, or ask the worker of a running one to end and save
        (idempotent; from any API process)."""
        status = self.status(name)
        if status.state not in ACTIVE:
            return status
        # The stop key first: a worker that takes the job right now still sees it.
        self._redis.set(bus.key("stop", name), status.job, ex=24 * 3600)
        if status.state == "queued":
            with contextlib.suppress(NoSuchJobError):
                RQJob.fetch(
                    rq_id(name, status.job), connection=self._redis, serializer=JSONSerializer
                ).cancel()
            update = {"state": "stopped", "outcome": "stopped while queued: nothing was trained"}
            stopped = status.model_copy(update={**update, "finished_at": now()})
            bus.publish_status(self._redis, name, stopped)
            self._store.end_training(name, status.queued_at or "")
            bus.announce(self._redis, "queue")
        elif status.state == "running":
            bus.publish_status(self._redis, name, status.model_copy(update={"state": "stopping"}))
        self._invalidate(name)
        return self.status(name)

    def weights(self, name: str, wait: float = 1.0) -> dict[str, Any] | None:
        """The running training's latest weights, asking its worker for snapshots for the
        next WATCH_TIMEOUT_S; None when no training runs."""
        status = self.status(name)
        if status.state not in ("running", "stopping"):
            return None
        self._redis.set(bus.key("watch", name), 1, ex=max(1, round(WATCH_TIMEOUT_S)))
        deadline = time.monotonic() + wait
        raw = bus.get_bytes(self._redis, bus.key("snapshot", name))
        while raw is None and time.monotonic() < deadline:  # the first one takes a pass
            time.sleep(0.05)
            raw = bus.get_bytes(self._redis, bus.key("snapshot", name))
        if raw is None:
            return None
        header, W, b = bus.unpack_snapshot(raw)  # the settings the worker trains with
        return {"job": status.job, "W": W, "b": b, **header}

    def model_replaced(self, name: str) -> None:
        """A model was imported: an idle status shows its curve, not the previous model's."""
        if self.status(name).state not in ACTIVE:
            self._redis.delete(bus.key("status", name))
        bus.announce(self._redis, "status", name)
        self._invalidate(name)

    def forget(self, name: str) -> None:
        """The recognizer is being deleted: stop its training, drop its status everywhere."""
        self.stop(name)
        self._redis.delete(bus.key("status", name))
        self._models.forget(name)  # and, through the channel, in every API process
        bus.announce(self._redis, "status", name)

    # --- the channel -------------------------------------------------------------------------

    def _broadcast(self, kind: str, name: str) -> None:
        """Tell the other API processes that a model or samples changed. Best effort: the
        change itself is stored, and a process that misses this resyncs when it reconnects."""
        try:
            bus.announce(self._redis, kind, name)
        except RedisError:
            log.warning("could not announce %s of %s: Redis is unreachable", kind, name)

    def _invalidate(self, name: str) -> None:
        with self._lock:
            self._status.pop(name, None)
            self._changes[name] = self._changes.get(name, 0) + 1
        self.listeners.wake(name)

    def _subscribe(self) -> None:
        """Follow the channel; after every (re)connection anything may have changed."""
        while not self._closing.is_set():
            try:
                pubsub = self._redis.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
                pubsub.subscribe(bus.CHANNEL)
                self._resync()
                while not self._closing.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message is not None:
                        self._on(json.loads(message["data"]))
                pubsub.close()
            except (RedisError, OSError):
                log.warning("lost the Redis channel; reconnecting", exc_info=True)
                self._closing.wait(1.0)

    def _resync(self) -> None:
        with self._lock:
            names = list(self._status)
            self._status.clear()
            self._changes[""] = self._changes.get("", 0) + 1
        self._models.apply("forget", "")
        for name in names:
            self.listeners.wake(name)

    def _on(self, message: dict[str, str]) -> None:
        kind, name = message.get("type"), message.get("name", "")
        if kind == "status":
            self._invalidate(name)
        elif kind in ("forget", "samples"):
            self._models.apply(kind, name)
        elif kind == "queue":  # positions moved: re-read the queued ones
            with self._lock:
                queued = [n for n, s in self._status.items() if s.state == "queued"]
            for queued_name in queued:
                self._invalidate(queued_name)

    # --- the sweeper -------------------------------------------------------------------------

    def _sweep(self) -> None:
        while not self._closing.wait(SWEEP_EVERY_S):
            try:
                # RQ fails the jobs whose worker stopped beating (TrainingWorker: 10 s).
                StartedJobRegistry(queue=self._queue).cleanup()
                for name, since in self._store.training_marks():
                    self._check(name, since)
            except Exception:  # the database or Redis away for a moment: sweep again later
                log.warning("sweeping for lost trainings failed", exc_info=True)

    def _check(self, name: str, since: str) -> None:
        """Declare the training of `name` (marked since `since`) lost if RQ says its job is not
        running (failed: its worker died, or its work horse) or not there at all."""
        status = bus.read_status(self._redis, name)
        age = time.time() - datetime.fromisoformat(since.replace("Z", "+00:00")).timestamp()
        if status is None or status.queued_at != since:
            if age > GRACE_S:  # the start died between the mark and Redis, or Redis lost it
                self._lose(name, since, status or TrainingStatus(), VANISHED)
            return
        if status.state not in ACTIVE:
            if age > GRACE_S:  # ended, but its worker died before clearing the mark
                self._store.end_training(name, since)
            return
        job = self._job_status(rq_id(name, status.job))
        if job == JobStatus.FAILED:
            self._lose(name, since, status, LOST)
        elif status.state == "queued":
            if job in (None, JobStatus.CANCELED) and age > SWEEP_EVERY_S:  # not the moment
                self._lose(name, since, status, VANISHED)  # between the status and the queue
        elif job != JobStatus.STARTED:  # "running" without a running job
            self._lose(name, since, status, LOST)

    def _job_status(self, job: str) -> JobStatus | None:
        """RQ's status of the job, None when it is not there."""
        try:
            found = RQJob.fetch(job, connection=self._redis, serializer=JSONSerializer)
        except NoSuchJobError:
            return None
        return found.get_status(refresh=False)  # as fetched

    def _lose(self, name: str, since: str, status: TrainingStatus, error: str) -> None:
        if self._store.end_training(name, since):  # only one process says it
            log.error("training of %s: %s", name, error)
            bus.publish_status(self._redis, name, status.model_copy(update=failed(error)))
