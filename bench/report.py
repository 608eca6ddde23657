"""docs/benchmarks.md from the rows of one `make bench` run: tables, PASS/MISS per target."""

from collections.abc import Callable
from typing import Any

from bench.common import FLOPS_PER_SAMPLE, N_WEIGHTS, Row, fmt
from bench.listing import listing_section
from bench.report_cluster import cluster_section
from bench.report_js import js_section
from bench.report_lab import lab_section
from bench.report_realdata import realdata_section
from bench.report_view import viewers_section

Verdicts = list[tuple[str, str, bool | None]]  # (target, measured, met; None = not measured)


def _pick(rows: list[Row], bench: str, **match: Any) -> list[Row]:
    return [
        r for r in rows if r.get("bench") == bench and all(r.get(k) == v for k, v in match.items())
    ]


def _one(rows: list[Row], bench: str, **match: Any) -> Row | None:
    found = _pick(rows, bench, **match)
    return found[0] if found else None


def _mark(ok: bool | None) -> str:
    return "—" if ok is None else ("**PASS**" if ok else "**MISS**")


def _table(head: list[str], body: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    out += ["| " + " | ".join(row) + " |" for row in body]
    return [*out, ""]


THRESHOLDS = (0.5, 1.5, 5.0, 100.0)  # the targets' ratios


def _x(value: float) -> str:
    """A ratio with 2 decimals, or 3 where 2 would round it onto a target's threshold."""
    if value != value:
        return "—"
    return f"{value:.3f}x" if round(value, 2) in THRESHOLDS else f"{value:.2f}x"


def _pct(value: float) -> str:
    """A share in whole percent, or to 0.1% where whole percent would round onto 50%."""
    return f"{value:.1%}" if round(value, 2) == 0.5 else f"{value:.0%}"


def _clients(n: int) -> str:
    return f"{n} client" + ("" if n == 1 else "s")


def _s(value: float | None) -> str:
    if value is None or value != value:
        return "never (cap)"
    return f"{value * 1e3:.0f} ms" if value < 1 else f"{value:.2f} s"


def _seconds(samples: int | None, rate: float) -> float | None:
    return samples / rate if samples else None


def gemm_section(rows: list[Row], verdicts: Verdicts) -> list[str]:
    out = ["## 1a. The machine's limit: float32 GEMM (numpy's OpenBLAS)", ""]
    body = []
    for r in _pick(rows, "gemm"):
        busy = _one(rows, "gemm-busy", name=r["name"])
        body.append(
            [
                r["name"],
                r["shape"],
                fmt(r["gflops_1"]),
                fmt(r["gflops_default"]),
                fmt(busy["gflops_1"]) if busy else "",
                fmt(busy["gflops_default"]) if busy else "",
            ]
        )
    out += _table(
        [
            "product",
            "m x k x n",
            "GFLOP/s, 1 thread",
            "2 threads (default)",
            "other core busy: 1 thread",
            "busy: 2 threads",
        ],
        body,
    )
    steps = _pick(rows, "gemm-step")
    if steps:
        out += [
            "GEMM-only limit of a training step (the five products of one step of 144-144-26, "
            "same shapes and layouts as the engine, nothing else), 1 thread:",
            "",
        ]
        out += _table(
            ["batch", "samples/s if a step were only its products"],
            [[str(r["batch"]), fmt(r["samples_per_s"])] for r in steps],
        )
    return out


def train_section(rows: list[Row], verdicts: Verdicts) -> list[str]:
    out: list[str] = []
    big = _one(rows, "gemm", name="2048^3")
    steps = {r["batch"]: r["samples_per_s"] for r in _pick(rows, "gemm-step")}
    classic = _one(rows, "train", mode="classic")
    if classic:
        c_port = classic["engine"] / classic["port"]
        c_torch = classic["engine"] / classic["torch"]
        n = classic["samples_to_95"]
        out += [
            "## 1b. Training throughput, classic mode (one sample at a time, in order)",
            "",
            "144-144-26 sigmoid, no bias, U[0, 0.1) init, lr 0.3, squared error, 2,600 samples. "
            "Sample-updates per second (forward + backward + update), median of interleaved "
            "rounds. Time to 95% = samples the engine needed to reach 95% held-out accuracy "
            f"({n:,} here, in order as the original trains) / each one's rate; the port and torch "
            "do the engine's arithmetic (checked below), so they need the same samples."
            if n
            else "",
            "",
        ]
        out += _table(
            ["contender", "sample-updates/s", "engine's ratio", "target", "", "time to 95%"],
            [
                [
                    "**engine** (`train_pass`, float32, 1 BLAS thread)",
                    fmt(classic["engine"]),
                    "",
                    "",
                    "",
                    _s(_seconds(n, classic["engine"])),
                ],
                [
                    "engine as the worker runs it (`passes()`: + exact MSE after each pass)",
                    fmt(classic["engine_product"]),
                    "",
                    "",
                    "",
                    "",
                ],
                [
                    "GEMM-only limit at batch 1 (1a: the step's products alone, 1 thread)",
                    fmt(steps.get(1, float("nan"))),
                    "",
                    "",
                    "",
                    "",
                ],
                [
                    "pure-Python port of the original (`bench/original.py`)",
                    fmt(classic["port"]),
                    _x(c_port),
                    ">= 100x",
                    _mark(c_port >= 100),
                    _s(_seconds(n, classic["port"])),
                ],
                [
                    f"PyTorch {_torch_version(rows)}, batch 1 (best: {classic['torch_threads']}; "
                    f"1t {fmt(classic['torch_1t'])}, 2t {fmt(classic['torch_2t'])})",
                    fmt(classic["torch"]),
                    _x(c_torch),
                    ">= 5x",
                    _mark(c_torch >= 5),
                    _s(_seconds(n, classic["torch"])),
                ],
            ],
        )
        verdicts.append(("classic >= 100x the pure-Python port", _x(c_port), c_port >= 100))
        verdicts.append(("classic >= 5x PyTorch at batch 1", _x(c_torch), c_torch >= 5))
    same = _one(rows, "train-check")
    if same:
        out += [
            "Same arithmetic: after the same 300 samples the port's weights differ from the "
            f"engine's (float64) by at most {same['port']:.1e}; after one shuffled pass at batch "
            f"64 torch's differ from the engine's (float32) by at most {same['torch']:.1e}.",
            "",
        ]
    batches = _pick(rows, "train", mode="minibatch")
    if batches:
        out += [
            "## 1c. Training throughput, mini-batch (float32)",
            "",
            "Engine defaults otherwise (Glorot x2 init, bias, lr 0.3 on the batch-mean gradient, "
            "shuffled). torch: same init (copied), loss and lr: the same arithmetic. sklearn: "
            "`MLPClassifier((144,), logistic, sgd, momentum 0, alpha 0, lr 0.3 constant)` on the "
            "one-hot targets (so 26 sigmoid outputs), its own init and its cross-entropy loss (it "
            "has no squared-error classifier); timed over `fit()` of several epochs. Peers get "
            "their best of 1 and 2 threads; the engine runs 1 BLAS thread, as the worker does.",
            "",
        ]
        body = []
        for r in batches:
            b = r["batch"]
            body.append(
                [
                    str(b),
                    fmt(r["engine"]),
                    f"{fmt(r['torch'])} ({r['torch_threads']})",
                    _x(r["engine"] / r["torch"]),
                    f"{fmt(r['sklearn'])} ({r['sklearn_threads']})",
                    _x(r["engine"] / r["sklearn"]),
                    fmt(r["engine_2t"]),
                    fmt(r["engine_product"]),
                    fmt(steps.get(b, float("nan"))),
                ]
            )
        out += _table(
            [
                "batch",
                "engine, 1 thread",
                "torch (best)",
                "engine / torch",
                "sklearn (best)",
                "engine / sklearn",
                "engine, 2 threads",
                "engine as the worker runs it",
                "GEMM-only limit, 1 thread",
            ],
            body,
        )
        top = _one(rows, "train", mode="minibatch", batch=256)
        if top and 256 in steps:
            need = 1.5 * max(top["torch"], top["sklearn"])
            out += [
                f"At batch 256, 1.5x the best peer is {fmt(need)} samples/s; a step made of "
                f"nothing but its products runs at {fmt(steps[256])} on one thread "
                f"({steps[256] / need:.0%} of that). The engine on 2 threads: "
                f"{_x(top['engine_2t'] / top['torch'])} torch's best, "
                f"{_x(top['engine_2t'] / top['sklearn'])} scikit-learn's best.",
                "",
            ]
        out += [
            "Engine FLOP rate (6 FLOPs per weight per sample, the issue's convention; the engine "
            f"really does {4 + 2 * 144 * 26 / N_WEIGHTS:.2f}: it skips the input layer's dX) "
            "against the float32 GEMM rate of this run:",
            "",
        ]
        body = []
        for r in batches:
            gf = r["engine"] * FLOPS_PER_SAMPLE / 1e9
            body.append(
                [
                    str(r["batch"]),
                    f"{gf:.1f}",
                    f"{gf / big['gflops_1']:.0%}" if big else "",
                    f"{gf / big['gflops_default']:.0%}" if big else "",
                    f"{r['engine'] / steps[r['batch']]:.0%}" if r["batch"] in steps else "",
                ]
            )
        out += _table(
            [
                "batch",
                "engine GFLOP/s",
                "share of 2048^3, 1 thread",
                "share of 2048^3, 2 threads",
                "share of its own GEMM-only limit",
            ],
            body,
        )
        out += ["Time to 95% held-out accuracy at these settings (samples / rate):", ""]
        body = []
        for r in batches:
            body.append(
                [
                    str(r["batch"]),
                    f"{r['samples_to_95']:,}" if r["samples_to_95"] else "never",
                    _s(_seconds(r["samples_to_95"], r["engine"])),
                    _s(_seconds(r["samples_to_95"], r["torch"])),
                    f"{r['sklearn_samples_to_95']:,}" if r["sklearn_samples_to_95"] else "never",
                    _s(_seconds(r["sklearn_samples_to_95"], r["sklearn"])),
                ]
            )
        out += _table(
            [
                "batch",
                "engine/torch: samples",
                "engine",
                "torch",
                "sklearn: samples",
                "sklearn",
            ],
            body,
        )
        top = _one(rows, "train", mode="minibatch", batch=256)
        if top:
            t_ratio = top["engine"] / top["torch"]
            s_ratio = top["engine"] / top["sklearn"]
            verdicts.append(
                (
                    f"batch 256 >= 1.5x PyTorch (engine 1 thread, torch its best: "
                    f"{top['torch_threads']})",
                    _x(t_ratio),
                    t_ratio >= 1.5,
                )
            )
            verdicts.append(
                (
                    f"batch 256 >= 1.5x scikit-learn (engine 1 thread, sklearn its best: "
                    f"{top['sklearn_threads']})",
                    _x(s_ratio),
                    s_ratio >= 1.5,
                )
            )
            same_t, same_s = top["engine"] / top["torch_1t"], top["engine"] / top["sklearn_1t"]
            verdicts.append(
                ("(same threads) batch 256, engine / torch, 1 thread each", _x(same_t), None)
            )
            verdicts.append(
                ("(same threads) batch 256, engine / sklearn, 1 thread each", _x(same_s), None)
            )
            verdicts.append(
                (
                    "(engine on 2 threads) batch 256, engine / torch's best, / sklearn's best",
                    f"{_x(top['engine_2t'] / top['torch'])}, "
                    f"{_x(top['engine_2t'] / top['sklearn'])}",
                    None,
                )
            )
            if big:
                gf = top["engine"] * FLOPS_PER_SAMPLE / 1e9
                one, two = gf / big["gflops_1"], gf / big["gflops_default"]
                verdicts.append(
                    (
                        "batch 256 >= 60% of the GEMM rate on the threads it uses (2048^3 on 1"
                        " thread, as the engine)",
                        _pct(one),
                        one >= 0.6,
                    )
                )
                both = "(engine on 1 thread) batch 256 / the GEMM rate on both cores"
                verdicts.append((both, _pct(two), None))
    return out


def grid_section(rows: list[Row], verdicts: Verdicts) -> list[str]:
    grid = _pick(rows, "train-grid")
    classic = _one(rows, "train", mode="classic")
    if not grid:
        return []
    out = [
        "## 1d. Do the defaults learn fastest? Engine, time to 95% held-out accuracy",
        "",
        "Same data; accuracy checked every 256 samples; seconds = samples / the engine's rate at "
        "that batch size (1 thread, measured again here, interleaved by batch size: the rates "
        "differ from 1c's by the machine's noise). lr is the step on the batch-mean gradient.",
        "",
    ]
    body = []
    for r in grid:
        body.append(
            [
                str(r["batch"]) + (" (default)" if r["default"] else ""),
                f"{r['lr']:g}",
                fmt(r["rate"]),
                f"{r['samples_to_95']:,}" if r["samples_to_95"] else "never",
                _s(r["seconds_to_95"]),
            ]
        )
    if classic and classic["samples_to_95"]:
        body.append(
            [
                "classic preset (1, in order)",
                "0.3",
                fmt(classic["engine"]),
                f"{classic['samples_to_95']:,}",
                _s(classic["samples_to_95"] / classic["engine"]),
            ]
        )
    out += _table(["batch", "lr", "sample-updates/s", "samples to 95%", "time to 95%"], body)
    default = next((r for r in grid if r["default"]), None)
    if default and classic and classic["samples_to_95"]:
        ratio = default["seconds_to_95"] / (classic["samples_to_95"] / classic["engine"])
        verdicts.append(
            ("time to 95%, defaults <= 0.5x the classic path's", _x(ratio), ratio <= 0.5)
        )
        fastest = min((r for r in grid if r["samples_to_95"]), key=lambda r: r["seconds_to_95"])
        out += [
            f"Defaults / classic preset: {_x(ratio)}. Fastest setting measured: batch "
            f"{fastest['batch']}, lr {fastest['lr']:g} ({_s(fastest['seconds_to_95'])}); the "
            f"defaults take {_x(default['seconds_to_95'] / fastest['seconds_to_95'])} as long.",
            "",
        ]
    return out


def raster_section(rows: list[Row], verdicts: Verdicts) -> list[str]:
    ours = _pick(rows, "ink.rasterise")
    if not ours:
        return []
    out = [
        "## 2. Rasterisation: microseconds per drawing",
        "",
        "`app.ink.rasterise` on smooth scribbles in strokes of 64 points (median of many calls, "
        "GC off) against the original encoding in pure Python (`original.encode`: each point "
        "marks its cell, nothing drawn between points, so it does less work).",
        "",
    ]
    body = []
    for n in sorted({r["points"] for r in ours}):
        binary = _one(rows, "ink.rasterise", points=n, mode="binary")
        aa = _one(rows, "ink.rasterise", points=n, mode="antialias")
        orig = _one(rows, "ink.original", points=n)
        body.append(
            [
                str(n),
                f"{binary['median_us']:.1f}" if binary else "",
                f"{aa['median_us']:.1f}" if aa else "",
                f"{orig['median_us']:.1f}" if orig else "",
                _x(orig["median_us"] / binary["median_us"]) if orig and binary else "",
            ]
        )
    out += _table(
        [
            "points",
            "ours, binary (µs)",
            "ours, anti-aliased (µs)",
            "original encoding (µs)",
            "original / ours",
        ],
        body,
    )
    return out


def http_section(rows: list[Row], verdicts: Verdicts) -> list[str]:
    found = _pick(rows, "http")
    if not found:
        return []
    out = [
        "## 3. Check over HTTP",
        "",
        "A real `hwr serve` (uvicorn, one process) on loopback; keep-alive clients from a lean "
        "asyncio client (`bench/client.py`) sending back to back for 1 s blocks; Check and "
        "`GET /api/health` (the trivial endpoint) interleaved; 'busy' = a training of ~2,600 "
        "samples running meanwhile on another recognizer; medians over rounds. Check bodies: "
        "unseen drawings of the 10-letter alphabet (36-149 points).",
        "",
    ]
    body = []
    for state in ("idle", "busy"):
        for clients in sorted({r["clients"] for r in found}):
            c = _one(rows, "http", state=state, endpoint="check", clients=clients)
            h = _one(rows, "http", state=state, endpoint="health", clients=clients)
            if not c or not h:
                continue
            ratio = c["rps"] / h["rps"]
            body.append(
                [
                    state,
                    str(clients),
                    fmt(c["rps"]),
                    f"{c['p50_ms']:.2f} / {c['p99_ms']:.2f}",
                    fmt(h["rps"]),
                    f"{h['p50_ms']:.2f} / {h['p99_ms']:.2f}",
                    _x(ratio),
                    _mark(ratio >= 0.5) if state == "idle" else "",
                    f"{c['cpu_us']:.0f} / {h['cpu_us']:.0f}",
                ]
            )
            if state == "idle":
                verdicts.append(
                    (f"Check >= 0.5x health req/s, {_clients(clients)}", _x(ratio), ratio >= 0.5)
                )
    out += _table(
        [
            "state",
            "clients",
            "Check req/s",
            "Check p50 / p99 ms",
            "health req/s",
            "health p50 / p99 ms",
            "Check / health",
            ">= 0.5x",
            "server CPU µs/request, Check / health",
        ],
        body,
    )
    body = []
    for clients in sorted({r["clients"] for r in found}):
        idle = _one(rows, "http", state="idle", endpoint="check", clients=clients)
        busy = _one(rows, "http", state="busy", endpoint="check", clients=clients)
        if not idle or not busy:
            continue
        ratio = busy["p50_ms"] / idle["p50_ms"]
        body.append(
            [
                str(clients),
                f"{idle['p50_ms']:.2f}",
                f"{busy['p50_ms']:.2f}",
                _x(ratio),
                _mark(ratio <= 1.5),
            ]
        )
        verdicts.append(
            (
                f"Check busy/idle median latency <= 1.5x, {_clients(clients)}",
                _x(ratio),
                ratio <= 1.5,
            )
        )
    out += ["Check's median latency while a training runs:", ""]
    out += _table(["clients", "idle p50 ms", "busy p50 ms", "busy / idle", "<= 1.5x"], body)
    return out


def events_section(rows: list[Row], verdicts: Verdicts) -> list[str]:
    r = _one(rows, "events")
    if not r:
        return []
    slow = 1 - r["ratio"]
    verdicts.append(("100 listeners slow training by <= 10%", f"{slow:+.1%}", slow <= 0.10))
    verdicts.append(
        (
            ">= 4 events/s for each listener",
            f"{r['events_per_s_fewest']:.1f}/s (fewest)",
            r["events_per_s_fewest"] >= 4,
        )
    )
    return [
        "## 4. Events: 100 listeners on a training's stream",
        "",
        "The training: ~2,600 samples, default settings, target_mse 0, in its own process. Its "
        "rate is taken between edges of the reported iteration count, about 2 s per window, "
        "windows alternating without and with the 100 listeners (raw asyncio SSE clients).",
        "",
        *_table(
            [
                "passes/s, no listeners",
                f"passes/s, {r['listeners']} listeners",
                "ratio",
                "slowdown",
                "events/s per listener (median / fewest)",
            ],
            [
                [
                    f"{r['passes_per_s_alone']:.1f}",
                    f"{r['passes_per_s_listened']:.1f}",
                    f"{r['ratio']:.3f} (rounds: {', '.join(f'{x:.3f}' for x in r['ratios'])})",
                    f"{slow:+.1%} {_mark(slow <= 0.10)}",
                    f"{r['events_per_s']:.1f} / {r['events_per_s_fewest']:.1f} "
                    f"{_mark(r['events_per_s_fewest'] >= 4)}",
                ]
            ],
        ),
    ]


def quality_section(rows: list[Row], verdicts: Verdicts) -> list[str]:
    ours = _one(rows, "quality", kind="default")
    peer = _one(rows, "quality", kind="classic")
    if not ours or not peer:
        return []
    body = []
    for name, r in (("**defaults**", ours), ("classic preset (the original)", peer)):
        body.append(
            [
                name,
                f"{r['seconds']:.3f} ({', '.join(f'{x:.3f}' for x in r['seconds_all'])})",
                f"{r['iterations']:.0f}",
                f"{r['mse']:.4f}",
                f"{r['accuracy']:.1%} ({', '.join(f'{x:.1%}' for x in r['accuracy_all'])})",
                f"{r['in_process'] * 1e3:.0f} ms",
            ]
        )
    return [
        "## 5. Time to quality",
        "",
        f"{ours['samples']} generated, jittered drawings (10 labels x 20, `app.synth`), over HTTP: "
        "seconds from `POST .../training {target_mse: 0.05}` until the status says it ended "
        "(process start, data, training, saving the model included), then Check on "
        f"{ours['unseen']} unseen drawings. Median of 3 new recognizers (seeds 0-2). The limit: "
        "the same network, options and seeds trained in the benchmark's own process "
        "(`passes()` until the MSE is below 0.05), without the process start, store or HTTP.",
        "",
        *_table(
            [
                "settings",
                "seconds to MSE < 0.05 (each)",
                "passes",
                "final MSE",
                "unseen accuracy (each)",
                "the limit: same training in-process",
            ],
            body,
        ),
        f"Defaults / classic: {ours['seconds'] / peer['seconds']:.2f}x the time.",
        "",
    ]


def _torch_version(rows: list[Row]) -> str:
    facts = _one(rows, "facts")
    return str(facts["torch"]) if facts else ""


SECTIONS: list[Callable[[list[Row], Verdicts], list[str]]] = [
    gemm_section,
    train_section,
    grid_section,
    raster_section,
    http_section,
    events_section,
    quality_section,
    realdata_section,
    viewers_section,
    lab_section,
    cluster_section,
    js_section,
    listing_section,
]


def render(rows: list[Row], header: list[str], notes: list[str], errors: list[str]) -> str:
    verdicts: Verdicts = []
    body: list[str] = []
    for section in SECTIONS:
        body += section(rows, verdicts)
    summary = ["## Targets", ""]
    summary += _table(
        ["target", "this run", ""],
        [[t, m, _mark(ok)] for t, m, ok in verdicts],
    )
    if errors:
        summary += ["Sections that failed in this run:", ""] + [f"- {e}" for e in errors] + [""]
    return "\n".join(header + summary + body + notes) + "\n"
