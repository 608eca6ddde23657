"""From a recognizer in the store to the JobSpec a training process runs, and back: the
settings a start request changes, where training resumes, and the saved model's document."""

from dataclasses import dataclass

import numpy as np

from app.config import Settings
from app.documents import ModelDocument
from app.errors import NotEnoughLabels
from app.learn import Drawing, sample_grid
from app.network_settings import NetworkSettings
from app.nn.network import Network
from app.schemas import TrainingRequest
from app.store import Model, Store
from app.store.fingerprints import fingerprint
from app.worker import JobSpec

# Settings that change the network's shape or units: a change means a new network.
STRUCTURE = (
    "hidden_layers",
    "activation",
    "bias",
    "loss",
    "reject",
    "antialias",
    "ensemble",
    "cross_fit",
)


@dataclass(frozen=True)
class Plan:
    """One training, ready to run: the spec, and what saving its model needs."""

    spec: JobSpec
    revision: int  # the recognizer revision of the samples it trains on
    fingerprint: int  # theirs (app.store.fingerprints): the model is current while it matches
    base_iterations: int  # the resumed model's iterations (0 for a new network)
    reason: str  # why it resumed or started a new network
    created_at: str  # the recognizer's: its model is saved to this one, not a namesake


def check_labels(name: str, count: int) -> None:
    """NotEnoughLabels unless the recognizer has samples of at least two labels."""
    if count < 2:
        raise NotEnoughLabels(f"training needs samples of at least 2 labels; '{name}' has {count}")


def apply_network(store: Store, name: str, request: TrainingRequest) -> None:
    """Save the network settings a start request carries; stored grids follow antialias."""
    new = request.network
    if new is None:
        return
    before = NetworkSettings.model_validate(store.get_recognizer(name).network)
    regrid = sample_grid if new.antialias != before.antialias else None
    store.set_network(name, new.model_dump(), regrid=regrid)


def plan(store: Store, name: str, request: TrainingRequest, defaults: Settings) -> Plan:
    """Read the samples and the model now: a training takes the samples as they are when it
    starts, not when it was queued."""
    recognizer = store.get_recognizer(name)
    labels, samples, revision = store.training_samples(name)
    check_labels(name, len(labels))
    settings = NetworkSettings.model_validate(recognizer.network)
    index = {label: i for i, label in enumerate(labels)}
    drawings = [Drawing(sid, index[label], strokes) for sid, label, strokes in samples]
    model = store.get_model(name)
    start, reason, folds = resume_point(model, labels, settings, recognizer.grid_size)
    spec = JobSpec(
        drawings=drawings,
        labels=labels,
        grid_size=recognizer.grid_size,
        settings=settings,
        start=start,
        max_iterations=request.max_iterations or defaults.max_iterations,
        target_mse=target_mse(request, defaults, settings),
        iterations_per_cycle=request.iterations_per_cycle,
        folds=folds,
    )
    base = model.iterations if (model is not None and start is not None) else 0
    trained_on = fingerprint((sid, label) for sid, label, _ in samples)
    return Plan(spec, revision, trained_on, base, reason, recognizer.created_at)


def target_mse(
    request: TrainingRequest, defaults: Settings, settings: NetworkSettings
) -> float | None:
    """The request's target MSE, else the server's (HWR_TARGET_MSE), else the settings' own
    (the classic preset's 0.01; none for the others, which stop on validation)."""
    if request.target_mse is not None:
        return request.target_mse
    if defaults.target_mse is not None:
        return defaults.target_mse
    return settings.default_target_mse()


def resume_point(
    model: Model | None, labels: list[str], settings: NetworkSettings, grid_size: int
) -> tuple[Network | None, str, dict[int, int] | None]:
    """The network to continue from (or None for a new one), why, and the folds its drawings
    keep (cross-fitting)."""
    if model is None:
        return None, "new network: no trained model yet", None
    if model.labels != labels:
        knew = ", ".join(model.labels)
        return None, f"new network: the labels changed (the model knew {knew})", None
    document = ModelDocument.model_validate(model.document)
    trained = document.network.settings
    if (
        document.grid_size != grid_size
        or trained is None
        or any(getattr(trained, key) != getattr(settings, key) for key in STRUCTURE)
    ):
        return None, "new network: the network settings changed", None
    return document.build(dtype=np.float32), "continued from the trained model", document.folds
