"""The lab's runs (API.md, "Lab (v1.1)"): create, read, change, feed, delete, and their events.

The runs live in a LabRuns made by this router's lifespan (FastAPI merges it into the app's), so
the lab's thread starts with the first run and stops with the server.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Path, Request, Response
from fastapi.responses import StreamingResponse

from app.deps import responses
from app.lab.manager import LabRuns, RunNotFound, TooManyRuns
from app.lab.run import Run
from app.lab.schemas import LabRun, RunPatch, RunRequest, SamplesRequest
from app.lab.tasks import resolve

HEARTBEAT_EVERY_S = 15.0
RETRY_MS = 1000


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = app.state.settings
    lab = LabRuns(settings.lab_max_runs, settings.lab_idle_seconds)
    lab.attach(asyncio.get_running_loop())
    app.state.lab = lab
    try:
        yield
    finally:
        await asyncio.to_thread(lab.close)


router = APIRouter(prefix="/api/lab/runs", tags=["lab"], lifespan=lifespan)


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
    config = resolve(**body.model_dump())
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
            raise ValueError("pretrain: only the identity task has a generated dataset")
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
        raise ValueError(f"targets: one per input ({len(body.inputs)}), got {len(body.targets)}")
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


async def _progress(run: Run) -> str:
    text = run.cached_json()  # the lab's thread makes it for listeners as it steps
    if text is None:
        text = await asyncio.to_thread(_json, run)
    return f"event: progress\ndata: {text}\n\n"


def _json(run: Run) -> str:
    with run.lock:
        return run.json()


async def stream(lab: LabRuns, run_id: str) -> AsyncIterator[str]:
    """`progress` with the run at once, then after every change (20 a second while it trains),
    a heartbeat comment every 15 s while nothing changes, and `gone` when the run is deleted."""
    try:
        wake = lab.listen(run_id)
    except RunNotFound:
        yield "event: gone\ndata: {}\n\n"
        return
    try:
        yield f"retry: {RETRY_MS}\n" + await _progress(lab.get(run_id))
        while True:
            try:
                await asyncio.wait_for(wake.wait(), HEARTBEAT_EVERY_S)
            except TimeoutError:
                yield ": heartbeat\n\n"
                continue
            wake.clear()
            try:
                run = lab.get(run_id)
            except RunNotFound:
                yield "event: gone\ndata: {}\n\n"
                return
            yield await _progress(run)
    finally:
        with contextlib.suppress(Exception):
            lab.unlisten(run_id, wake)


@router.get(
    "/{id}/events",
    response_class=StreamingResponse,
    responses={
        **NOT_FOUND,
        200: {"content": {"text/event-stream": {}}, "description": "the event stream"},
    },
)
def run_events(id: RunId, lab: LabDep) -> StreamingResponse:
    found(lab, id)
    return StreamingResponse(
        stream(lab, id),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
