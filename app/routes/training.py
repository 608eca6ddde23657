"""Training: start, stop, status, and the server-sent events stream of progress."""

import asyncio
import json
from typing import Annotated

from fastapi import APIRouter, Body
from fastapi.responses import StreamingResponse

from app.deps import EVENT_STREAM, RecognizerDep, TrainerDep, event_stream, responses
from app.events import HEARTBEAT_EVERY_S, Step, event
from app.jobs import ACTIVE, Trainer
from app.schemas import TrainingRequest, TrainingStatus

router = APIRouter(prefix="/api/recognizers/{r}/training", tags=["training"])
NOT_FOUND = responses(e404="unknown recognizer")
PROGRESS_EVERY_S = 0.2  # API.md promises at least every 250 ms while training runs


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


_last_events: dict[str, tuple[TrainingStatus, str, dict[str, bytes]]] = {}


def status_event(name: str, kind: str, status: TrainingStatus) -> bytes:
    """One event, encoded. The status JSON and each kind of event of it are made once for all
    listeners of a recognizer: with its history (up to 501 points, ~35 KB) 100 listeners
    would otherwise each serialise it, then copy and encode it."""
    cached = _last_events.get(name)
    if cached is None or cached[0] is not status:
        cached = _last_events[name] = (status, json.dumps(status.model_dump()), {})
    events = cached[2]
    if kind not in events:
        events[kind] = event(kind, cached[1]).encode()
    return events[kind]


class TrainingFeed:
    """`status` at once; while a training runs `progress` every 200 ms or sooner; `done` at its
    end, then the stream closes. Idle, it waits for the next training (with heartbeats)."""

    def __init__(self, trainer: Trainer, name: str) -> None:
        self.trainer, self.name = trainer, name
        self.seen_job, self.following = 0, False

    def listen(self) -> asyncio.Event:
        return self.trainer.listeners.listen(self.name)

    def unlisten(self, wake: asyncio.Event) -> None:
        self.trainer.listeners.unlisten(self.name, wake)

    async def first(self) -> Step:
        status = self.trainer.status(self.name)
        self.seen_job, self.following = status.job, status.state in ACTIVE
        return Step(status_event(self.name, "status", status))

    async def next(self, woke: bool) -> Step:
        status = self.trainer.status(self.name)
        if status.state in ACTIVE:
            self.following = True
            return Step(status_event(self.name, "progress", status))
        if self.following or status.job != self.seen_job:
            return Step(status_event(self.name, "done", status), last=True)
        return Step(None)

    def wait_s(self) -> float:
        return PROGRESS_EVERY_S if self.following else HEARTBEAT_EVERY_S


@router.get("/events", response_class=StreamingResponse, responses={**NOT_FOUND, **EVENT_STREAM})
def training_events(recognizer: RecognizerDep, trainer: TrainerDep) -> StreamingResponse:
    return event_stream(TrainingFeed(trainer, recognizer.name))
