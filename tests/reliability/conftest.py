"""Shared helpers for the reliability tests: data snapshots, process scans, the closing counts."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import pytest

from tests.helpers import Server, live_processes, wait_for
from tests.reliability.tally import COUNTS, LABELS


class Http(Protocol):
    """What TestClient and httpx.Client have in common for these helpers."""

    def get(self, url: str) -> Any: ...


def snapshot(http: Http) -> dict[str, Any]:
    """Everything stored, as the API shows it: recognizers, samples, datasets and models."""
    recognizers = http.get("/api/recognizers").json()
    state: dict[str, Any] = {"recognizers": recognizers}
    for rec in recognizers:
        base = f"/api/recognizers/{rec['name']}"
        model = http.get(base + "/model")
        state[rec["name"]] = {
            "samples": http.get(base + "/samples").json(),
            "dataset": http.get(base + "/dataset").json(),
            "model": (model.status_code, model.json()),
        }
    return state


def forked_workers(server_pid: int) -> list[int]:
    """Training workers: the children of the server's children (the forkserver forks them)."""
    procs = live_processes()
    children = {pid for pid, p in procs.items() if p.ppid == server_pid}
    return sorted(pid for pid, p in procs.items() if p.ppid in children)


def group_alive(pgid: int) -> bool:
    """Is any process of this process group still running (zombies do not count)?"""
    return any(p.pgid == pgid for p in live_processes().values())


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if COUNTS:
        terminalreporter.section("reliability")
        for key, label in LABELS.items():
            if key in COUNTS:
                terminalreporter.write_line(f"{label}: {COUNTS[key]}")


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[Server]:
    """A real server; after it stops, nothing of its process group may be left running."""
    srv = Server(tmp_path / "data").start()
    assert srv.process is not None
    pgid = srv.process.pid
    try:
        yield srv
    finally:
        srv.stop()
    wait_for(lambda: not group_alive(pgid), timeout=15)
