"""GET /api/recognizers with 50 trained recognizers against 50 untrained ones (issue 24: a
summary reads its model's few facts, never the model document).

    .venv/bin/python -m bench.listing   # this section alone

Two servers of their own: one holds 50 new recognizers; the other trains one recognizer with
the default settings on 200 synthetic drawings and imports its model (GET .../model, PUT
.../model) into 50 recognizers, so each summary carries a real model's validation. The two
listings are timed round by round, interleaved; the medians and their ratio are reported.
"""

import statistics
import time

import httpx

from bench import server
from bench.common import Row, log

RECOGNIZERS = 50


def _listing(client: httpx.Client) -> float:
    started = time.perf_counter()
    client.get("/api/recognizers").raise_for_status()
    return time.perf_counter() - started


def run(rounds: int = 30) -> list[Row]:
    with server.running() as untrained, server.running() as trained:
        plain = httpx.Client(base_url=untrained.url, timeout=120)
        full = httpx.Client(base_url=trained.url, timeout=120)
        for i in range(RECOGNIZERS):
            server.create(plain, f"r{i:02d}")
        server.create(full, "source")
        server.load_samples(full, "source", server.drawings(server.ALPHABET, 20, seed=5))
        server.start_training(full, "source")
        ended = server.wait_done(full, "source", timeout=300)
        while ended["state"] == "queued":  # not started yet: wait_done waits for a running one
            ended = server.wait_done(full, "source", timeout=300)
        if ended["state"] != "finished":
            raise RuntimeError(f"the source training ended {ended['state']}")
        document = full.get("/api/recognizers/source/model").json()
        full.delete("/api/recognizers/source").raise_for_status()
        for i in range(RECOGNIZERS):
            server.create(full, f"r{i:02d}")
            full.put(f"/api/recognizers/r{i:02d}/model", json=document).raise_for_status()
        sizes = [len(c.get("/api/recognizers").content) for c in (plain, full)]
        times: list[list[float]] = [[], []]
        for _ in range(rounds):
            for i, client in enumerate((plain, full)):
                times[i].append(_listing(client))
        untrained_s, trained_s = (statistics.median(t) for t in times)
        log(
            f"listing: {RECOGNIZERS} untrained {untrained_s * 1e3:.1f} ms ({sizes[0]:,} B),"
            f" trained {trained_s * 1e3:.1f} ms ({sizes[1]:,} B)"
        )
        return [
            {
                "bench": "listing",
                "recognizers": RECOGNIZERS,
                "rounds": rounds,
                "untrained_ms": untrained_s * 1e3,
                "trained_ms": trained_s * 1e3,
                "untrained_bytes": sizes[0],
                "trained_bytes": sizes[1],
                "held_out": len((document.get("validation") or {}).get("held_out") or []),
                "model_bytes": len(full.get("/api/recognizers/r00/model").content),
            }
        ]


def listing_section(rows: list[Row], verdicts: list[tuple[str, str, bool | None]]) -> list[str]:
    found = [r for r in rows if r.get("bench") == "listing"]
    if not found:
        return []
    r = found[0]
    ratio = r["trained_ms"] / r["untrained_ms"]
    verdicts.append(
        (
            f"GET /api/recognizers, {r['recognizers']} trained <= 2x {r['recognizers']} untrained",
            f"{ratio:.2f}x",
            ratio <= 2,
        )
    )
    return [
        "## 11. Listing recognizers",
        "",
        f"`GET /api/recognizers` on two servers of their own: {r['recognizers']} new recognizers,"
        f" and {r['recognizers']} holding a model of the default settings "
        f"({r['model_bytes'] / 1024:.0f} KB document, {r['held_out']} held-out drawings in its "
        f"validation); {r['rounds']} rounds, interleaved, medians.",
        "",
        "| recognizers | untrained | trained | trained / untrained |",
        "|---|---|---|---|",
        f"| {r['recognizers']} | {r['untrained_ms']:.1f} ms ({r['untrained_bytes']:,} B) "
        f"| {r['trained_ms']:.1f} ms ({r['trained_bytes']:,} B) | {ratio:.2f}x |",
        "",
    ]


if __name__ == "__main__":
    from bench.report import _mark

    verdicts: list[tuple[str, str, bool | None]] = []
    print("\n".join(listing_section(run(), verdicts)))
    print(*(f"{t}: {m} {_mark(ok)}" for t, m, ok in verdicts), sep="\n")
