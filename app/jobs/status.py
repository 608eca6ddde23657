"""What both training services share: the states that count as busy, the status of a
recognizer with no training in this process, and how a shutdown or a crash reads after the
restart."""

from typing import Any

from app.schemas import TrainingStatus
from app.store import Store

# A training is "active" from its start until it ends: waiting for a slot, training, stopping.
ACTIVE = ("queued", "running", "stopping")
INTERRUPTED = (
    "interrupted by a server restart: the training was queued or running when the server "
    "stopped; the model from before it is kept"
)
# Outcomes of trainings that a shutdown (Ctrl+C, SIGTERM) stopped the way Stop does: the
# server's, an hwr worker's, and of one still waiting for a slot.
SHUT_DOWN = "the server was shut down; the model trained so far is kept"
WORKER_SHUT_DOWN = "the worker was shut down; the model trained so far is kept"
SHUT_DOWN_QUEUED = "the server was shut down before it started: nothing was trained"
# The error of one that did not end in time to save (its process was ended).
UNSAVED = (
    "the server was shut down before the training could save its model; the model from "
    "before it is kept"
)
# What a status says of how its training ended, kept in the store across a shutdown; the
# figures (iterations, MSE, history, validation) are the saved model's.
ENDING = (
    "state",
    "job",
    "queued_at",
    "started_at",
    "finished_at",
    "error",
    "outcome",
    "resumed",
    "reason",
    "target_mse",
)


def restored(store: Store, name: str, ending: dict[str, Any] | None = None) -> TrainingStatus:
    """Idle (or, with `ending`, ended as it says), with the saved model's curve and validation:
    what a recognizer shows when no training of it is known (after a restart, or in another
    process). The curve counts the model's iterations: a continued run's ends at them."""
    model = store.get_model(name)
    if model is None:
        return TrainingStatus.model_validate(ending or {})
    doc = model.document
    history = doc.get("history") or []
    base = max(0, model.iterations - history[-1]["iteration"]) if history else 0
    status = TrainingStatus.model_validate(
        {
            **(ending or {}),
            "iterations": model.iterations,
            "history": [{**point, "iteration": point["iteration"] + base} for point in history],
            "validation": doc.get("validation"),
            "validation_note": doc.get("validation_note"),
            "labels": model.labels,
        }
    )
    if status.history:
        status.mse_initial = status.history[0].mse
        status.mse_current = status.history[-1].mse
        status.validation_accuracy = status.history[-1].validation_accuracy
    if status.validation is not None:
        status.validation_samples = status.validation.samples
        status.validation_interval = status.validation.interval
    return status


def ending(status: TrainingStatus) -> dict[str, Any]:
    """What the store keeps of a training that a shutdown ended (restored() reads it back)."""
    return status.model_dump(include=set(ENDING))


def interrupted(status: TrainingStatus, since: str) -> TrainingStatus:
    """The status of a training that the death of its server cut short (API.md v1.1)."""
    return status.model_copy(update={"state": "failed", "started_at": since, "error": INTERRUPTED})
