"""Recognizers: named, persistent workspaces."""

from functools import lru_cache
from typing import NamedTuple

from fastapi import APIRouter, Response, status
from pydantic import BaseModel

from app.deps import ModelsDep, RecognizerDep, StoreDep, TrainerDep, responses
from app.errors import TrainingConflict
from app.jobs import ACTIVE, Trainer
from app.network_settings import NetworkSettings
from app.schemas import (
    LabelCount,
    ModelInfo,
    RecognizerCreate,
    RecognizerRename,
    RecognizerSummary,
    TrainingStatus,
    Validation,
)
from app.store import ModelFacts, Recognizer, Store

router = APIRouter(prefix="/api/recognizers", tags=["recognizers"])


class _Shown(BaseModel):
    """What a summary shows of a model document (app.store.records.facts_of)."""

    validation: Validation | None = None
    validation_note: str | None = None
    temperature: float | None = None


@lru_cache(maxsize=256)  # more than HWR_MAX_RECOGNIZERS' default: a listing cycles through all
def _shown(facts: str) -> _Shown:
    """The stored facts text, validated once: a listing shows the same models again and again,
    and validating a model's validation (every held-out sample) costs more than sending it.
    Keyed by the text itself, so nothing has to be forgotten; shared, so never changed. (The
    trainer keeps each recognizer's restored status, with the same validation, too.)"""
    return _Shown.model_validate_json(facts)


def summarise(store: Store, trainer: Trainer, recognizer: Recognizer) -> RecognizerSummary:
    """The summary of API.md: labels with counts, settings, model and training status."""
    return _summary(*_made_of(store, trainer, recognizer))


class _MadeOf(NamedTuple):
    """What a summary is made of: a summary is a function of these alone."""

    recognizer: Recognizer
    counts: list[tuple[str, int]]
    model: ModelFacts | None  # not the document: listing stays cheap
    training: TrainingStatus

    def same_as(self, last: "_MadeOf") -> bool:
        """The same as `last`: the very same status object (the trainer makes a new one for
        each change; comparing two would cost what encoding one does), the rest equal."""
        return self.training is last.training and self[:3] == last[:3]  # the rest equal


def _made_of(store: Store, trainer: Trainer, recognizer: Recognizer) -> _MadeOf:
    counts = store.label_counts(recognizer.name)
    model = store.get_model_facts(recognizer.name)
    return _MadeOf(recognizer, counts, model, trainer.status(recognizer.name))


def _summary(
    recognizer: Recognizer,
    counts: list[tuple[str, int]],
    model: ModelFacts | None,
    training: TrainingStatus,
) -> RecognizerSummary:
    shown = _shown(model.facts) if model else _Shown()
    info = ModelInfo(
        trained=model is not None,
        labels=model.labels if model else [],
        stale=model is not None and model.stale(recognizer),
        iterations=model.iterations if model else 0,
        mse=model.mse if model else None,
        trained_at=model.trained_at if model else None,
        validation=shown.validation,
        validation_note=shown.validation_note,
        temperature=shown.temperature,
        missing_labels=[label for label, _ in counts if model and label not in model.labels],
    )
    return RecognizerSummary(
        name=recognizer.name,
        grid_size=recognizer.grid_size,
        samples=sum(n for _, n in counts),
        labels=[LabelCount(label=label, samples=n) for label, n in counts],
        network=NetworkSettings.model_validate(recognizer.network),
        model=info,
        training=training,
        created_at=recognizer.created_at,
    )


# Each validation's answer for every held-out drawing (~200 B a drawing, twice a summary: the
# model's and the training's) is for one recognizer's page; a listing leaves them out.
_PER_DRAWING = {"validation": {"held_out"}}
_LISTED = {"model": _PER_DRAWING, "training": _PER_DRAWING}
# Each recognizer's listed summary as last encoded, with what it was made of: a trained one is
# mostly its learning curve (500 points, ~23 KB), and encoding 50 of them cost a listing more
# than reading them. An entry is used while what its summary is made of stays the same.
_encoded: dict[str, tuple[_MadeOf, bytes]] = {}


def _listed(made_of: _MadeOf) -> bytes:
    name = made_of.recognizer.name
    last = _encoded.get(name)
    if last is not None and made_of.same_as(last[0]):
        return last[1]
    data = _summary(*made_of).model_dump_json(exclude=_LISTED).encode()
    _encoded[name] = (made_of, data)
    return data


@router.get("", response_model=list[RecognizerSummary])
def list_recognizers(store: StoreDep, trainer: TrainerDep) -> Response:
    """Every recognizer's summary, each validation without `held_out` (GET /{r} has it)."""
    recognizers = store.list_recognizers()
    listed = [_listed(_made_of(store, trainer, rec)) for rec in recognizers]
    for gone in _encoded.keys() - {rec.name for rec in recognizers}:
        _encoded.pop(gone, None)
    return Response(b"[" + b",".join(listed) + b"]", media_type="application/json")


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=RecognizerSummary,
    responses=responses(e409="name taken, or HWR_MAX_RECOGNIZERS recognizers exist"),
)
def create_recognizer(
    body: RecognizerCreate, store: StoreDep, trainer: TrainerDep
) -> RecognizerSummary:
    rec = store.create_recognizer(body.name, body.grid_size, body.network.model_dump())
    return summarise(store, trainer, rec)


@router.get(
    "/{r}", response_model=RecognizerSummary, responses=responses(e404="unknown recognizer")
)
def get_recognizer(
    recognizer: RecognizerDep, store: StoreDep, trainer: TrainerDep
) -> RecognizerSummary:
    return summarise(store, trainer, recognizer)


@router.patch(
    "/{r}",
    response_model=RecognizerSummary,
    responses=responses(e404="unknown recognizer", e409="name taken or training running"),
)
def rename_recognizer(
    body: RecognizerRename,
    recognizer: RecognizerDep,
    store: StoreDep,
    trainer: TrainerDep,
    models: ModelsDep,
) -> RecognizerSummary:
    """A new name (same rules as creating one); its samples and model go with it."""
    if body.name == recognizer.name:
        return summarise(store, trainer, recognizer)
    if trainer.status(recognizer.name).state in ACTIVE:
        raise TrainingConflict("a training is running: stop it before renaming")
    renamed = store.rename_recognizer(recognizer.name, body.name)
    trainer.forget(recognizer.name)  # the old name's status, listeners' wake-ups
    models.forget(recognizer.name)
    models.forget(body.name)
    return summarise(store, trainer, renamed)


@router.delete(
    "/{r}", status_code=status.HTTP_204_NO_CONTENT, responses=responses(e404="unknown recognizer")
)
def delete_recognizer(recognizer: RecognizerDep, store: StoreDep, trainer: TrainerDep) -> Response:
    store.delete_recognizer(recognizer.name)
    trainer.forget(recognizer.name)  # after the delete: a racing start then sees it gone
    return Response(status_code=status.HTTP_204_NO_CONTENT)
