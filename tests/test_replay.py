"""A training's recording (app.replay): when frames are taken, whose guesses, how many."""

import json

import numpy as np

from app import replay, worker
from app.learn import drive
from tests.test_learn import LABELS, spec


def test_frames_fall_on_log_spaced_passes() -> None:
    passes = replay.schedule(100)
    assert passes[:10] == [0, 1, 2, 3, 4, 5, 6, 8, 10, 12]
    assert passes[-1] <= 100 and len(passes) == len(set(passes)) == 19
    ratios = np.array(passes[10:]) / np.array(passes[9:-1])
    assert (ratios >= 1.2).all() and (ratios <= 1.3).all()
    # The shortest default run (patience 40) still has 15 frames and its last.
    assert len(replay.schedule(40)) == 15 and len(replay.schedule(10**7)) == 70


def test_guessed_drawings_are_spread_over_the_labels_oldest_first() -> None:
    ids = np.arange(100, 160, dtype=np.int64)
    y = np.repeat(np.arange(6), 10).astype(np.intp)  # 6 labels, 10 drawings each
    rows = np.arange(60, dtype=np.intp)[::-1]  # the order given does not matter
    chosen = replay.pick(ids, y, rows)
    assert len(chosen) == replay.GUESSED == 24
    assert np.bincount(y[chosen]).tolist() == [4] * 6
    assert [int(ids[r]) for r in chosen[:6]] == [100, 110, 120, 130, 140, 150]


def test_a_long_run_keeps_at_most_max_frames_with_its_first_and_last() -> None:
    frames = [{"iteration": i} for i in range(200)]
    kept = replay.thin(frames, 48)
    assert len(kept) <= 48 and kept[0]["iteration"] == 0 and kept[-1]["iteration"] == 199


def test_a_run_records_its_start_its_due_passes_and_its_last_pass() -> None:
    run = worker.prepare(spec(6, patience=0))
    assert drive(run, 23, None, lambda: False, lambda _: None) == "max_iterations reached"
    frames = run.finish()["replay"]
    assert [f["iteration"] for f in frames] == [*replay.schedule(23), 23]  # 23: the last
    assert [f["frame"] for f in frames] == list(range(len(frames)))
    for f in frames:  # 18 drawings of 3 labels, each guessed by the member that never saw it
        assert len(f["guesses"]) == 18 and {g["truth"] for g in f["guesses"]} == set(LABELS)
        assert all(0 < g["confidence"] <= 1 for g in f["guesses"])
    # The last frame's guesses are the out-of-fold answers validation reports.
    answers = run.answers()
    assert answers is not None
    assert frames[-1]["validation_accuracy"] == answers.accuracy()
    wrong = {g["sample_id"] for g in frames[-1]["guesses"] if g["label"] != g["truth"]}
    assert wrong == set(run.finish()["validation"]["misclassified"])
    # Member 0's weights, compact: what one frame costs for this 144-144-4 member.
    layers = frames[-1]["layers"]
    assert [layer["shape"] for layer in layers] == [[144, 144], [144, 4]]
    assert len(json.dumps(frames[-1])) < 40_000
    assert frames[0]["layers"][0]["weights"] != layers[0]["weights"]


def test_a_continued_run_counts_its_frames_from_the_models_iterations() -> None:
    frames = [{"frame": 0, "iteration": 0}, {"frame": 1, "iteration": 5}]
    assert [f["iteration"] for f in replay.rebase(frames, 40)] == [40, 45]
