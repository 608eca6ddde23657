"""Item 3: Check over HTTP against the trivial endpoint of the same server, idle and busy.

Requests per second and p50/p99 latency over loopback with 1, 8 and 32 keep-alive clients, for
`POST /api/recognizers/letters/check` (unseen jittered drawings of the 10-letter alphabet, 36-149
points each) and `GET /api/health`. Busy: the same while a long training (default settings,
~2,600 samples, target_mse 0) runs on another recognizer. Rounds alternate idle and busy, and
within each, Check and health; medians over rounds.
"""

from pathlib import Path

import httpx

from bench import client, server
from bench.common import Row, log, median
from bench.quality import check_requests

CONCURRENCY = (1, 8, 32)
BLOCK_S = 1.0
ROUNDS = 3


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU time of a process so far (Linux /proc; NaN elsewhere or without pid)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / 100.0  # utime, stime in clock ticks
    except (OSError, IndexError, ValueError):
        return float("nan")


def run(url: str, pid: int | None = None, rounds: int = ROUNDS) -> list[Row]:
    """pid: the server's process, to report its CPU time per request (noise-robust)."""
    checks = check_requests()
    health = [client.request_bytes("GET", "/api/health")]
    samples: dict[tuple[str, str, int], list[client.Load]] = {}
    cpu: dict[tuple[str, str, int], list[float]] = {}
    with httpx.Client(base_url=url, timeout=120) as api:
        n = server.load_recognizer(api)
        log(f"http: loaded {n} samples into the 'load' recognizer")
        for rnd in range(rounds):
            for state in ("idle", "busy"):
                if state == "busy":
                    server.start_training(api, "load", target_mse=0, max_iterations=10_000_000)
                    server.iteration_mark(api, "load")  # it is really training now
                for clients in CONCURRENCY:
                    for endpoint, requests in (("check", checks), ("health", health)):
                        before = cpu_seconds(pid)
                        result = client.load(url, requests, clients, BLOCK_S)
                        used = cpu_seconds(pid) - before
                        if result.errors:
                            raise RuntimeError(f"{endpoint}: {result.errors} non-200 answers")
                        key = (state, endpoint, clients)
                        samples.setdefault(key, []).append(result)
                        cpu.setdefault(key, []).append(used / max(len(result.latencies), 1))
                if state == "busy":
                    server.stop_training(api, "load")
            log(f"http round {rnd + 1}/{rounds} done")
    rows: list[Row] = []
    for (state, endpoint, clients), loads in samples.items():
        rows.append(
            {
                "bench": "http",
                "state": state,
                "endpoint": endpoint,
                "clients": clients,
                "rps": median([x.rps for x in loads]),
                "p50_ms": median([server.percentile(x.latencies, 50) * 1e3 for x in loads]),
                "p99_ms": median([server.percentile(x.latencies, 99) * 1e3 for x in loads]),
                "requests": sum(len(x.latencies) for x in loads),
                "cpu_us": median(cpu[(state, endpoint, clients)]) * 1e6,
            }
        )
        r = rows[-1]
        log(
            f"{state} {endpoint} x{clients}: {r['rps']:,.0f} req/s, p50 {r['p50_ms']:.2f} ms, "
            f"p99 {r['p99_ms']:.2f} ms, server CPU {r['cpu_us']:.0f} µs/request"
        )
    return rows
