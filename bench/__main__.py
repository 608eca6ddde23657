"""`make bench`: every benchmark in one run, then docs/benchmarks.md.

    .venv/bin/python -m bench            # all sections (~2.5 minutes here)
    .venv/bin/python -m bench --quick    # fewer rounds, for trying the harness out

Needs the bench extras (`pip install -e .[bench]`: scikit-learn, torch CPU); loopback only.
"""

import argparse
import sys
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench import gemm, raster, realdata, report, server
from bench.common import Row, log, machine

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "benchmarks.md"
COMMAND = "make bench   # = .venv/bin/python -m bench"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="fewer rounds (not for the record)")
    parser.add_argument("--out", type=Path, default=OUT, help="where to write the report")
    args = parser.parse_args(argv)
    repeats = 3 if args.quick else 7
    rounds = 1 if args.quick else 3

    started = time.perf_counter()
    facts = machine()
    rows: list[Row] = [{"bench": "facts", **facts}]
    errors: list[str] = []

    def section(name: str, call: Callable[[], list[Row]]) -> None:
        log(f"== {name}")
        t = time.perf_counter()
        try:
            rows.extend(call())
        except Exception as exc:  # record it, run the rest, fail at the end
            traceback.print_exc()
            errors.append(f"{name}: {type(exc).__name__}: {exc}")
        log(f"== {name}: {time.perf_counter() - t:.0f} s")

    from bench import train  # imports torch and sklearn: after the facts, inside the run

    section("GEMM (the machine's limit)", lambda: gemm.run(repeats=5 if not args.quick else 3))
    section("training throughput and time to accuracy", lambda: train.run(repeats=repeats))
    section("rasterisation", raster.run)
    section("real handwriting: hwr and peers", realdata.run)

    def served() -> list[Row]:
        from bench import events, http, js_module, lab, quality, viewers

        out: list[Row] = []
        with server.running() as s:
            log(f"server up at {s.url}")
            for name, call in (
                ("time to quality", lambda: quality.run(s.url, repeats=3)),
                ("Check over HTTP", lambda: http.run(s.url, s.process.pid, rounds=rounds)),
                ("events", lambda: events.run(s.url, rounds=2 * rounds)),
                ("network viewers", lambda: viewers.run(s.url, rounds=2 * rounds)),
                ("lab", lambda: lab.run(s.url, s.process.pid, rounds=rounds + 1)),
                ("hwr-recognizer.js", lambda: js_module.run(s.url, rounds=5 * rounds)),
            ):
                log(f"== {name}")
                try:
                    out.extend(call())
                except Exception as exc:
                    traceback.print_exc()
                    errors.append(f"{name}: {type(exc).__name__}: {exc}")
        return out

    section("HTTP sections (quality, Check, events)", served)

    from bench import listing  # two servers of its own

    section("listing recognizers, trained and untrained", listing.run)

    from bench import cluster  # its own PostgreSQL, Redis, API processes and workers

    section("scale-out cluster (workers, two API processes)", lambda: cluster.run(args.quick))

    elapsed = time.perf_counter() - started
    header = _header(facts, elapsed, args.quick)
    text = report.render(rows, header, _notes(), errors)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    log(f"wrote {args.out} ({elapsed:.0f} s in all)")
    print(text.split("## 1a.")[0])  # the header and the targets table
    return 1 if errors else 0


def _header(facts: dict[str, object], elapsed: float, quick: bool) -> list[str]:
    env = facts["env"] if isinstance(facts["env"], dict) else {}
    env_text = ", ".join(f"`{k}={v}`" for k, v in env.items()) or "none set"
    if "OPENBLAS_CORETYPE" in env:  # overrides the kernels OpenBLAS picks for the CPU
        env_text += f" (OpenBLAS runs its {env['OPENBLAS_CORETYPE']} kernels, whatever the CPU)"
    blas = facts["blas"] if isinstance(facts["blas"], list) else []
    return [
        "# Benchmarks",
        "",
        "Written by `bench/__main__.py`; do not edit by hand. Made with:",
        "",
        "```",
        COMMAND + ("  --quick" if quick else ""),
        "```",
        "",
        f"- Run: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}, {elapsed / 60:.1f} minutes "
        f"for the whole run{' (--quick: fewer rounds)' if quick else ''}.",
        f"- Machine: {facts['cores']} cores ({facts['cpu']}), shared with other work and noisy: "
        "every comparison below is interleaved round by round and quoted as a median.",
        f"- Environment as found (figures are reported as they are): {env_text}.",
        f"- Python {facts['python']}, numpy {facts['numpy']}, scikit-learn {facts['sklearn']}, "
        f"torch {facts['torch']}.",
        "- BLAS/OpenMP libraries loaded (threadpoolctl): " + "; ".join(blas) + ".",
        "- Network for item 1: 144-144-26 sigmoid, squared error, float32, 2,600 training "
        "samples (26 random binary prototypes, 10% of cells flipped) and 1,040 held-out copies.",
        "",
    ]


def _notes() -> list[str]:
    return (ROOT / "bench" / "NOTES.md").read_text(encoding="utf-8").splitlines()


if __name__ == "__main__":
    sys.exit(main())
