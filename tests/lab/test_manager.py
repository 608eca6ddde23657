"""LabRuns without HTTP: the run limit, dropping unused runs, the one stepping thread."""

import threading
from collections.abc import Iterator

import pytest

from app.lab.manager import UNWATCHED_PAUSE_S, LabRuns, RunNotFound, TooManyRuns
from app.lab.tasks import resolve
from tests.helpers import wait_for


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def lab_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "hwr-lab"]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def lab(clock: Clock) -> Iterator[LabRuns]:
    manager = LabRuns(3, 600, clock=clock)
    yield manager
    manager.close()


def test_at_most_max_runs(lab: LabRuns) -> None:
    runs = [lab.create(resolve("xor")) for _ in range(3)]
    with pytest.raises(TooManyRuns, match="at most 3"):
        lab.create(resolve("xor"))
    lab.delete(runs[0].id)
    lab.create(resolve("identity"))
    assert len(lab) == 3
    with pytest.raises(RunNotFound):
        lab.delete(runs[0].id)
    with pytest.raises(RunNotFound):
        lab.get("nope")


def test_unused_runs_pause_then_are_dropped(lab: LabRuns, clock: Clock) -> None:
    lab.tick_s = 3600  # the thread sleeps: this test drives the clock and the sweeps
    kept, dropped, watched = (lab.create(resolve("xor")) for _ in range(3))
    wake = lab.listen(watched.id)
    wait_for(lambda: lab.ticks >= 1)  # the thread's first sweep is behind us
    clock.now += UNWATCHED_PAUSE_S + 1
    lab.get(kept.id)  # a request: used now
    with lab._lock:
        lab._sweep(clock())
    assert kept.running and not dropped.running and watched.running
    clock.now += 530
    lab.get(kept.id)
    with pytest.raises(TooManyRuns):  # `dropped` unused for 591 s: still there, no room
        lab.create(resolve("xor"))
    clock.now += 10
    lab.create(resolve("xor"))  # unused for 601 s: dropped, room for this one
    with pytest.raises(RunNotFound):
        lab.get(dropped.id)
    lab.get(watched.id)  # a listener keeps its run
    lab.unlisten(watched.id, wake)


def test_one_thread_steps_every_run_and_ends_with_the_last(lab: LabRuns) -> None:
    a, b = lab.create(resolve("xor")), lab.create(resolve("infections"))
    assert len(lab_threads()) == 1
    wait_for(lambda: a.iteration > 20 and b.iteration > 20, timeout=20)
    with a.lock:
        a.set_running(False)
    with a.lock:
        paused_at = a.iteration
    wait_for(lambda: b.iteration > 60, timeout=20)
    assert a.iteration == paused_at
    lab.delete(a.id)
    lab.delete(b.id)
    wait_for(lambda: not lab_threads(), timeout=5)
    lab.create(resolve("xor"))
    wait_for(lab_threads, timeout=5)  # a new run starts it again


def test_tick_takes_turns_within_its_budget(lab: LabRuns) -> None:
    lab.tick_s = 3600
    runs = [lab.create(resolve("xor")) for _ in range(3)]
    wait_for(lambda: lab.ticks >= 1)
    lab.tick_budget_s = 10.0
    before = [r.iteration for r in runs]
    lab.tick(runs)
    assert all(r.iteration > i for r, i in zip(runs, before, strict=True))
    # With no budget left after one run, each tick steps the next run in turn.
    lab.tick_budget_s = 0.0
    before = [r.iteration for r in runs]
    for _ in range(3):
        lab.tick(runs)
    each = runs[0].passes_per_tick()
    assert [r.iteration - i for r, i in zip(runs, before, strict=True)] == [each] * 3


def test_close_stops_the_thread(clock: Clock) -> None:
    manager = LabRuns(2, 600, clock=clock)
    manager.create(resolve("xor"))
    manager.close()
    assert not lab_threads() and len(manager) == 0
