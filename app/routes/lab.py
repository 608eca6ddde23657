"""The lab's runs (API.md, "Lab (v1.1)"): create, read, change, feed, delete, and their events.

The runs live in the LabRuns the app's lifespan makes (app/main.py): the lab's thread starts
with the first run and stops with the server.
"""

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Request, Response
from fastapi.responses import StreamingResponse

from app.deps import EVENT_STREAM, event_stream, responses
from app.errors import Invalid
from app.events import HEARTBEAT_EVERY_S, Step, event
from app.lab.manager import LabRuns, RunNotFound, TooManyRuns
from app.lab.run import Run
from app.lab.schemas import LabRun, RunPatch, RunRequest, SamplesRequest
from app.lab.tasks import resolve

router = APIRouter(prefix="/api/lab/runs", tags=["lab"])


async def get_lab(request: Request) -> LabRuns:
    return request.app.state.lab  # type: ignore[no-any-return]


LabDep = Annotated[LabRuns, Depends(get_lab)]
RunId = Annotated[str, Path(description="the run's id", max_length=64)]
NOT_FOUND = responses(e404="unknown run (or dropped after a while unused)")


def found(lab: LabRuns, run_id: str) -> Run:
    try:
        return lab.get(run_id)
    except RunNotFound as exc:
        raise HTTPException(404, str(exc)) from None


def answer(run: Run, status: int = 200) -> Response:
    """The run's JSON, made once per change for every reader."""
    with run.lock:
        text = run.json()
    return Response(text, status_code=status, media_type="application/json")


@router.post(
    "",
    status_code=201,
    response_model=LabRun,
    responses={**responses(e422="bad settings", e429="too many runs (lab_max_runs)")},
)
def create_run(body: RunRequest, lab: LabDep) -> Response:
    try:
        config = resolve(**body.model_dump())
    except ValueError as exc:  # resolve's checks across fields: "activation: 2 names for 1 ..."
        raise Invalid(None, str(exc)) from None
    try:
        run = lab.create(config)
    except TooManyRuns as exc:
        raise HTTPException(429, str(exc)) from None
    return answer(run, 201)


@router.get("/{id}", response_model=LabRun, responses=NOT_FOUND)
def get_run(id: RunId, lab: LabDep) -> Response:
    return answer(found(lab, id))


@router.patch(
    "/{id}", response_model=LabRun, responses={**NOT_FOUND, **responses(e422="bad change")}
)
def change_run(id: RunId, body: RunPatch, lab: LabDep) -> Response:
    run = found(lab, id)
    with run.lock:
        if body.pretrain and run.config.task != "identity":
            raise Invalid("pretrain", "only the identity task has a generated dataset")
        if body.learning_rate is not None:
            run.set_learning_rate(body.learning_rate)
        if body.running is not None:
            run.set_running(body.running)
        if body.pretrain:
            run.pretrain()
    if body.step is not None:
        lab.step(run, body.step)
    lab.changed(run)
    return answer(run)


@router.post(
    "/{id}/samples",
    response_model=LabRun,
    responses={**NOT_FOUND, **responses(e422="bad samples, or a task with fixed data")},
)
def add_samples(id: RunId, body: SamplesRequest, lab: LabDep) -> Response:
    run = found(lab, id)
    if len(body.targets) != len(body.inputs):
        raise Invalid("targets", f"one per input ({len(body.inputs)}), got {len(body.targets)}")
    if run.config.task != "identity":  # the others learn their own fixed dataset
        raise Invalid("samples", f"the {run.config.task} task has fixed data")
    with run.lock:
        run.add_samples(body.inputs, body.targets)  # type: ignore[arg-type]
    lab.changed(run)
    return answer(run)


@router.delete("/{id}", status_code=204, responses=NOT_FOUND)
def delete_run(id: RunId, lab: LabDep) -> Response:
    try:
        lab.delete(id)
    except RunNotFound as exc:
        raise HTTPException(404, str(exc)) from None
    return Response(status_code=204)


GONE = event("gone", "{}")


class RunFeed:
    """`progress` with the run at once, then after every change (20 a second while it trains),
    and `gone` when the run is deleted (or dropped)."""

    def __init__(self, lab: LabRuns, run_id: str) -> None:
        self.lab, self.run_id = lab, run_id

    def listen(self) -> asyncio.Event:
        try:
            return self.lab.listen(self.run_id)
        except RunNotFound:  # gone already: first() says so
            return asyncio.Event()

    def unlisten(self, wake: asyncio.Event) -> None:
        self.lab.unlisten(self.run_id, wake)

    async def first(self) -> Step:
        return await self.next(True)

    async def next(self, woke: bool) -> Step:
        if not woke:
            return Step(None)
        try:
            run = self.lab.get(self.run_id)
        except RunNotFound:
            return Step(GONE, last=True)
        text = run.cached_json()  # the lab's thread makes it for listeners as it steps
        if text is None:
            text = await asyncio.to_thread(_json, run)
        return Step(event("progress", text))

    def wait_s(self) -> float:
        return HEARTBEAT_EVERY_S


def _json(run: Run) -> str:
    with run.lock:
        return run.json()


@router.get(
    "/{id}/events", response_class=StreamingResponse, responses={**NOT_FOUND, **EVENT_STREAM}
)
def run_events(id: RunId, lab: LabDep) -> StreamingResponse:
    found(lab, id)
    return event_stream(RunFeed(lab, id))
