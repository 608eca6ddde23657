"""Check: what the trained network thinks of a drawing; and the stateless rasteriser.

Check is the hot path (measured in docs/benchmarks.md, "Check over HTTP"). FastAPI sends every
sync dependency and sync endpoint through its thread pool, and a trip there costs about what the
whole Check computes. So Check takes its model from the cache with no trip, and otherwise makes
one, for what may wait on the store (the recognizer, so 404 still comes first, and its model),
on a thread of its own: the store serialises its readers on one lock anyway, and a single
thread does queued lookups back to back instead of pool threads fighting the event loop for
the GIL. The rest runs on the event loop: rasterising
and one forward pass take ~0.1 ms for a typical drawing and ~0.5 ms at the 4,096-point limit,
within the design's "a millisecond or two". The answer is serialised once, from the model built.
"""

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated

from fastapi import APIRouter, Depends, Response

from app.deps import ModelsDep, NameParam, SettingsDep, StoreDep, responses, within_limits
from app.errors import NoModel, unprocessable
from app.ink import rasterise
from app.recognition import LoadedModel
from app.schemas import CheckIn, CheckResult, Confidence, Grid, RasterizeIn

router = APIRouter(prefix="/api", tags=["check"])
_LOOKUPS = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hwr-check")


Lookup = tuple[LoadedModel, tuple[int, list[str]]] | None


async def _lookup(r: NameParam, store: StoreDep, models: ModelsDep) -> Lookup:
    """The trained model of the recognizer named in the path and the recognizer's (fingerprint,
    labels), or None (NotFound becomes 404). A cached model needs no trip at all: deleting a
    recognizer drops its model from the cache, changing its samples its labels."""
    cached = models.peek(r)
    if cached is not None:
        return cached

    def lookup() -> Lookup:
        return models.get(store.get_recognizer(r).name)

    return await asyncio.get_running_loop().run_in_executor(_LOOKUPS, lookup)


@router.post(
    "/recognizers/{r}/check",
    response_model=CheckResult,
    responses=responses(e404="unknown recognizer", e409="no trained model", e413="body too large"),
)
async def check(
    r: NameParam,
    body: CheckIn,
    found: Annotated[Lookup, Depends(_lookup)],
    settings: SettingsDep,
) -> Response:
    strokes = within_limits(body.strokes, settings)
    if found is None:
        raise NoModel(f"'{r}' has no trained model yet: train it first")
    model, (fingerprint, labels) = found
    if body.member >= model.members:
        raise unprocessable("member", f"the model is an ensemble of {model.members}")
    grid = rasterise(strokes, model.grid_size, antialias=model.antialias)
    answer = model.answer(grid)
    result = CheckResult(
        label=answer.ranked[0][0],
        confidences=[Confidence(label=label, confidence=c) for label, c in answer.ranked],
        grid=grid.tolist(),
        unknown=answer.unknown,
        unknown_reason=answer.reason,
        unknown_signal=answer.signal,
        stale=fingerprint != model.fingerprint,
        missing_labels=[label for label in labels if label not in model.labels],
        activations=model.path(grid, body.member) if body.activations else None,
    )
    return Response(result.model_dump_json(), media_type="application/json")


@router.post("/rasterize", response_model=Grid, responses=responses(e413="body too large"))
def rasterize(body: RasterizeIn, settings: SettingsDep) -> Grid:
    strokes = within_limits(body.strokes, settings)
    return Grid(grid=rasterise(strokes, body.grid_size, antialias=body.antialias).tolist())
