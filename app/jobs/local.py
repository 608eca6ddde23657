"""The embedded default: trainings in local processes, at most `max_trainings` at once.

Each training runs in its own process (forkserver, app.jobs.preload), so a long training never
holds the server's GIL; a follower thread per job reads the child's messages, keeps the status,
saves the model when the job ends and starts the next queued training. Starts beyond the limit
wait in a first-come, first-served queue (state "queued", `queue_position` from 1).
"""

import logging
import multiprocessing
import multiprocessing.forkserver
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from app import worker
from app.clock import now
from app.config import Settings
from app.errors import TrainingConflict
from app.events import Listeners
from app.jobs.plan import apply_network, check_labels, plan
from app.jobs.status import (
    ACTIVE,
    SHUT_DOWN,
    SHUT_DOWN_QUEUED,
    UNSAVED,
    ending,
    interrupted,
    restored,
)
from app.jobs.tracker import STOPPED, Tracker, failed, queued
from app.recognition import ModelCache
from app.schemas import TrainingRequest, TrainingStatus
from app.snapshot import WATCH_TIMEOUT_S
from app.store import NotFound, Store

log = logging.getLogger("hwr.trainer")


@dataclass
class Job:
    id: int
    name: str
    process: Any  # multiprocessing.Process of the forkserver context
    conn: Connection
    stop: Any  # multiprocessing.Event
    watch: Any  # multiprocessing.Event: someone wants weight snapshots
    tracker: Tracker
    watched_at: float = 0.0  # when someone last asked for a snapshot (time.monotonic)
    snapshot: tuple[Any, ...] | None = None  # the latest ("snapshot", iteration, W, b)
    snapshot_ready: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)
    why: str | None = None  # why it was asked to stop: its outcome (STOPPED, SHUT_DOWN)

    def ask_stop(self, why: str) -> None:
        self.why = self.why or why
        self.stop.set()


@dataclass(frozen=True)
class Waiting:
    """A start that waits for a free slot."""

    id: int
    request: TrainingRequest


class TrainingService:
    """Starts, queues, stops and follows trainings; hands out status and wakes listeners."""

    def __init__(self, store: Store, models: ModelCache, settings: Settings) -> None:
        self._store, self._models, self._settings = store, models, settings
        self.limit = settings.training_slots()
        self._ctx = multiprocessing.get_context("forkserver")
        self._ctx.set_forkserver_preload(["app.jobs.preload"])
        self._lock = threading.Lock()
        self._jobs: dict[str, Job | None] = {}  # holding a slot; None: being launched
        self._queue: dict[str, Waiting] = {}  # in order of arrival
        self._starting: set[str] = set()  # between the 409 check and the queue
        self._status: dict[str, TrainingStatus] = {}
        self.listeners = Listeners()  # by recognizer name
        self._job_ids = 0
        self._closing = False  # shutdown() began: nothing starts any more

    # --- lifecycle ---------------------------------------------------------------------------

    def recover(self) -> None:
        """At startup: trainings that the last shutdown ended read as it left them (job numbers
        go on from theirs); after a crash, those that were queued or running read "failed",
        interrupted. The forkserver starts now, so that the first training finds it ready."""
        multiprocessing.forkserver.ensure_running()
        for name, end in self._store.training_endings():
            status = restored(self._store, name, end)
            with self._lock:
                self._status[name] = status
                self._job_ids = max(self._job_ids, status.job)
        for name, since in self._store.take_interrupted():
            status = interrupted(self.status(name), since)
            with self._lock:
                self._status[name] = status

    def shutdown(self, timeout: float = 10.0) -> None:
        """Stop every training the way Stop does, each saving what it trained, and end the
        processes; queued ones are stopped before they start. The store keeps how each ended,
        for the status after the restart (docs/reliability.md, "A shutdown")."""
        with self._lock:
            self._closing = True
            waiting = list(self._queue)
            self._queue.clear()
            jobs = [job for job in self._jobs.values() if job is not None]
        for name in waiting:
            update = {"state": "stopped", "outcome": SHUT_DOWN_QUEUED, "finished_at": now()}
            self._end(name, self.status(name).model_copy(update=update))
        for job in jobs:
            job.ask_stop(SHUT_DOWN)
        for job in jobs:
            if not job.done.wait(timeout):
                job.process.kill()  # it ignores SIGTERM (app.worker.train)
                job.done.wait(timeout)

    # --- queries -----------------------------------------------------------------------------

    def status(self, name: str) -> TrainingStatus:
        """The latest training's status; after a restart, idle with the saved model's curve."""
        with self._lock:
            status = self._status.get(name)
        if status is not None:
            return status
        status = restored(self._store, name)
        with self._lock:
            return self._status.setdefault(name, status)

    def running(self) -> int:
        with self._lock:
            return len(self._jobs)

    def queued(self) -> int:
        with self._lock:
            return len(self._queue)

    # --- start and stop ----------------------------------------------------------------------

    def start(self, name: str, request: TrainingRequest) -> TrainingStatus:
        """Queue a training and start it if a slot is free (TrainingConflict if one is queued
        or runs, NotEnoughLabels with fewer than 2 labels)."""
        with self._lock:
            if name in self._jobs or name in self._queue or name in self._starting:
                raise TrainingConflict(f"a training is already running for '{name}'")
            self._starting.add(name)
            self._job_ids += 1
            job_id = self._job_ids
        try:
            check_labels(name, len(self._store.label_counts(name)))
            apply_network(self._store, name, request)  # before the queue: the summary shows it
            queued_at = now()
            self._store.mark_training(name, queued_at)  # a crash from here on reads "interrupted"
            status = self.status(name).model_copy(
                update=queued(job_id, queued_at, request, self._settings)
            )
            with self._lock:
                self._queue[name] = Waiting(job_id, request)
                self._status[name] = status
        finally:
            with self._lock:
                self._starting.discard(name)
        self._dispatch()
        try:  # deleted while this start was prepared? Its forget() ran before the queue had it
            self._store.get_recognizer(name)
        except NotFound:
            self.forget(name)
            raise
        return self.status(name)

    def _dispatch(self) -> None:
        """Launch queued trainings, oldest first, while slots are free."""
        while True:
            with self._lock:
                if len(self._jobs) >= self.limit or not self._queue or self._closing:
                    self._number_queue()
                    return
                name = next(iter(self._queue))
                waiting = self._queue.pop(name)
                self._jobs[name] = None
                self._number_queue()
            try:
                self._launch(name, waiting)
            except Exception as exc:  # samples deleted while queued, the store failed, ...
                log.warning("training of %s could not start: %s", name, exc)
                with self._lock:
                    del self._jobs[name]
                self._end(name, self.status(name).model_copy(update=failed(str(exc))))

    def _number_queue(self) -> None:
        """Give each queued status its place in line (holding the lock) and wake its viewers."""
        for position, name in enumerate(self._queue, start=1):
            status = self._status.get(name)
            if status is not None and status.queue_position != position:
                self._status[name] = status.model_copy(update={"queue_position": position})
                self.listeners.wake(name)

    def _launch(self, name: str, waiting: Waiting) -> None:
        job_plan = plan(self._store, name, waiting.request, self._settings)
        started_at = now()
        self._store.mark_training(name, started_at)
        receiver, sender = self._ctx.Pipe(duplex=False)
        stop, watch = self._ctx.Event(), self._ctx.Event()
        process = self._ctx.Process(
            target=worker.train,
            args=(job_plan.spec, sender, stop, watch),
            name=f"hwr-train-{name}",
            daemon=True,
        )
        process.start()
        sender.close()  # the child holds the only writer: its exit means EOF here
        tracker = Tracker(job_plan)
        job = Job(waiting.id, name, process, receiver, stop, watch, tracker)
        with self._lock:
            self._jobs[name] = job
            self._status[name] = self._status[name].model_copy(update=tracker.running(started_at))
        self.listeners.wake(name)
        threading.Thread(
            target=self._follow, args=(job,), name=f"follow-{name}", daemon=True
        ).start()

    def stop(self, name: str) -> TrainingStatus:
        """Stop a queued training, or ask a running one to end and save what it trained
        (idempotent)."""
        with self._lock:
            waiting = self._queue.pop(name, None)
            job = self._jobs.get(name)
            if job is not None:
                job.ask_stop(STOPPED)
                current = self._status[name]
                if current.state == "running":
                    self._status[name] = current.model_copy(update={"state": "stopping"})
            self._number_queue()
        if waiting is not None:
            update = {"state": "stopped", "outcome": "stopped while queued: nothing was trained"}
            self._end(name, self.status(name).model_copy(update={**update, "finished_at": now()}))
        self.listeners.wake(name)
        return self.status(name)

    def _end(self, name: str, final: TrainingStatus) -> None:
        """A training is over: note it in the store (during a shutdown, with how it ended) and
        show its final status."""
        try:
            self._store.mark_training(name, None, ending(final) if self._closing else None)
        except Exception:  # the status says what happened; a restart would say "interrupted"
            log.exception("could not note the end of %s's training", name)
        with self._lock:
            if name in self._status:
                self._status[name] = final
        self.listeners.wake(name)

    def weights(self, name: str, wait: float = 1.0) -> dict[str, Any] | None:
        """{job, iteration, W, b, settings, labels} of the running training's network, asking
        the worker for snapshots for the next WATCH_TIMEOUT_S; None when no training runs."""
        with self._lock:
            job = self._jobs.get(name)
        if job is None:
            return None
        job.watched_at = time.monotonic()
        job.watch.set()
        job.snapshot_ready.wait(wait)  # the first one takes a pass to come
        shot = job.snapshot
        if shot is None:
            return None
        spec = job.tracker.plan.spec
        return {
            "job": job.id,
            "iteration": int(shot[1]),
            "W": shot[2],
            "b": shot[3],
            "settings": spec.settings,
            "labels": spec.labels,
        }

    def model_replaced(self, name: str) -> None:
        """A model was imported: an idle status shows its curve, not the previous model's."""
        with self._lock:
            status = self._status.get(name)
            if status is not None and status.state not in ACTIVE:
                del self._status[name]
        self.listeners.wake(name)

    def forget(self, name: str) -> None:
        """The recognizer is being deleted: drop it from the queue, stop its job, drop its
        status and cached model."""
        with self._lock:
            self._queue.pop(name, None)
            self._number_queue()
            job = self._jobs.get(name)
        if job is not None:
            job.ask_stop(STOPPED)
            job.done.wait(5.0)
        with self._lock:
            self._status.pop(name, None)
        self._models.forget(name)  # Check must not answer from a deleted recognizer's model
        self.listeners.wake(name)

    # --- the follower thread -----------------------------------------------------------------

    def _follow(self, job: Job) -> None:
        result: tuple[Any, ...] | None = None
        error: str | None = None
        while True:
            try:
                message = job.conn.recv()
            except (EOFError, OSError):
                break
            if message[0] == "progress":
                self._update(job.name, job.tracker.advance(message[1]))
                if job.watch.is_set() and time.monotonic() - job.watched_at > WATCH_TIMEOUT_S:
                    job.watch.clear()  # nobody looks any more: the worker stops sending
            elif message[0] == "snapshot":
                job.snapshot = message
                job.snapshot_ready.set()
            elif message[0] == "done":
                result = message
                break
            else:
                error = str(message[1])
                break
        job.conn.close()
        job.process.join(timeout=10)
        if result is None:
            if error is None and job.why == SHUT_DOWN:
                error = UNSAVED
            error = (
                error or f"training process ended unexpectedly (exit code {job.process.exitcode})"
            )
            log.error("training of %s failed: %s", job.name, error)
            update = failed(error)
        else:
            update = job.tracker.finish(self._store, job.name, result, job.why)
            self._models.forget(job.name)
        with self._lock:
            del self._jobs[job.name]
        self._end(job.name, self.status(job.name).model_copy(update=update))
        job.done.set()
        self._dispatch()

    def _update(self, name: str, fields: dict[str, Any]) -> None:
        with self._lock:
            if name in self._status:
                self._status[name] = self._status[name].model_copy(update=fields)
        self.listeners.wake(name)
