"""Samples: labelled drawings, stored with their strokes and grid."""

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from app.deps import ModelsDep, RecognizerDep, SettingsDep, StoreDep, responses, within_limits
from app.learn import sample_grid
from app.schemas import LabelRename, SampleDetail, SampleIn, SampleOut
from app.store import Sample

router = APIRouter(prefix="/api/recognizers/{r}/samples", tags=["samples"])
NOT_FOUND = responses(e404="unknown recognizer or sample")
# Ids are SQLite rowids: a bigger number is no id at all (and would overflow the driver: a 500).
SampleId = Annotated[int, Path(description="sample id", ge=1, le=2**63 - 1)]


def sample_out(sample: Sample) -> SampleOut:
    return SampleOut(
        id=sample.id, label=sample.label, grid=sample.grid, created_at=sample.created_at
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=SampleOut,
    responses={
        **NOT_FOUND,
        **responses(e409="the recognizer has HWR_MAX_SAMPLES samples", e413="body too large"),
    },
)
def add_sample(
    body: SampleIn,
    recognizer: RecognizerDep,
    store: StoreDep,
    settings: SettingsDep,
    models: ModelsDep,
) -> SampleOut:
    strokes = within_limits(body.strokes, settings)
    grid = sample_grid(strokes, recognizer.grid_size, recognizer.network)
    sample = store.add_sample(recognizer.name, body.label, strokes, grid)
    models.samples_changed(recognizer.name)
    return sample_out(sample)


@router.get("", response_model=list[SampleOut], responses=NOT_FOUND)
def list_samples(
    recognizer: RecognizerDep, store: StoreDep, label: str | None = None
) -> list[SampleOut]:
    return [sample_out(s) for s in store.list_samples(recognizer.name, label)]


@router.get("/{id}", response_model=SampleDetail, responses=NOT_FOUND)
def get_sample(id: SampleId, recognizer: RecognizerDep, store: StoreDep) -> SampleDetail:
    sample = store.get_sample(recognizer.name, id)
    return SampleDetail(**sample_out(sample).model_dump(), strokes=sample.strokes or [])


@router.patch(
    "/{id}", response_model=SampleOut, responses={**NOT_FOUND, **responses(e422="bad label")}
)
def move_sample(
    id: SampleId,
    body: LabelRename,
    recognizer: RecognizerDep,
    store: StoreDep,
    models: ModelsDep,
) -> SampleOut:
    """Give one sample another label: the fix for a mislabelled drawing."""
    sample = store.relabel_sample(recognizer.name, id, body.label)
    models.samples_changed(recognizer.name)
    return sample_out(sample)


@router.delete("/{id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
def delete_sample(
    id: SampleId, recognizer: RecognizerDep, store: StoreDep, models: ModelsDep
) -> Response:
    """Delete one sample; POST .../restore puts it back (Undo)."""
    store.delete_sample(recognizer.name, id)
    models.samples_changed(recognizer.name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{id}/restore",
    response_model=SampleOut,
    responses=responses(
        e404="unknown recognizer, or no deleted sample of that id to restore",
        e409="the recognizer has HWR_MAX_SAMPLES samples",
    ),
)
def restore_sample(
    id: SampleId, recognizer: RecognizerDep, store: StoreDep, models: ModelsDep
) -> SampleOut:
    """Undo a delete: the sample comes back with its id (so in its place) and its label, and a
    model trained with it is current again. Answered as it is when it is there already."""
    sample = store.restore_sample(recognizer.name, id, sample_grid)
    models.samples_changed(recognizer.name)
    return sample_out(sample)
