"""Recognition quality on real handwriting: hwr's defaults and the classic preset beside the
peers of `bench.peers`, from k drawings per digit, on the "report" part of the digits (never
used for tuning), with the same splits for everyone.

hwr is trained in this process by the code a training process runs (`worker.prepare` and
`learn.drive`, 1 BLAS thread) and answers as Check does (`Recognizer.answer`), so the figures
are the server's without HTTP. Besides accuracy: the calibration error of the confidences,
validation accuracy against the accuracy on unseen drawings (and whether its 95% interval holds
it), and how often "unknown" is said
for real digits (should be rare), generated scribbles and letters never trained (should be
common).
"""

import json
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from app import evaluation, scribbles, synth, worker
from app.documents import trained_model
from app.jobs import preload
from app.learn import Drawing, drive
from app.network_settings import NetworkSettings
from app.recognition import recognizer_of
from app.recognizer import Recognizer
from bench.common import Row, log, median
from bench.digits import Strokes, load, per_class_indices
from bench.peers import K_VALUES, SEEDS, run_peers

HWR_KINDS: dict[str, dict[str, Any]] = {"hwr-defaults": {}, "hwr-classic": {"preset": "classic"}}
UNKNOWN_SEED = 2027  # scribbles for the "unknown" figures: another seed than any training uses
NEVER_TRAINED = ["A", "E", "H", "M", "N", "P", "T", "U", "V", "X"]  # letters, for a digits model


def train(
    items: Sequence[tuple[str, Strokes]], network: dict[str, Any], seed: int
) -> tuple[Recognizer, dict[str, Any]]:
    """Train as the server does with these network settings; the model Check would use."""
    settings = NetworkSettings.model_validate({**network, "seed": seed})
    labels = sorted({label for label, _ in items})
    index = {label: i for i, label in enumerate(labels)}
    drawings = [Drawing(i + 1, index[label], s) for i, (label, s) in enumerate(items)]
    spec = worker.JobSpec(
        drawings, labels, 12, settings, None, 2000, settings.default_target_mse(), 100
    )
    start = time.perf_counter()
    run = worker.prepare(spec)
    reason = drive(run, spec.max_iterations, spec.target_mse, lambda: False, lambda _: None)
    extras = run.finish()
    seconds = time.perf_counter() - start
    document = trained_model(spec, run.net.to_dict(), extras, [], run.iteration)
    info = {
        "seconds": seconds,
        "iterations": run.iteration,
        "reason": reason,
        "replay_share": run.recorder.seconds / seconds,
        "replay_bytes": len(json.dumps(extras["replay"])),
        **extras,
    }
    return recognizer_of(document), info


def answers(model: Recognizer, drawings: Sequence[Strokes]) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities (n, labels) in the model's label order, and the unknown flags (n,)."""
    P = np.zeros((len(drawings), len(model.labels)))
    unknown = np.zeros(len(drawings), dtype=bool)
    for i, strokes in enumerate(drawings):
        answer = model.check(strokes)
        for label, p in answer.ranked:
            P[i, model.labels.index(label)] = p
        unknown[i] = answer.unknown
    return P, unknown


def run_hwr(k_values: Sequence[int] = K_VALUES, seeds: Sequence[int] = SEEDS) -> list[Row]:
    data = load("report")
    labels = [label for label, _ in data]
    rng = np.random.default_rng(UNKNOWN_SEED)
    junk = scribbles.generate(200, rng)
    letters = [s for _, s in synth.dataset(NEVER_TRAINED, 10, seed=UNKNOWN_SEED)]
    rows: list[Row] = []
    preload.warm()  # what a server's training process inherits from the forkserver
    with threadpool_limits(limits=1):
        for k in k_values:
            for kind, network in HWR_KINDS.items():
                runs: list[dict[str, Any]] = []
                for seed in seeds:
                    train_idx = per_class_indices(labels, k, np.random.default_rng(seed))
                    test = np.setdiff1d(np.arange(len(data)), train_idx)
                    model, info = train([data[i] for i in train_idx], network, seed)
                    P, unknown = answers(model, [data[i][1] for i in test])
                    y = np.array([model.labels.index(labels[i]) for i in test])
                    validation = info["validation"]
                    r = {
                        "accuracy": float(np.mean(P.argmax(axis=1) == y)),
                        "ece": evaluation.ece(P, y),
                        "unknown_real": float(np.mean(unknown)),
                        "unknown_scribbles": float(np.mean(answers(model, junk)[1])),
                        "unknown_letters": float(np.mean(answers(model, letters)[1])),
                        "validation": validation["accuracy"] if validation else None,
                        "interval": validation["interval"] if validation else None,
                        "seconds": info["seconds"],
                        "iterations": info["iterations"],
                        "test": int(test.size),
                        "replay_share": info["replay_share"],
                        "replay_bytes": info["replay_bytes"],
                    }
                    runs.append(r)
                    log(f"realdata k={k} seed={seed} {kind}: " + _brief(r))
                rows.append(_row(kind, k, runs))
    return rows


def _brief(r: dict[str, Any]) -> str:
    val = "—" if r["validation"] is None else f"{r['validation']:.1%}"
    return (
        f"{r['accuracy']:.1%}, ECE {r['ece']:.3f}, validation {val}, unknown: real "
        f"{r['unknown_real']:.1%} scribbles {r['unknown_scribbles']:.1%} letters "
        f"{r['unknown_letters']:.1%}; {r['seconds']:.2f} s, {r['iterations']} passes"
    )


def _row(kind: str, k: int, runs: list[dict[str, Any]]) -> Row:
    def mid(key: str) -> float | None:
        values = [r[key] for r in runs if r[key] is not None]
        return median(values) if values else None

    gaps = [abs(r["validation"] - r["accuracy"]) for r in runs if r["validation"] is not None]
    intervals = [r for r in runs if r["interval"] is not None]
    covered = sum(r["interval"][0] <= r["accuracy"] <= r["interval"][1] for r in intervals)
    return {
        "bench": "realdata",
        "kind": kind,
        "k": k,
        "accuracy": mid("accuracy"),
        "accuracy_all": [r["accuracy"] for r in runs],
        "train_seconds": mid("seconds"),
        "ece": mid("ece"),
        "validation": mid("validation"),
        "validation_gap": max(gaps) if gaps else None,
        "covered": f"{covered} of {len(intervals)}" if intervals else None,
        "seeds": len(runs),
        "max_seconds": max(r["seconds"] for r in runs),
        "unknown_real": mid("unknown_real"),
        "unknown_scribbles": mid("unknown_scribbles"),
        "unknown_letters": mid("unknown_letters"),
        "iterations": mid("iterations"),
        "replay_share": max(r["replay_share"] for r in runs),
        "replay_bytes": max(r["replay_bytes"] for r in runs),
        "test": runs[0]["test"],
    }


def run(k_values: Sequence[int] = K_VALUES, seeds: Sequence[int] = SEEDS) -> list[Row]:
    """hwr and the peers, side by side in one run."""
    return run_hwr(k_values, seeds) + run_peers(k_values, seeds)


if __name__ == "__main__":
    for row in run():
        print({k: (round(v, 3) if isinstance(v, float) else v) for k, v in row.items()})
