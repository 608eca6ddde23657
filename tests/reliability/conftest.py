"""Shared helpers for the reliability tests: data snapshots, process scans, the closing counts."""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import pytest

from tests.helpers import Server, wait_for
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


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(state, ppid, pgid) of a process from /proc, or None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return fields[0], int(fields[1]), int(fields[2])


def live_processes() -> dict[int, tuple[str, int, int]]:
    """pid -> (state, ppid, pgid) of every process that is not a zombie."""
    out = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            info = _stat(int(entry))
            if info is not None and info[0] not in ("Z", "X"):
                out[int(entry)] = info
    return out


def training_processes(server_pid: int) -> list[int]:
    """Training workers: the children of the server's children (the forkserver forks them)."""
    procs = live_processes()
    children = {pid for pid, (_, ppid, _) in procs.items() if ppid == server_pid}
    return sorted(pid for pid, (_, ppid, _) in procs.items() if ppid in children)


def group_alive(pgid: int) -> bool:
    """Is any process of this process group still running (zombies do not count)?"""
    return any(info[2] == pgid for info in live_processes().values())


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
