"""The lab's runs: kept in memory, bounded in number, dropped when unused, and stepped by ONE
background thread shared by every run.

Why one thread (not a pool, not a process): a lab step is tiny (a pass over 4-256 rows of a
network of at most 4 x 32 units, tens to hundreds of microseconds), so its cost is Python's
per-call overhead, run under the GIL. A pool of threads would not step runs in parallel, only
contend for the GIL with each other and with the event loop that answers Check; a process would
put every GET, PATCH and event behind a pipe. One thread steps the running runs in turn, 20
times a second, with a compute budget per tick (TICK_BUDGET_S, a sixth of one core at most) and
a short rest after each run's step and after its JSON, so a request waiting for the GIL waits for
at most one of those bursts (about a millisecond).
The recognizer's trainings run in their own processes and never wait for it.
"""

import asyncio
import threading
import time
import uuid
from collections.abc import Callable

from app.events import Listeners
from app.lab.run import MAX_STEP, Run
from app.lab.tasks import Config

TICK_S = 0.05  # 20 steps a second: >= 10 progress events a second, with room to spare
TICK_BUDGET_S = 0.008  # compute per tick for all runs together; the rest waits a tick
REST_S = 0.0002  # after each burst: lets a thread waiting for the GIL take it
UNWATCHED_PAUSE_S = 60.0  # a running run nobody asked about or listened to this long pauses


class RunNotFound(LookupError):
    """No run with that id (never created, deleted, or dropped after lab_idle_seconds)."""


class TooManyRuns(Exception):
    """lab_max_runs runs exist already."""


class LabRuns:
    """Every run of the lab, the thread that steps them, and their listeners' wake-ups."""

    def __init__(
        self,
        max_runs: int,
        idle_seconds: float,
        *,
        tick_s: float = TICK_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_runs, self.idle_seconds, self.tick_s = max_runs, idle_seconds, tick_s
        self.tick_budget_s = TICK_BUDGET_S
        self.clock = clock
        self._runs: dict[str, Run] = {}
        self._lock = threading.Lock()  # the dict and the thread handle
        self._thread: threading.Thread | None = None
        self._closing = threading.Event()
        self.listeners = Listeners()  # by run id
        self.ticks = 0

    # -- runs -------------------------------------------------------------------------------

    def create(self, config: Config) -> Run:
        """A new running run; TooManyRuns past max_runs (after dropping the unused ones)."""
        now = self.clock()
        with self._lock:
            self._sweep(now)
            if len(self._runs) >= self.max_runs:
                raise TooManyRuns(
                    f"at most {self.max_runs} lab runs at once; delete one, or wait "
                    f"{self.idle_seconds:g} s for unused runs to be dropped"
                )
            run = Run(uuid.uuid4().hex[:16], config, now)
            self._runs[run.id] = run
            self._ensure_thread()
        return run

    def get(self, run_id: str) -> Run:
        """The run (marked as used now); RunNotFound otherwise."""
        with self._lock:
            run = self._runs.get(run_id)
            if run is None:
                raise RunNotFound(f"no lab run {run_id!r} (runs unused for a while are dropped)")
            run.last_used = self.clock()
            return run

    def delete(self, run_id: str) -> None:
        with self._lock:
            run = self._runs.pop(run_id, None)
            if run is None:
                raise RunNotFound(f"no lab run {run_id!r}")
        self.listeners.wake(run_id)  # their streams end: the run is gone

    def exists(self, run_id: str) -> bool:
        return run_id in self._runs

    def __len__(self) -> int:
        return len(self._runs)

    def changed(self, run: Run) -> None:
        """A request changed the run: tell its listeners (the run's lock is not held)."""
        self.listeners.wake(run.id)

    def step(self, run: Run, n: int) -> int:
        """n passes now, in the caller's thread (PATCH {"step": n}): at most MAX_STEP."""
        if not 1 <= n <= MAX_STEP:
            raise ValueError(f"step: 1 to {MAX_STEP} passes")
        with run.lock:
            return run.train(n)

    # -- listeners (called on the event loop) -----------------------------------------------

    def listen(self, run_id: str) -> asyncio.Event:
        """A listener's wake-up (RunNotFound if there is no such run): a watched run is kept."""
        with self._lock:  # the run is not dropped between the check and the listening
            run = self._runs.get(run_id)
            if run is None:
                raise RunNotFound(f"no lab run {run_id!r}")
            run.last_used = self.clock()
            return self.listeners.listen(run_id)

    def unlisten(self, run_id: str, wake: asyncio.Event) -> None:
        with self._lock:
            self.listeners.unlisten(run_id, wake)
            run = self._runs.get(run_id)
            if run is not None:
                run.last_used = self.clock()

    # -- the thread -------------------------------------------------------------------------

    def _ensure_thread(self) -> None:
        """Start the stepping thread if it is not running (self._lock held)."""
        if self._thread is None and not self._closing.is_set():
            self._thread = threading.Thread(target=self._work, name="hwr-lab", daemon=True)
            self._thread.start()

    def _sweep(self, now: float) -> None:
        """Drop runs unused for idle_seconds; pause running runs nobody watches (lock held)."""
        for run_id, run in list(self._runs.items()):
            if self.listeners.has(run_id):
                continue
            idle = now - run.last_used
            if idle > self.idle_seconds:
                del self._runs[run_id]
            elif run.running and idle > UNWATCHED_PAUSE_S:
                with run.lock:
                    run.set_running(False)

    def _work(self) -> None:
        """Step the running runs in turn, tick after tick, until no run is left (or close)."""
        next_tick = self.clock()
        while not self._closing.is_set():
            with self._lock:
                self._sweep(self.clock())
                runs = list(self._runs.values())
                if not runs:
                    self._thread = None
                    return
            self.tick(runs)
            next_tick = max(next_tick + self.tick_s, self.clock() + REST_S)
            self._closing.wait(next_tick - self.clock())

    def tick(self, runs: list[Run]) -> None:
        """One step of every running run, each with its JSON made for its listeners, who are
        then woken. Past tick_budget_s the remaining runs wait for the next tick, which starts
        one run further along (so a cut-off is fair)."""
        self.ticks += 1
        k = self.ticks % len(runs)
        started = time.perf_counter()
        stepped = False
        changed: list[str] = []
        for run in runs[k:] + runs[:k]:
            if not run.running:
                continue
            if stepped and time.perf_counter() - started > self.tick_budget_s:
                break
            with run.lock:
                if not run.running or not run.train(run.passes_per_tick()):
                    continue
            stepped = True
            time.sleep(REST_S)  # a request waiting for the GIL gets it between two bursts
            if self.listeners.has(run.id):
                with run.lock:
                    run.json()
                time.sleep(REST_S)
            changed.append(run.id)
        self.listeners.wake(*changed)

    def close(self) -> None:
        """Stop the thread (the app shuts down); runs are forgotten."""
        self._closing.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout=5)
        with self._lock:
            self._runs.clear()
        self.listeners.wake_all()
