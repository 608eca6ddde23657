"""The scale-out section of docs/benchmarks.md (rows of `bench.cluster`)."""

from bench.common import Row
from bench.report_realdata import Verdicts, _table

TITLE = "## 9. Scale-out: PostgreSQL + Redis, 1 or 2 workers, 2 API processes"


def cluster_section(rows: list[Row], verdicts: Verdicts) -> list[str]:
    found = [r for r in rows if r.get("bench") == "cluster"]
    if not found:
        return []
    skipped = [r for r in found if r.get("part") == "skipped"]
    if skipped:
        verdicts.append(("2 workers finish more trainings per minute than 1", "skipped", None))
        return [TITLE, "", f"skipped: {skipped[0]['reason']}", ""]
    out = [
        TITLE,
        "",
        "`bench/cluster.py` (alone: `.venv/bin/python -m bench.cluster`): a throwaway PostgreSQL "
        "and Redis, two `hwr serve` processes (A, B) and `hwr worker` processes (concurrency 1), "
        "all on this 2-core machine, so the workers share the cores with the API, the databases "
        "and the load generator: the absolute figures are noisy, read the ratios.",
        "",
    ]
    t = next((r for r in found if r.get("part") == "throughput"), None)
    if t is not None:
        ok = t["ratio"] > 1
        verdicts.append(
            ("2 workers finish more trainings per minute than 1", f"{t['ratio']:.2f}x", ok)
        )
        out += [
            f"Trainings per minute: {t['trainings']} recognizers ({t['samples']} drawings each) "
            f"started at once through A, each trained for exactly {t['passes']} passes "
            "(`target_mse` 0, patience 0), from the first start to the last `finished_at`; "
            f"rounds in the order {', '.join(map(str, t['order']))} workers, new recognizers "
            "each round; medians.",
            "",
            *_table(
                ["workers", "rounds (s for all)", "trainings/min"],
                [
                    [
                        str(n),
                        ", ".join(f"{r['seconds']:.1f}" for r in t["rounds"] if r["workers"] == n),
                        f"{t['one_per_min' if n == 1 else 'two_per_min']:.1f}",
                    ]
                    for n in (1, 2)
                ],
            ),
            *(
                [
                    f"**Bug seen in this run:** API process A kept answering an old state for "
                    f"{len(t['stale'])} training(s) after they had ended ({', '.join(t['stale'])}"
                    "); the figures come from the statuses the workers published in Redis.",
                    "",
                ]
                if t.get("stale")
                else []
            ),
            f"2 workers / 1 worker: **{t['ratio']:.2f}x**. Less than 2x is expected here: two "
            "trainings fill both cores, and the API process, PostgreSQL and Redis (and this "
            "machine's other tenants) take their share from them; on separate machines each "
            "worker brings its own cores.",
            "",
        ]
    checks = [r for r in found if r.get("part") == "check"]
    if checks:
        out += [
            "Check latency on API process B (a recognizer trained through B, unseen drawings, "
            "keep-alive clients) idle, and while 2 endless trainings started through A run on "
            "the 2 workers; blocks alternate idle and busy; medians over rounds.",
            "",
            *_table(
                [
                    "clients",
                    "requests idle / busy",
                    "p50 idle",
                    "p50 busy",
                    "p95 idle",
                    "p95 busy",
                    "busy/idle p50",
                    "busy/idle p95",
                ],
                [
                    [
                        str(r["clients"]),
                        f"{r['idle_requests']} / {r['busy_requests']}",
                        f"{r['idle_p50_ms']:.1f} ms",
                        f"{r['busy_p50_ms']:.1f} ms",
                        f"{r['idle_p95_ms']:.1f} ms",
                        f"{r['busy_p95_ms']:.1f} ms",
                        f"{r['ratio_p50']:.2f}x",
                        f"{r['ratio_p95']:.2f}x",
                    ]
                    for r in checks
                ],
            ),
            "On one machine the busy figures measure B competing with the workers for the 2 "
            "cores; with the workers on other machines, B's Check is not slowed by trainings.",
            "",
        ]
    return out
