"""The lab's section of docs/benchmarks.md (rows of `bench.lab`)."""

from bench.common import Row
from bench.report_realdata import Verdicts, _table


def _mark(ok: bool) -> str:
    return "**PASS**" if ok else "**MISS**"


def lab_section(rows: list[Row], verdicts: Verdicts) -> list[str]:
    costs = [r for r in rows if r.get("bench") == "lab-cost"]
    checks = [r for r in rows if r.get("bench") == "lab-check"]
    events = next((r for r in rows if r.get("bench") == "lab-events"), None)
    train = next((r for r in rows if r.get("bench") == "lab-train"), None)
    if not (costs or checks or events or train):
        return []
    out = [
        "## 8. The lab (/lab)",
        "",
        "Lab runs step in one background thread of the server, 20 times a second, each step a few "
        "passes; for a run someone listens to, the step also makes the run's JSON (boundary "
        "included) once for all its listeners. In-process costs, medians, BLAS on 1 thread:",
        "",
    ]
    body = []
    for r in costs:
        body.append(
            [
                r["label"],
                str(r["passes"]),
                f"{r['step_us']:.0f}",
                f"{r['n']} x {r['n']}: {r['boundary_us']:.0f} + {r['boundary_json_us']:.0f}",
                f"{r['json_us']:.0f} ({r['json_kb']:.1f} kB)",
                f"{r['share']:.1%}",
            ]
        )
    out += _table(
        [
            "run",
            "passes a step",
            "step µs",
            "boundary µs (values + JSON)",
            "run JSON µs (size)",
            "of one core at 20 steps/s, listened",
        ],
        body,
    )
    xor = next((r for r in costs if r["task"] == "xor"), None)
    if xor:
        per_event = (xor["step_us"] + xor["json_us"]) / 1e3
        ok = per_event <= 4.0
        verdicts.append(
            ("lab: XOR step + its JSON (boundary n = 40) <= 4 ms", f"{per_event:.2f} ms", ok)
        )
    if events:
        ok = events["events_per_s_fewest"] >= 10
        verdicts.append(
            (
                "lab: >= 10 progress events/s per listener, 4 runs",
                f"{events['events_per_s_fewest']:.1f}/s (fewest)",
                ok,
            )
        )
        out += [
            f"Events: {events['events_per_s']:.1f} progress events a second per listener "
            f"(median; fewest {events['events_per_s_fewest']:.1f}, {_mark(ok)} >= 10) with "
            f"{events['runs']} runs training, one listener each. The server process's CPU: "
            f"{events['server_cpu_idle']:.0%} of a core idle, {events['server_cpu_lab']:.0%} with "
            "the 4 runs and their listeners (stepping, JSON, sending).",
            "",
        ]
    if checks:
        body = []
        for r in checks:
            ratio = r["lab_p50_ms"] / r["idle_p50_ms"]
            body.append(
                [
                    str(r["clients"]),
                    f"{r['idle_p50_ms']:.2f} / {r['idle_p99_ms']:.2f}",
                    f"{r['lab_p50_ms']:.2f} / {r['lab_p99_ms']:.2f}",
                    f"{ratio:.2f}x",
                    f"{r['idle_rps']:,.0f} / {r['lab_rps']:,.0f}",
                ]
            )
            if r["clients"] == 1:
                verdicts.append(
                    (
                        "lab: Check p50 with 4 lab runs <= 1.25x without, 1 client",
                        f"{ratio:.2f}x",
                        ratio <= 1.25,
                    )
                )
        out += [
            "Check over HTTP (the trained 10-letter recognizer, unseen drawings), blocks "
            "alternating between no lab runs and the 4 runs with their listeners:",
            "",
        ]
        out += _table(
            [
                "clients",
                "no lab: p50 / p99 ms",
                "4 lab runs: p50 / p99 ms",
                "p50 ratio",
                "req/s, no lab / 4 lab runs",
            ],
            body,
        )
    if train:
        slow = 1 - train["ratio"]
        each = ", ".join(f"{x:.3f}" for x in train["ratios"])
        verdicts.append(("lab: 4 lab runs slow a training by <= 10%", f"{slow:+.1%}", slow <= 0.10))
        out += [
            "A recognizer's training (its own process; 640 drawings, default settings) alone and "
            f"with the 4 lab runs: {train['alone']:.2f} and {train['with_lab']:.2f} passes/s, "
            f"ratio {train['ratio']:.3f} (rounds: {each}), "
            f"{slow:+.1%} {_mark(slow <= 0.10)}.",
            "",
        ]
    return out
