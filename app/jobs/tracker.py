"""Follows one training's messages (app.worker.train) into status fields and, at its end,
the model document to save: the same for a local process and for a worker of the queue."""

import logging
from typing import Any

from app.clock import now
from app.config import Settings
from app.documents import trained_model
from app.folds import wilson
from app.history import Curve
from app.jobs.plan import Plan
from app.replay import rebase
from app.schemas import HistoryPoint, TrainingRequest, Validation
from app.store import NotFound, Store
from app.training_data import validation_size

log = logging.getLogger("hwr.training")
DELETED = "the recognizer was deleted"
STOPPED = "stopped"  # the outcome of Stop


class Tracker:
    """The learning curve of one training and what its messages change in the status."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.curve = Curve()
        spec = plan.spec
        self.validation_samples = validation_size(spec.drawings, spec.labels, spec.settings)

    def running(self, started_at: str) -> dict[str, Any]:
        """The status fields of a training that just got its slot."""
        spec = self.plan.spec
        return {
            "state": "running",
            "queue_position": None,
            "started_at": started_at,
            "resumed": spec.start is not None,
            "reason": self.plan.reason,
            "labels": spec.labels,
            "max_iterations": spec.max_iterations,
            "target_mse": spec.target_mse,
            "iterations": 0,
            "mse_initial": None,
            "mse_current": None,
            "validation_accuracy": None,
            "validation_samples": self.validation_samples,
            "validation_interval": None,
            "validation": None,
            "validation_note": None,
            "history": [],
        }

    def advance(self, points: list[dict[str, Any]]) -> dict[str, Any]:
        """Add the worker's new history points; the status fields they change."""
        for point in points:
            self.curve.add(point)
        history = [HistoryPoint(**point) for point in self.curve.points()]
        if not history:
            return {}
        accuracy, n = history[-1].validation_accuracy, self.validation_samples
        return {
            "iterations": history[-1].iteration,
            "mse_initial": history[0].mse,
            "mse_current": history[-1].mse,
            "validation_accuracy": accuracy,
            "validation_interval": None if accuracy is None else wilson(round(accuracy * n), n),
            "history": history,
        }

    def finish(
        self, store: Store, name: str, done: tuple[Any, ...], stopped: str | None
    ) -> dict[str, Any]:
        """Save the model of a ("done", reason, net, extras, points) message in one
        transaction; the final status fields. `stopped`: why it was asked to stop (its
        outcome: STOPPED, SHUT_DOWN), None when it ended by itself."""
        _, reason, net, extras, points = done
        update = self.advance(points)
        spec = self.plan.spec
        iterations = self.plan.base_iterations + update.get("iterations", 0)
        document = trained_model(spec, net, extras, self.curve.points(), iterations)
        validation = extras["validation"]
        update.update(
            finished_at=now(),
            outcome=stopped or reason,
            state="stopped" if stopped else "finished",
            validation=validation and Validation(**validation),
            validation_note=extras["validation_note"],
        )
        try:
            store.save_model(
                name,
                document,
                spec.labels,
                iterations,
                extras["final_mse"],
                self.plan.revision,
                created_at=self.plan.created_at,
                replay=rebase(extras["replay"], self.plan.base_iterations),
                fingerprint=self.plan.fingerprint,
            )
        except NotFound:
            update.update(state="stopped", outcome=DELETED)
        except Exception as exc:  # a model we could not keep is a failed training
            log.exception("saving the model of %s failed", name)
            update.update(state="failed", error=f"could not save the model: {exc}")
        return update


def queued(
    job_id: int, queued_at: str, request: TrainingRequest, defaults: Settings
) -> dict[str, Any]:
    """The status fields of a start that waits for a slot (the model's figures stay shown)."""
    return {
        "state": "queued",
        "job": job_id,
        "queued_at": queued_at,
        "started_at": None,
        "finished_at": None,
        "error": None,
        "outcome": None,
        "max_iterations": request.max_iterations or defaults.max_iterations,
        "target_mse": defaults.target_mse if request.target_mse is None else request.target_mse,
    }


def failed(error: str) -> dict[str, Any]:
    """The final status fields of a training that ended without a model."""
    return {"state": "failed", "error": error, "finished_at": now()}
