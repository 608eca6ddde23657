"""Test helpers: polling with a deadline, and a real uvicorn server in a subprocess."""

import math
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import httpx
import numpy as np
from fastapi.testclient import TestClient
from numpy.typing import NDArray

from app.worker import PROCESS_NAME

T = TypeVar("T")
ROOT = Path(__file__).resolve().parent.parent


def wait_for(probe: Callable[[], T | None], timeout: float = 30.0, interval: float = 0.02) -> T:
    """Poll until `probe()` returns something truthy; fail loudly at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s (last value: {value!r})")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """`hwr serve` on a free loopback port with its own data folder."""

    def __init__(self, data_dir: Path, env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.env = {**os.environ, "HWR_DATA_DIR": str(data_dir), **(env or {})}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> "Server":
        self.log = open(self.data_dir.parent / f"server-{self.port}.log", "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "app.cli",
                "serve",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(self._ready, timeout=30)
        return self

    def _ready(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"server exited with {self.process.returncode}")
        try:
            return httpx.get(self.url + "/api/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def kill(self) -> None:
        """SIGKILL the whole process group: server, forkserver and training processes."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


class Worker:
    """`hwr worker` (concurrency 1) in a process group of its own; its log in `folder`."""

    def __init__(self, folder: Path, env: dict[str, str], index: int) -> None:
        self.env = {
            **os.environ,
            "HWR_DATA_DIR": str(folder),
            "HWR_WORKER_CONCURRENCY": "1",
            **env,
        }
        self.log_path = folder / f"worker-{index}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> "Worker":
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with open(self.log_path, "ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "app.cli", "worker"],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        # Listening on the queue (RQ logs the queue's name): ready to take trainings.
        wait_for(lambda: self._listening(offset), 60, 0.05)
        return self

    def _listening(self, offset: int) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise RuntimeError(f"hwr worker exited: {self.log_path.read_text()[-2000:]}")
        with open(self.log_path, "rb") as f:
            f.seek(offset)
            return b"hwr-training" in f.read()

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole group (the worker, its RQ work horses), as when a machine dies."""
        if self.alive():
            assert self.process is not None
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        """SIGTERM to its group (an idle RQ worker leaves at once); SIGKILL if it lingers."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)


def components(grid: NDArray[np.float32]) -> int:
    """Number of 8-connected groups of inked cells (> 0) of a square grid, by flood fill."""
    n = math.isqrt(grid.size)
    todo = {(r, c) for r, c in zip(*np.nonzero(grid.reshape(n, n) > 0), strict=True)}
    count = 0
    while todo:
        count += 1
        stack = [todo.pop()]
        while stack:
            r, c = stack.pop()
            for dr in (-1, 0, 1):
                for dc in (-1, 0, 1):
                    if (r + dr, c + dc) in todo:
                        todo.remove((r + dr, c + dc))
                        stack.append((r + dr, c + dc))
    return count


class Proc(NamedTuple):
    state: str
    ppid: int
    pgid: int
    name: str  # the kernel's name of the process (/proc/<pid>/comm)


def live_processes() -> dict[int, Proc]:
    """pid -> its /proc/<pid>/stat fields, for every process that is not a zombie."""
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            text = Path(f"/proc/{entry}/stat").read_text()
        except OSError:  # ended meanwhile
            continue
        # pid (name) state ppid pgid ...: the name may hold spaces and brackets
        fields = text[text.rindex(")") + 2 :].split()
        if fields[0] not in ("Z", "X"):
            name = text[text.index("(") + 1 : text.rindex(")")]
            out[int(entry)] = Proc(fields[0], int(fields[1]), int(fields[2]), name)
    return out


def training_processes(*roots: int) -> int:
    """Training processes (by their kernel name) among the descendants of `roots` (default:
    this process), counted from /proc."""
    roots = roots or (os.getpid(),)
    procs = live_processes()

    def descends(pid: int) -> bool:
        while pid > 1:
            pid = procs[pid].ppid if pid in procs else 0
            if pid in roots:
                return True
        return False

    return sum(1 for pid, p in procs.items() if p.name == PROCESS_NAME and descends(pid))


def local_client(app: Any) -> TestClient:
    """A test client that addresses the app as a browser on this machine would (`Host:
    localhost`): TestClient's own "testserver" is not one of the server's names."""
    return TestClient(app, base_url="http://localhost")
