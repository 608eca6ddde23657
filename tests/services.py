"""Real PostgreSQL and Redis servers for tests: started on a free loopback port in a temporary
folder, stopped and removed afterwards. No mocks: the store's SQL runs on the real thing.

PostgreSQL refuses to run as root: as root, initdb and pg_ctl run as the `postgres` user in a
folder it owns. ServiceMissing says what to install when a binary is absent.
"""

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.helpers import free_port

PG_ROOT = Path("/usr/lib/postgresql")
PG_USER = "hwr"


class ServiceMissing(RuntimeError):
    """A server binary is not installed; the message says which and how to get it."""


def postgres_bin() -> Path:
    """The newest Debian PostgreSQL bin folder (15 on bookworm)."""
    found = sorted(PG_ROOT.glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name))
    if not found:
        raise ServiceMissing(f"no PostgreSQL in {PG_ROOT} (apt-get install postgresql)")
    return found[-1].parent


def _run(cmd: list[str], as_postgres: bool) -> None:
    if as_postgres:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr[-2000:]}")


@contextmanager
def postgres_server(durable: bool = False) -> Iterator[str]:
    """A throwaway PostgreSQL; yields its base URL postgresql://hwr@127.0.0.1:PORT (trust
    auth; add /database). Not durable by default (fsync off: test data need not survive a
    power cut); durable=True keeps PostgreSQL's defaults, for fair timings."""
    bin_dir = postgres_bin()
    as_postgres = os.geteuid() == 0
    folder = Path(tempfile.mkdtemp(prefix="hwr-pg-"))
    if as_postgres:
        shutil.chown(folder, "postgres", "postgres")
    data, port = folder / "data", free_port()
    try:
        _run(
            [str(bin_dir / "initdb"), "-D", str(data), "-U", PG_USER, "-A", "trust", "-E", "UTF8",
             "--locale=C", "--no-sync"],
            as_postgres,
        )  # fmt: skip
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c max_connections=200"
        if not durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        _run(
            [str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-o", options,
             "-w", "-t", "60", "start"],
            as_postgres,
        )  # fmt: skip
        try:
            yield f"postgresql://{PG_USER}@127.0.0.1:{port}"
        finally:
            _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], as_postgres)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


_database_numbers = itertools.count(1)


def create_database(base_url: str) -> str:
    """A new empty database on the server at base_url; its URL."""
    import psycopg

    name = f"t_{os.getpid()}_{next(_database_numbers)}"
    with psycopg.connect(f"{base_url}/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return f"{base_url}/{name}"


def drop_database(url: str) -> None:
    """Drop a database made by create_database (closing what still uses it)."""
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@contextmanager
def redis_server() -> Iterator[str]:
    """A throwaway Redis without persistence; yields redis://127.0.0.1:PORT/0."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise ServiceMissing("no redis-server on PATH (apt-get install redis-server)")
    folder = Path(tempfile.mkdtemp(prefix="hwr-redis-"))
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not _answers_ping(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on port {port}")
            time.sleep(0.02)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(folder, ignore_errors=True)
