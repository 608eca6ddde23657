"""The live-view section of docs/benchmarks.md (rows of `bench.viewers`)."""

from bench.common import Row
from bench.report_realdata import Verdicts, _table


def viewers_section(rows: list[Row], verdicts: Verdicts) -> list[str]:
    found = [r for r in rows if r.get("bench") == "viewers"]
    if not found:
        return []
    r = found[0]
    slow = 1 - r["ratio"]
    verdicts.append(
        (f"{r['viewers']} network viewers slow training by <= 5%", f"{slow:+.1%}", slow <= 0.05)
    )
    served = "—" if r["served_bytes"] is None else f"{r['served_bytes'] / 1024:.1f} KB"
    return [
        "## 7. The live network view",
        "",
        "A snapshot is member 0 of a 3 x 144-144-26 ensemble, weights as int8 in base64 "
        "(`app/snapshot.py`): its size as JSON and the time to build one from the merged "
        "network. Then the 'load' training (~2,600 samples) alone and with "
        f"{r['viewers']} viewers each polling `GET .../network` every 200 ms: windows of "
        f"{r['window_s']:.0f} s alternating, from pass {r['warm_passes']} on (the first passes "
        "are slower); the worker sends at most 5 snapshots a second, and none when nobody looks.",
        "",
        *_table(
            [
                "snapshot (26 labels)",
                "build",
                "served (this training)",
                "passes/s alone",
                f"passes/s, {r['viewers']} viewers",
                "ratio (rounds)",
            ],
            [
                [
                    f"{r['snapshot_bytes'] / 1024:.1f} KB",
                    f"{r['snapshot_ms']:.2f} ms",
                    served,
                    f"{r['passes_per_s_alone']:.2f}",
                    f"{r['passes_per_s_watched']:.2f}",
                    f"{r['ratio']:.3f} ({', '.join(f'{x:.3f}' for x in r['ratios'])})",
                ]
            ],
        ),
    ]
