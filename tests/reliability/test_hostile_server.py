"""Hostile bodies against a real uvicorn: streamed bodies over the limit, and huge model imports."""

import json
import select
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.nn.network import MAX_PARAMETERS
from tests.helpers import Server
from tests.reliability.conftest import snapshot
from tests.reliability.tally import COUNTS

pytestmark = pytest.mark.server
MIB = 1024 * 1024
CHUNK = 64 * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("hostile") / "data").start()
    yield srv
    srv.stop()


def stream_chunked(server: Server, path: str, total: int) -> tuple[int, bytes, int]:
    """POST `total` bytes as a chunked body without Content-Length, stopping as soon as the
    server answers: (bytes sent when the answer came, the answer, the total offered)."""
    sent = 0
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n".encode()
        )
        chunk = f"{CHUNK:x}\r\n".encode() + b" " * CHUNK + b"\r\n"
        while sent < total:
            readable, _, _ = select.select([sock], [], [], 0.002)
            if readable:
                break
            try:
                sock.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += CHUNK
        answer = b""
        deadline = time.monotonic() + 30
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            if time.monotonic() > deadline:
                break
            part = sock.recv(65536)
            if not part:
                break
            answer += part
    return sent, answer, total


@pytest.mark.parametrize(
    "path", ["/api/recognizers/default/samples", "/api/rasterize", "/api/recognizers"]
)
def test_streamed_body_over_the_limit_gets_413_before_it_is_all_sent(
    server: Server, path: str
) -> None:
    COUNTS["malformed"] += 1
    with httpx.Client(base_url=server.url) as http:
        before = snapshot(http)
        sent, answer, total = stream_chunked(server, path, total=64 * MIB)
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 413"), answer[:300]
        assert b"larger than 1048576 bytes" in body
        # The answer came while the client was still sending: the server neither waited for
        # the whole body nor held it (socket buffers keep a few MiB in flight; 64 MiB on offer).
        assert sent < total / 4, f"the server answered only after {sent} of {total} bytes"
        assert http.get("/api/health").status_code == 200
        assert snapshot(http) == before


def test_streamed_body_within_the_limit_is_accepted(server: Server) -> None:
    """The same chunked transfer, small: the limit does not break streamed uploads."""
    body = json.dumps({"strokes": [[[0, 0], [5, 5]]]}).encode()

    def chunks() -> Iterator[bytes]:
        for i in range(0, len(body), 7):
            yield body[i : i + 7]

    r = httpx.post(
        server.url + "/api/rasterize",
        content=chunks(),
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 200
    assert len(r.json()["grid"]) == 144


def test_bad_content_length_is_refused(server: Server) -> None:
    COUNTS["malformed"] += 1
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(
            b"POST /api/rasterize HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 99999999999999999999\r\n\r\n{}"
        )
        answer = sock.recv(65536)
    assert answer.split(b" ")[1] in (b"400", b"413"), answer[:200]


def peak_rss_mib(pid: int) -> float:
    """The process's peak resident memory (VmHWM) in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM in /proc status")


def zeros_model(rows: int, cols: int) -> bytes:
    """A model document whose one layer is rows x cols zeros: the fewest bytes per number."""
    row = b"[" + b",".join([b"0"] * cols) + b"]"
    head = (
        b'{"format":"hwr-model/1","labels":["a","b"],"grid_size":12,'
        b'"network":{"sizes":[144,2],"activations":["sigmoid"],"bias":false},'
        b'"layers":[{"weights":['
    )
    return head + b",".join([row] * rows) + b"]}]}"


def test_a_huge_model_import_does_not_take_gigabytes(server: Server) -> None:
    """15 MiB of zeros (8 million numbers) fits the 16 MiB import limit; parsed as Python
    objects it would take over 500 MB. It is refused for its size, and the server stays small."""
    COUNTS["malformed"] += 1
    assert server.process is not None
    body = zeros_model(144, 55_000)
    assert 15 * MIB < len(body) < 16 * MIB
    r = httpx.put(
        server.url + "/api/recognizers/default/model",
        content=body,
        headers={"content-type": "application/json"},
        timeout=120,
    )
    assert r.status_code == 422
    assert str(MAX_PARAMETERS) in r.text
    assert peak_rss_mib(server.process.pid) < 512
    assert httpx.get(server.url + "/api/health").status_code == 200


def test_a_model_just_over_the_parameter_bound_is_refused(server: Server) -> None:
    """MAX_PARAMETERS + a few numbers, really sent: refused before any array is built."""
    COUNTS["malformed"] += 1
    cols = MAX_PARAMETERS // 144 + 1
    r = httpx.put(
        server.url + "/api/recognizers/default/model",
        content=zeros_model(144, cols),
        headers={"content-type": "application/json"},
        timeout=120,
    )
    assert r.status_code == 422
    assert str(MAX_PARAMETERS) in r.text
