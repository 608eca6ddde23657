"""What both training services share: the states that count as busy and the status of a
recognizer with no training in this process."""

from app.schemas import TrainingStatus
from app.store import Store

# A training is "active" from its start until it ends: waiting for a slot, training, stopping.
ACTIVE = ("queued", "running", "stopping")
INTERRUPTED = (
    "interrupted by a server restart: the training was queued or running when the server "
    "stopped; the model from before it is kept"
)


def restored(store: Store, name: str) -> TrainingStatus:
    """Idle, with the saved model's curve and validation: what a recognizer shows when no
    training of it is known (after a restart, or in another process)."""
    model = store.get_model(name)
    if model is None:
        return TrainingStatus()
    doc = model.document
    status = TrainingStatus(
        iterations=model.iterations,
        history=doc.get("history") or [],
        validation=doc.get("validation"),
        validation_note=doc.get("validation_note"),
        labels=model.labels,
    )
    if status.history:
        status.mse_initial = status.history[0].mse
        status.mse_current = status.history[-1].mse
        status.validation_accuracy = status.history[-1].validation_accuracy
    if status.validation is not None:
        status.validation_samples = status.validation.samples
        status.validation_interval = status.validation.interval
    return status


def interrupted(status: TrainingStatus, since: str) -> TrainingStatus:
    """The status of a training that the death of its server cut short (API.md v1.1)."""
    return status.model_copy(update={"state": "failed", "started_at": since, "error": INTERRUPTED})
