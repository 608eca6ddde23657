"""TrainingService: one background training process per recognizer, stop, progress fan-out.

Each training runs in its own process (forkserver, numpy preloaded), so a long training never
holds the server's GIL; a follower thread per job reads the child's messages, keeps the status,
saves the model when the job ends and wakes every listener of the events stream.
"""

import asyncio
import contextlib
import logging
import multiprocessing
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from typing import Any

from app import worker
from app.config import Settings
from app.errors import NotEnoughLabels, TrainingConflict
from app.history import Curve
from app.learn import Drawing, sample_grid
from app.recognition import ModelCache
from app.schemas import (
    HistoryPoint,
    NetworkSettings,
    TrainingRequest,
    TrainingStatus,
    Validation,
)
from app.snapshot import WATCH_TIMEOUT_S
from app.store import Model, NotFound, Store

log = logging.getLogger("hwr.trainer")
ACTIVE = ("running", "stopping")
# Settings that change the network's shape or units: a change means a new network.
STRUCTURE = ("hidden_layers", "activation", "bias", "loss", "reject", "antialias", "ensemble")


def now() -> str:
    """ISO 8601 UTC with milliseconds, as the store writes its times."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Job:
    id: int
    name: str
    process: Any  # multiprocessing.Process of the forkserver context
    conn: Connection
    stop: Any  # multiprocessing.Event
    labels: list[str]
    grid_size: int
    settings: dict[str, Any]
    revision: int
    base_iterations: int
    watch: Any = None  # multiprocessing.Event: someone wants weight snapshots
    watched_at: float = 0.0  # when someone last asked for one (time.monotonic)
    snapshot: tuple[Any, ...] | None = None  # the latest ("snapshot", iteration, W, b)
    curve: Curve = field(default_factory=Curve)
    snapshot_ready: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)


class TrainingService:
    """Starts, stops and follows trainings; hands out status and wakes listeners."""

    def __init__(self, store: Store, models: ModelCache, settings: Settings) -> None:
        self._store, self._models, self._settings = store, models, settings
        self._ctx = multiprocessing.get_context("forkserver")
        self._ctx.set_forkserver_preload(["app.worker"])
        self._lock = threading.Lock()
        self._jobs: dict[str, Job | None] = {}  # None: a start is being prepared
        self._status: dict[str, TrainingStatus] = {}
        self._listeners: dict[str, set[asyncio.Event]] = {}
        self._job_ids = 0
        self._loop: asyncio.AbstractEventLoop | None = None

    # --- lifecycle ---------------------------------------------------------------------------

    def recover(self) -> None:
        """After a crash: trainings that were running read "failed", interrupted (API.md)."""
        for name, since in self._store.take_interrupted():
            status = self.status(name).model_copy(
                update={
                    "state": "failed",
                    "started_at": since,
                    "error": "interrupted by a server restart: the training was still running "
                    "when the server stopped; the model from before it is kept",
                }
            )
            with self._lock:
                self._status[name] = status

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """Remember the event loop that listeners wait on."""
        self._loop = loop

    def shutdown(self, timeout: float = 5.0) -> None:
        """Stop every job, let each save what it has, and end the processes."""
        with self._lock:
            jobs = [job for job in self._jobs.values() if job is not None]
        for job in jobs:
            job.stop.set()
        for job in jobs:
            if not job.done.wait(timeout):
                job.process.terminate()

    # --- queries -----------------------------------------------------------------------------

    def status(self, name: str) -> TrainingStatus:
        """The latest training's status; after a restart, idle with the saved model's curve
        and validation (read from the store once)."""
        with self._lock:
            status = self._status.get(name)
        if status is not None:
            return status
        model = self._store.get_model(name)
        if model is None:
            return TrainingStatus()
        doc = model.document
        restored = TrainingStatus(
            iterations=model.iterations,
            history=doc.get("history") or [],
            validation=doc.get("validation"),
            validation_note=doc.get("validation_note"),
            labels=model.labels,
        )
        if restored.history:
            restored.mse_initial = restored.history[0].mse
            restored.mse_current = restored.history[-1].mse
            restored.validation_accuracy = restored.history[-1].validation_accuracy
        with self._lock:
            return self._status.setdefault(name, restored)

    def running(self) -> int:
        with self._lock:
            return sum(1 for job in self._jobs.values() if job is not None)

    def listener_count(self) -> int:
        with self._lock:
            return sum(len(group) for group in self._listeners.values())

    # --- start and stop ----------------------------------------------------------------------

    def start(self, name: str, request: TrainingRequest) -> TrainingStatus:
        """Begin a training (TrainingConflict if one runs, NotEnoughLabels with < 2 labels)."""
        recognizer = self._store.get_recognizer(name)
        with self._lock:
            if name in self._jobs:
                raise TrainingConflict(f"a training is already running for '{name}'")
            self._jobs[name] = None
            self._job_ids += 1
            job_id = self._job_ids
        try:
            status = self._launch(job_id, name, recognizer.grid_size, request)
        except BaseException:
            with self._lock:
                del self._jobs[name]
            with contextlib.suppress(Exception):  # not started: nothing was interrupted
                self._store.mark_training(name, None)
            raise
        try:  # deleted while this start was prepared? Its forget() ran before the job existed
            self._store.get_recognizer(name)
        except NotFound:
            self.forget(name)
            raise
        self._publish(name)
        return status

    def _launch(
        self, job_id: int, name: str, grid_size: int, request: TrainingRequest
    ) -> TrainingStatus:
        labels, samples, revision = self._store.training_samples(name)
        if len(labels) < 2:  # before saving the settings: a refused start changes nothing
            raise NotEnoughLabels(
                f"training needs samples of at least 2 labels; '{name}' has {len(labels)}"
            )
        if request.network is not None:
            new = request.network.model_dump()
            before = self._store.get_recognizer(name).network.get("antialias", False)
            regrid = sample_grid if new["antialias"] != before else None
            self._store.set_network(name, new, regrid=regrid)
        settings = NetworkSettings.model_validate(
            self._store.get_recognizer(name).network
        ).model_dump()
        index = {label: i for i, label in enumerate(labels)}
        drawings = [Drawing(sid, index[label], strokes) for sid, label, strokes in samples]
        model = self._store.get_model(name)
        start, reason = resume_point(model, labels, settings, grid_size)
        spec = worker.JobSpec(
            drawings=drawings,
            labels=labels,
            grid_size=grid_size,
            settings=settings,
            start=start,
            max_iterations=request.max_iterations or self._settings.max_iterations,
            target_mse=self._settings.target_mse
            if request.target_mse is None
            else request.target_mse,
            iterations_per_cycle=request.iterations_per_cycle,
        )
        receiver, sender = self._ctx.Pipe(duplex=False)
        started_at = now()
        self._store.mark_training(name, started_at)  # before the process: nothing to orphan
        stop, watch = self._ctx.Event(), self._ctx.Event()
        process = self._ctx.Process(
            target=worker.train,
            args=(spec, sender, stop, watch),
            name=f"hwr-train-{name}",
            daemon=True,
        )
        process.start()
        sender.close()  # the child holds the only writer: its exit means EOF here
        job = Job(
            id=job_id,
            name=name,
            process=process,
            conn=receiver,
            stop=stop,
            watch=watch,
            labels=labels,
            grid_size=grid_size,
            settings=settings,
            revision=revision,
            base_iterations=model.iterations if (model and start) else 0,
        )
        status = TrainingStatus(
            state="running",
            job=job_id,
            started_at=started_at,
            resumed=start is not None,
            reason=reason,
            labels=labels,
            max_iterations=spec.max_iterations,
            target_mse=spec.target_mse,
        )
        with self._lock:
            self._jobs[name] = job
            self._status[name] = status
        threading.Thread(
            target=self._follow, args=(job,), name=f"follow-{name}", daemon=True
        ).start()
        return status

    def stop(self, name: str) -> TrainingStatus:
        """Ask the running job to end (idempotent); it saves the model trained so far."""
        with self._lock:
            job = self._jobs.get(name)
            if job is not None:
                job.stop.set()
                current = self._status[name]
                if current.state == "running":
                    self._status[name] = current.model_copy(update={"state": "stopping"})
            status = self._status.get(name, TrainingStatus())
        self._publish(name)
        return status

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
        return {
            "job": job.id,
            "iteration": int(shot[1]),
            "W": shot[2],
            "b": shot[3],
            "settings": job.settings,
            "labels": job.labels,
        }

    def model_replaced(self, name: str) -> None:
        """A model was imported: an idle status shows its curve, not the previous model's."""
        with self._lock:
            status = self._status.get(name)
            if status is not None and status.state not in ACTIVE:
                del self._status[name]
        self._publish(name)

    def forget(self, name: str) -> None:
        """The recognizer is being deleted: stop its job, drop its status and cached model."""
        with self._lock:
            job = self._jobs.get(name)
        if job is not None:
            job.stop.set()
            job.done.wait(5.0)
        with self._lock:
            self._status.pop(name, None)
        self._models.forget(name)  # Check must not answer from a deleted recognizer's model
        self._publish(name)

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
                self._update(job.name, **self._advance(job, message[1]))
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
        final = self._finish(job, result, error)
        try:
            self._store.mark_training(job.name, None)
        except Exception:  # the status says what happened; a restart would say "interrupted"
            log.exception("could not note the end of %s's training", job.name)
        with self._lock:
            del self._jobs[job.name]
            if job.name in self._status:
                self._status[job.name] = final
        job.done.set()
        self._publish(job.name)

    def _finish(
        self, job: Job, result: tuple[Any, ...] | None, error: str | None
    ) -> TrainingStatus:
        """Save the model of a finished or stopped job; the final status."""
        current = self.status(job.name)
        if result is None:
            error = (
                error or f"training process ended unexpectedly (exit code {job.process.exitcode})"
            )
            log.error("training of %s failed: %s", job.name, error)
            return current.model_copy(
                update={"state": "failed", "error": error, "finished_at": now()}
            )
        _, reason, net, extras, points = result
        update = self._advance(job, points)
        validation = extras["validation"]
        document = {
            "format": "hwr-model/1",
            "labels": job.labels,
            "grid_size": job.grid_size,
            "network": {**net["network"], "settings": job.settings},
            "layers": net["layers"],
            **{key: value for key, value in extras.items() if key != "final_mse"},
            "history": job.curve.points(),
            "iterations": job.base_iterations + update["iterations"],
            "mse": extras["final_mse"],
        }
        update.update(
            finished_at=now(),
            outcome=reason,
            state="stopped" if job.stop.is_set() else "finished",
            validation=validation and Validation(**validation),
            validation_note=extras["validation_note"],
        )
        try:
            self._store.save_model(
                job.name,
                document,
                job.labels,
                job.base_iterations + update["iterations"],
                extras["final_mse"],
                job.revision,
            )
        except NotFound:
            update.update(state="stopped", outcome="the recognizer was deleted")
        except Exception as exc:  # a model we could not keep is a failed training
            log.exception("saving the model of %s failed", job.name)
            update.update(state="failed", error=f"could not save the model: {exc}")
        self._models.forget(job.name)
        return current.model_copy(update=update)

    @staticmethod
    def _advance(job: Job, points: list[dict[str, Any]]) -> dict[str, Any]:
        """Add the worker's new history points; the status fields they change."""
        for point in points:
            job.curve.add(point)
        history = [HistoryPoint(**point) for point in job.curve.points()]
        if not history:
            return {}
        return {
            "iterations": history[-1].iteration,
            "mse_initial": history[0].mse,
            "mse_current": history[-1].mse,
            "validation_accuracy": history[-1].validation_accuracy,
            "history": history,
        }

    def _update(self, name: str, **fields: Any) -> None:
        with self._lock:
            if name in self._status:
                self._status[name] = self._status[name].model_copy(update=fields)
        self._publish(name)

    # --- listeners ---------------------------------------------------------------------------

    def listen(self, name: str) -> asyncio.Event:
        """A new listener's wake-up event; call unlisten() when it goes."""
        event = asyncio.Event()
        with self._lock:
            self._listeners.setdefault(name, set()).add(event)
        return event

    def unlisten(self, name: str, event: asyncio.Event) -> None:
        with self._lock:
            group = self._listeners.get(name)
            if group is not None:
                group.discard(event)
                if not group:
                    del self._listeners[name]

    def _publish(self, name: str) -> None:
        """Wake the listeners: setting an event never blocks, so slow clients cost nothing here."""
        loop = self._loop
        with self._lock:
            events = list(self._listeners.get(name, ()))
        if loop is None or loop.is_closed():
            return
        for event in events:
            loop.call_soon_threadsafe(event.set)


def resume_point(
    model: Model | None, labels: list[str], settings: dict[str, Any], grid_size: int
) -> tuple[dict[str, Any] | None, str]:
    """The weights to continue from (or None for a new network), and why."""
    if model is None:
        return None, "new network: no trained model yet"
    if model.labels != labels:
        return None, f"new network: the labels changed (the model knew {', '.join(model.labels)})"
    doc = model.document
    trained_with = doc.get("network", {}).get("settings", {})
    if doc.get("grid_size") != grid_size or any(
        trained_with.get(key) != settings.get(key) for key in STRUCTURE
    ):
        return None, "new network: the network settings changed"
    return {"network": doc["network"], "layers": doc["layers"]}, "continued from the trained model"


__all__ = ["ACTIVE", "NetworkSettings", "TrainingService"]
