"""The hwr-recognizer.js section of docs/benchmarks.md (the row of `bench.js_module`)."""

from bench.common import Row
from bench.report_realdata import Verdicts, _table


def js_section(rows: list[Row], verdicts: Verdicts) -> list[str]:
    found = [r for r in rows if r.get("bench") == "js-module"]
    if not found:
        return []
    r = found[0]
    return [
        "## 10. hwr-recognizer.js: Check in the browser",
        "",
        "The module as `GET /hwr-recognizer.js` serves it, and gzipped (-9). In Chromium, a blank "
        "page loads the Check recognizer of item 3 (default settings: the ensemble merged into "
        f"one {'-'.join(map(str, r['sizes']))} network, the last output the background class; "
        "the training grids for 'unknown') "
        f"from `GET .../model` ({r['model_bytes'] / 1024:.0f} KB of JSON) and checks item 3's "
        f"{r['drawings']} unseen drawings: after a warm-up, {r['rounds']} rounds, each round's "
        "mean per drawing, alternating with the same drawings through `POST .../check` as "
        "item 3 sends them (one client, median latency over 0.5 s); medians over rounds. The "
        "grid is the anti-aliased rasterisation alone, which Check includes.",
        "",
        *_table(
            [
                "module",
                "gzipped",
                "load()",
                "Check in Chromium",
                "of which the grid",
                "Check over HTTP",
                "HTTP / browser",
            ],
            [
                [
                    f"{r['bytes']:,} B",
                    f"{r['gzip_bytes']:,} B",
                    f"{r['load_ms']:.1f} ms",
                    f"{r['check_ms']:.3f} ms",
                    f"{r['grid_ms']:.3f} ms",
                    f"{r['http_check_ms']:.3f} ms",
                    f"{r['http_check_ms'] / r['check_ms']:.1f}x",
                ]
            ],
        ),
    ]
