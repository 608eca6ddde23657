"""Annotated dependencies for the routes, the drawing limits of the settings, and the answer
of an events route.

The getters are async only because they never block: FastAPI runs sync dependencies in its
thread pool, a trip that costs more than reading app.state.
"""

from itertools import chain
from typing import Annotated, Any

from fastapi import Depends, Path, Request
from fastapi.responses import StreamingResponse

from app.config import Settings
from app.errors import unprocessable
from app.events import Feed, follow
from app.jobs import Trainer
from app.recognition import ModelCache
from app.schema_types import StrokeList
from app.store import Recognizer, Store


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


async def get_store(request: Request) -> Store:
    return request.app.state.store  # type: ignore[no-any-return]


async def get_trainer(request: Request) -> Trainer:
    return request.app.state.trainer  # type: ignore[no-any-return]


async def get_models(request: Request) -> ModelCache:
    return request.app.state.models  # type: ignore[no-any-return]


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[Store, Depends(get_store)]
TrainerDep = Annotated[Trainer, Depends(get_trainer)]
ModelsDep = Annotated[ModelCache, Depends(get_models)]
Responses = dict[int | str, dict[str, Any]]


def responses(**codes: str) -> Responses:
    """OpenAPI error responses: responses(e404="unknown recognizer") -> {404: {...}}."""
    return {int(code[1:]): {"description": text} for code, text in codes.items()}


EVENT_STREAM: Responses = {
    200: {"content": {"text/event-stream": {}}, "description": "the event stream"}
}


def event_stream(feed: Feed) -> StreamingResponse:
    """The answer of an events route: the feed's events as they come (app/events.py)."""
    return StreamingResponse(
        follow(feed),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


NameParam = Annotated[str, Path(description="recognizer name")]


def get_recognizer(r: NameParam, store: StoreDep) -> Recognizer:
    """The recognizer named in the path; NotFound becomes 404."""
    return store.get_recognizer(r)


RecognizerDep = Annotated[Recognizer, Depends(get_recognizer)]


def within_limits(strokes: StrokeList, settings: Settings, field: str = "strokes") -> StrokeList:
    """The configurable limits of API.md on one drawing; 422 naming the field otherwise."""
    if len(strokes) > settings.max_strokes:
        raise unprocessable(field, f"at most {settings.max_strokes} strokes, got {len(strokes)}")
    points = sum(len(stroke) for stroke in strokes)
    if points == 0:
        raise unprocessable(field, "a drawing needs at least one point")
    if points > settings.max_points:
        raise unprocessable(field, f"at most {settings.max_points} points in all, got {points}")
    limit = settings.max_coordinate
    numbers = chain.from_iterable(chain.from_iterable(strokes))  # in C: ~10x a generator's speed
    if max(map(abs, numbers)) > limit:
        raise unprocessable(field, f"every number must be within ±{limit:g}")
    return strokes
