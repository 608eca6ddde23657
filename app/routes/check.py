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

import numpy as np
from fastapi import APIRouter, Depends, Request, Response
from numpy.typing import NDArray

from app.deps import (
    NameParam,
    SettingsDep,
    StoreDep,
    get_models,
    get_settings,
    get_store,
    responses,
    within_limits,
)
from app.errors import NoModel, unprocessable
from app.ink import rasterise
from app.learn import sample_grid
from app.nn.ensemble import member
from app.recognition import Found
from app.recognizer import Recognizer
from app.schemas import (
    CheckIn,
    CheckResult,
    Confidence,
    Grid,
    NetworkPath,
    RasterizeIn,
    RecognizerCreate,
)

router = APIRouter(prefix="/api", tags=["check"])
_LOOKUPS = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hwr-check")


Lookup = Found | None


async def _lookup(r: NameParam, request: Request) -> Lookup:
    """The trained model of the recognizer named in the path and its samples' facts, or None
    (NotFound becomes 404). A cached model needs no trip at all: deleting a
    recognizer drops its model from the cache, changing its samples its labels. The cache and
    the store are taken from the app here, not as dependencies: FastAPI solving each one costs
    Check about what its forward pass does."""
    models = await get_models(request)
    cached = models.peek(r)
    if cached is not None:
        return cached
    store = await get_store(request)

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
    request: Request,
) -> Response:
    strokes = within_limits(body.strokes, await get_settings(request))
    if found is None:
        raise NoModel(f"'{r}' has no trained model yet: train it first")
    model = found.model
    if body.member >= model.members:
        raise unprocessable("member", f"the model is an ensemble of {model.members}")
    answer = model.check(strokes)  # app.recognizer: the same as `from hwr import Recognizer`
    result = CheckResult(
        label=answer.label,
        confidences=[Confidence(label=label, confidence=c) for label, c in answer.ranked],
        grid=answer.grid.tolist(),
        unknown=answer.unknown,
        unknown_reason=answer.reason,
        unknown_signal=answer.signal,
        stale=found.stale,
        missing_labels=found.missing_labels,
        activations=_path(model, answer.grid, body.member) if body.activations else None,
    )
    return Response(result.model_dump_json(), media_type="application/json")


def _path(model: Recognizer, grid: NDArray[np.float32], which: int) -> NetworkPath:
    """The drawing through member `which`: each hidden layer's activations, the outputs."""
    A = member(model.net, model.members, which).forward(grid[None, :])
    layers = [[round(float(x), 5) for x in a[0]] for a in A[1:]]
    return NetworkPath(member=which, layers=layers[:-1], outputs=layers[-1])


@router.post(
    "/rasterize",
    response_model=Grid,
    responses=responses(e404="unknown recognizer", e413="body too large"),
)
def rasterize(body: RasterizeIn, settings: SettingsDep, store: StoreDep) -> Grid:
    """The grid a sample or a Check with these strokes would use: under the recognizer's
    settings (a sample's grid, app.learn.sample_grid), or those given, or a new recognizer's."""
    strokes = within_limits(body.strokes, settings)
    given = sorted(body.model_fields_set & {"grid_size", "antialias"})
    if body.recognizer is not None:
        if given:
            raise unprocessable(given[0], "give either `recognizer` or the grid's options")
        recognizer = store.get_recognizer(body.recognizer)  # NotFound: 404
        return Grid(grid=sample_grid(strokes, recognizer.grid_size, recognizer.network))
    new = RecognizerCreate.model_fields  # what a new recognizer gets by default
    grid_size = new["grid_size"].default if body.grid_size is None else body.grid_size
    antialias = new["network"].default.antialias if body.antialias is None else body.antialias
    return Grid(grid=rasterise(strokes, grid_size, antialias=antialias).tolist())
