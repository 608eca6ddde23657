"""A lean asyncio HTTP/1.1 load client (keep-alive, raw sockets) and SSE listeners.

httpx costs more CPU per request than the server under test, and on a 2-core machine the load
generator shares the cores with the server; raw keep-alive connections keep the client's share
small, so the figures are mostly the server's. Loopback only; every loop is bounded.
"""

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar
from urllib.parse import urlsplit

T = TypeVar("T")


def request_bytes(method: str, path: str, body: object | None = None) -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    if body is None:
        return (head + "\r\n").encode()
    data = json.dumps(body, separators=(",", ":")).encode()
    head += f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
    return head.encode() + data


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes) -> int:
    """Send one request, read its whole response (Content-Length bodies); the status code."""
    writer.write(raw)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
            break
    if length:
        await reader.readexactly(length)
    return status


@dataclass
class Load:
    latencies: list[float] = field(default_factory=list)  # seconds, every completed request
    errors: int = 0
    elapsed: float = 0.0

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0


async def _load(
    url: str, requests: list[bytes], clients: int, duration: float, max_requests: int
) -> Load:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    result = Load()
    conns = [await asyncio.open_connection(host, port) for _ in range(clients)]
    count = 0
    start = time.perf_counter()
    deadline = start + duration

    async def client(i: int) -> None:
        nonlocal count
        reader, writer = conns[i]
        k = i
        while time.perf_counter() < deadline and count < max_requests:
            count += 1
            t = time.perf_counter()
            status = await _exchange(reader, writer, requests[k % len(requests)])
            result.latencies.append(time.perf_counter() - t)
            if status != 200:
                result.errors += 1
            k += 1

    await asyncio.gather(*(client(i) for i in range(clients)))
    result.elapsed = time.perf_counter() - start
    for _, writer in conns:
        writer.close()
    return result


def load(
    url: str,
    requests: list[bytes],
    clients: int,
    duration: float = 1.0,
    max_requests: int = 50_000,
) -> Load:
    """`clients` connections each sending requests back to back for `duration` seconds."""
    return asyncio.run(_load(url, requests, clients, duration, max_requests))


@dataclass
class Listening:
    connected: int = 0
    counts: list[int] = field(default_factory=list)  # `event: progress` seen, per listener
    elapsed: float = 0.0


async def _listen(
    url: str, path: str, listeners: int, warmup: float, during: Callable[[], T]
) -> tuple[Listening, T]:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    pattern = b"event: progress"
    out = Listening(counts=[0] * listeners)
    counting = asyncio.Event()
    stop = asyncio.Event()
    ready = 0

    async def listener(i: int) -> None:
        nonlocal ready
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(request_bytes("GET", path))
        await reader.readuntil(b"\r\n\r\n")
        ready += 1
        tail = b""
        try:
            while not stop.is_set():
                try:
                    data = await asyncio.wait_for(reader.read(65536), 0.5)
                except TimeoutError:
                    continue
                if not data:
                    break
                buf = tail + data
                if counting.is_set():
                    out.counts[i] += buf.count(pattern)
                tail = buf[-(len(pattern) - 1) :]
        finally:
            writer.close()

    tasks = [asyncio.create_task(listener(i)) for i in range(listeners)]
    deadline = time.monotonic() + 30
    while ready < listeners and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    out.connected = ready
    await asyncio.sleep(warmup)
    counting.set()
    start = time.perf_counter()
    value = await asyncio.to_thread(during)
    out.elapsed = time.perf_counter() - start
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    return out, value


def listen(
    url: str, path: str, listeners: int, warmup: float, during: Callable[[], T]
) -> tuple[Listening, T]:
    """`listeners` SSE streams on `path`; once all are connected (and `warmup` seconds later)
    `during()` runs in a thread, and progress events are counted while it runs."""
    return asyncio.run(_listen(url, path, listeners, warmup, during))
