"""Labels as a whole: rename one (or merge it into another), delete all of its samples."""

from typing import Annotated

from fastapi import APIRouter, Path

from app.deps import ModelsDep, RecognizerDep, StoreDep, responses
from app.schemas import LabelCount, LabelRename

router = APIRouter(prefix="/api/recognizers/{r}/labels", tags=["samples"])
# :path lets a label be "/" or contain one ("1/2"); the client URL-encodes it.
LabelParam = Annotated[str, Path(description="the label, URL-encoded")]
NOT_FOUND = responses(e404="unknown recognizer or label")


@router.patch(
    "/{label:path}",
    response_model=LabelCount,
    responses={**NOT_FOUND, **responses(e422="bad label")},
)
def rename_label(
    label: LabelParam,
    body: LabelRename,
    recognizer: RecognizerDep,
    store: StoreDep,
    models: ModelsDep,
) -> LabelCount:
    """Every sample of `label` gets the new label; an existing label of that name is merged."""
    store.rename_label(recognizer.name, label, body.label)
    models.samples_changed(recognizer.name)
    counts = dict(store.label_counts(recognizer.name))
    return LabelCount(label=body.label, samples=counts.get(body.label, 0))


@router.delete("/{label:path}", response_model=LabelCount, responses=NOT_FOUND)
def delete_label(
    label: LabelParam, recognizer: RecognizerDep, store: StoreDep, models: ModelsDep
) -> LabelCount:
    """Delete every sample of the label; the answer says how many went."""
    deleted = store.delete_label(recognizer.name, label)
    models.samples_changed(recognizer.name)
    return LabelCount(label=label, samples=deleted)
