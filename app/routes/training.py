"""Training: start, stop, status, and the server-sent events stream of progress."""

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Body
from fastapi.responses import StreamingResponse

from app.deps import RecognizerDep, TrainerDep, responses
from app.jobs import ACTIVE, Trainer
from app.schemas import TrainingRequest, TrainingStatus

router = APIRouter(prefix="/api/recognizers/{r}/training", tags=["training"])
NOT_FOUND = responses(e404="unknown recognizer")
PROGRESS_EVERY_S = 0.2  # API.md promises at least every 250 ms while training runs
HEARTBEAT_EVERY_S = 15.0  # keeps idle streams open through proxies
RETRY_MS = 1000  # how soon EventSource reconnects after the stream ends


@router.post(
    "",
    status_code=202,
    response_model=TrainingStatus,
    responses={**NOT_FOUND, **responses(e409="already running", e422="fewer than 2 labels")},
)
def start_training(
    recognizer: RecognizerDep,
    trainer: TrainerDep,
    body: Annotated[TrainingRequest | None, Body()] = None,
) -> TrainingStatus:
    return trainer.start(recognizer.name, body or TrainingRequest())


@router.get("", response_model=TrainingStatus, responses=NOT_FOUND)
def get_training(recognizer: RecognizerDep, trainer: TrainerDep) -> TrainingStatus:
    return trainer.status(recognizer.name)


@router.delete("", response_model=TrainingStatus, responses=NOT_FOUND)
def stop_training(recognizer: RecognizerDep, trainer: TrainerDep) -> TrainingStatus:
    return trainer.stop(recognizer.name)


_last_json: dict[str, tuple[TrainingStatus, str]] = {}


def sse(event: str, status: TrainingStatus, name: str = "") -> str:
    """One event. The status JSON is made once for all listeners of a recognizer: with its
    history (up to 501 points, ~35 KB) 100 listeners would otherwise each serialise it."""
    cached = _last_json.get(name)
    if cached is None or cached[0] is not status:
        cached = _last_json[name] = (status, json.dumps(status.model_dump()))
    return f"event: {event}\ndata: {cached[1]}\n\n"


async def stream(trainer: Trainer, name: str) -> AsyncIterator[str]:
    """`status` at once; while a training runs `progress` every 200 ms or sooner; `done` at its
    end, then the stream closes. Idle, it waits for the next training with heartbeats."""
    wake = trainer.listen(name)
    try:
        status = trainer.status(name)
        seen_job, following = status.job, status.state in ACTIVE
        yield f"retry: {RETRY_MS}\n" + sse("status", status, name)
        last_sent = time.monotonic()
        while True:
            timeout = PROGRESS_EVERY_S if following else HEARTBEAT_EVERY_S
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout)
            wake.clear()
            status = trainer.status(name)
            if status.state in ACTIVE:
                following = True
                yield sse("progress", status, name)
            elif following or status.job != seen_job:
                yield sse("done", status, name)
                return
            elif time.monotonic() - last_sent >= HEARTBEAT_EVERY_S:
                yield ": heartbeat\n\n"
            else:
                continue
            last_sent = time.monotonic()
    finally:
        trainer.unlisten(name, wake)


@router.get(
    "/events",
    response_class=StreamingResponse,
    responses={
        **NOT_FOUND,
        200: {"content": {"text/event-stream": {}}, "description": "the event stream"},
    },
)
def training_events(recognizer: RecognizerDep, trainer: TrainerDep) -> StreamingResponse:
    return StreamingResponse(
        stream(trainer, recognizer.name),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
