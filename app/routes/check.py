"""Check: what the trained network thinks of a drawing; and the stateless rasteriser."""

from fastapi import APIRouter

from app.deps import ModelsDep, RecognizerDep, SettingsDep, responses, within_limits
from app.errors import TrainingConflict
from app.ink import rasterise
from app.schemas import CheckResult, Confidence, Grid, RasterizeIn, StrokesIn

router = APIRouter(prefix="/api", tags=["check"])


@router.post(
    "/recognizers/{r}/check",
    response_model=CheckResult,
    responses=responses(e404="unknown recognizer", e409="no trained model", e413="body too large"),
)
def check(
    body: StrokesIn, recognizer: RecognizerDep, models: ModelsDep, settings: SettingsDep
) -> CheckResult:
    strokes = within_limits(body.strokes, settings)
    model = models.get(recognizer.name)
    if model is None:
        raise TrainingConflict(f"'{recognizer.name}' has no trained model yet: train it first")
    grid = rasterise(strokes, model.grid_size)
    ranked = model.confidences(grid)
    return CheckResult(
        label=ranked[0][0],
        confidences=[Confidence(label=label, confidence=c) for label, c in ranked],
        grid=grid.tolist(),
    )


@router.post("/rasterize", response_model=Grid, responses=responses(e413="body too large"))
def rasterize(body: RasterizeIn, settings: SettingsDep) -> Grid:
    strokes = within_limits(body.strokes, settings)
    return Grid(grid=rasterise(strokes, body.grid_size).tolist())
