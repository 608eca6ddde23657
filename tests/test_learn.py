"""A training run on its own: cross-fitting, the hold-out, the stop, the model's extras."""

import subprocess
import sys

import numpy as np
import pytest

from app import synth, worker
from app.learn import MIN_PASSES, Drawing, drive
from app.network_settings import NetworkSettings
from app.nn.network import ModelFormatError
from app.open_set import pack_grids, unpack_grids
from app.training_data import BACKGROUND_POOL, POOL_VARIANTS, background, split_keys

LABELS = ["L", "O", "X"]


def spec(per_label: int, ids_from: int = 1, **network: object) -> worker.JobSpec:
    items = synth.dataset(LABELS, per_label, seed=5)
    drawings = [
        Drawing(ids_from + i, LABELS.index(label), strokes)
        for i, (label, strokes) in enumerate(items)
    ]
    settings = NetworkSettings.model_validate({"seed": 1, **network})
    return worker.JobSpec(drawings, LABELS, 12, settings, None, 300, 0.0, 100)


def test_cross_fitting_trains_each_member_on_all_but_its_fold_and_the_refit_on_all() -> None:
    run = worker.prepare(spec(7))  # the defaults: 3 members cross-fitted, and the refit
    assert run.crossfit is not None and len(run.members) == 4
    assert run.net.sizes == [144, 4 * 144, 4]
    assert not len(run.data.val_idx) and len(run.data.train_idx) == 21  # nothing held out
    folds = run.crossfit.folds
    for m in range(3):
        rows = run.crossfit.rows(m)
        assert rows is not None and set(rows.tolist()) == set(np.flatnonzero(folds != m).tolist())
        # What member m's pass learns from: every drawing but its fold's, and the scribbles.
        X, Y = run.data.pass_data(grow=True, dtype=np.float32, rows=rows)
        assert len(X) == len(rows) + run.data.bg_count
        assert np.array_equal(Y[: len(rows)].argmax(axis=1), run.data.y[rows])
    assert run.crossfit.rows(3) is None
    for label in range(3):  # stratified: each fold holds 2 or 3 of each label's 7
        counts = np.bincount(folds[run.data.y == label], minlength=3)
        assert sorted(counts.tolist()) == [2, 2, 3]


def test_every_drawing_has_one_out_of_fold_answer_from_the_member_that_never_saw_it() -> None:
    run = worker.prepare(spec(7, patience=5))
    reason = drive(run, 300, None, lambda: False, lambda _: None)
    assert "stopped improving" in reason  # no target MSE: the run stops on validation
    assert run.iteration == max(MIN_PASSES, run.improved_at + 5)
    extras = run.finish()
    v = extras["validation"]
    assert v["samples"] == 21 and sum(map(sum, v["confusion"])) == 21
    assert sorted(h["id"] for h in v["held_out"]) == list(range(1, 22))
    answers = run.answers()
    assert answers is not None
    for m in range(3):  # each drawing's answer is its own fold's member's
        held = np.flatnonzero(run.crossfit.folds == m)
        np.testing.assert_allclose(
            answers.logits[held], run.members[m].logits(run.data.clean[held])[:, :3], rtol=1e-6
        )
    wrong = [h["id"] for h in v["held_out"] if h["label"] != h["recognised"]]
    assert v["misclassified"] == wrong
    assert v["accuracy"] == pytest.approx(1 - len(wrong) / 21)
    low, high = v["interval"]
    assert low < v["accuracy"] <= high <= 1.0 and v["cross_fitted"] is True
    assert v["iteration"] == run.iteration  # the last pass's weights are kept
    assert extras["folds"] == run.crossfit.as_dict() and len(extras["folds"]) == 21
    assert extras["validation_note"] is None


def test_a_continued_run_keeps_each_drawing_in_its_fold() -> None:
    first = worker.prepare(spec(6))
    folds = first.crossfit.as_dict()  # type: ignore[union-attr]
    first_ids = sorted(folds)
    more = spec(9)  # the same 18 drawings and 9 more (ids 19-27)
    # Ids 1-18 as before, but their folds scrambled by what the earlier run saved: kept as given.
    saved = {i: (f + 1) % 3 for i, f in folds.items()}
    job = worker.JobSpec(more.drawings, LABELS, 12, more.settings, None, 5, None, 100, saved)
    again = worker.prepare(job).crossfit
    assert again is not None
    assert {i: f for i, f in again.as_dict().items() if i in saved} == saved
    assert sorted(again.as_dict()) == list(range(1, 28)) and first_ids == list(range(1, 19))


def test_the_hold_out_is_stratified_disjoint_and_never_trained_on() -> None:
    data = worker.prepare(spec(10, cross_fit=False)).data
    assert set(data.train_idx).isdisjoint(data.val_idx)
    assert len(data.train_idx) + len(data.val_idx) == 30
    assert np.bincount(data.y[data.val_idx]).tolist() == [2, 2, 2]  # 20% of 10 per label
    # What the passes learn from is exactly the training part (and generated scribbles).
    assert np.array_equal(data.X_train, data.clean[data.train_idx])
    held = {tuple(np.round(g, 4)) for g in data.clean[data.val_idx]}
    assert not held & {tuple(np.round(g, 4)) for g in data.X_train}


def test_the_split_depends_on_the_sample_ids_alone() -> None:
    """Adding samples keeps the earlier ones on their side (mostly): a continued training does
    not train on what it held out before."""
    a = worker.prepare(spec(10, cross_fit=False)).data
    b = worker.prepare(spec(10, cross_fit=False, seed=99)).data
    assert np.array_equal(a.val_idx, b.val_idx)  # the network's seed plays no part
    keys = split_keys(np.arange(1, 50, dtype=np.int64))
    assert len(set(keys.tolist())) == 49


def test_without_cross_fitting_the_hold_out_is_validation_and_the_run_stops_on_it() -> None:
    run = worker.prepare(spec(10, patience=5, cross_fit=False))
    assert len(run.members) == 3 and run.crossfit is None
    reason = drive(run, 2000, 0.0, lambda: False, lambda _: None)
    assert "stopped improving" in reason
    assert run.iteration == max(MIN_PASSES, run.improved_at + 5)
    extras = run.finish()
    v = extras["validation"]
    assert v["iteration"] == run.iteration and v["cross_fitted"] is False
    assert sum(map(sum, v["confusion"])) == v["samples"] == 6
    answers = run.answers()
    assert answers is not None and v["accuracy"] == pytest.approx(answers.accuracy())
    assert extras["calibration"]["temperature"] > 0
    assert extras["open_set"]["distance"] > 0
    assert extras["folds"] is None


def test_every_run_learns_the_background_from_one_pool_made_once_per_process() -> None:
    settings = NetworkSettings()
    pool = background(settings, 12)
    assert pool.shape == (BACKGROUND_POOL * POOL_VARIANTS, 144) and not pool.flags.writeable
    assert pool.min() >= 0.0 and pool.max() == 1.0 and pool.std(axis=0).mean() > 0.1
    # Made once: the same object for these settings; augmentation below "standard" shares
    # that level's (scribbles vary at least that much); another pen, another pool.
    assert background(NetworkSettings(seed=7, ensemble=1), 12) is pool
    standard = background(NetworkSettings(augmentation="standard"), 12)
    assert background(NetworkSettings(augmentation="off"), 12) is standard is not pool
    other = background(NetworkSettings(antialias=False), 12)
    assert set(np.unique(other).tolist()) == {0.0, 1.0}
    # Two runs of other drawings and seeds draw their passes' scribbles from that pool.
    rows = {tuple(row) for row in pool.tolist()}
    for run in (worker.prepare(spec(7)), worker.prepare(spec(4, ids_from=50, seed=3))):
        for grow in (True, False):
            X, Y = run.data.pass_data(grow=grow, dtype=np.float32)
            scribbles = X[Y[:, -1] == 1.0]
            assert len(scribbles) == run.data.bg_count >= 4
            assert all(tuple(row) in rows for row in scribbles.tolist())


def python(*lines: str) -> subprocess.CompletedProcess[str]:
    """These lines run by a fresh interpreter (stdout and stderr kept)."""
    code = "\n".join(lines)
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )


def test_a_training_process_inherits_the_default_pool_from_the_preload() -> None:
    """app.jobs.preload, which the forkserver and `hwr worker` import before they fork, has
    made the default settings' pool: a forked training finds it made."""
    out = python(
        "import app.jobs.preload",
        "from app.training_data import _background",
        "print(_background.cache_info().currsize)",
    )
    assert out.stdout.split() == ["1"]
    # A failure there is logged, not raised: the forkserver survives only an ImportError.
    out = python(
        "import app.training_data as t",
        "def boom(*_): raise MemoryError('no room')",
        "t.background = boom",
        "import app.jobs.preload",
        "print('imported')",
    )
    assert out.stdout.split() == ["imported"]
    assert "could not make the background class ahead" in out.stderr
    assert "MemoryError: no room" in out.stderr


def test_an_ensemble_is_saved_as_one_network_and_resumes_as_its_members() -> None:
    job = spec(6, ensemble=3)
    run = worker.prepare(job)
    for _ in range(3):
        run.step()
    run.finish()
    assert run.net.sizes == [144, 4 * 144, 4]  # 3 members and the refit; 3 labels and reject
    resumed = worker.prepare(
        worker.JobSpec(job.drawings, LABELS, 12, job.settings, run.net, 5, 0.0, 100)
    )
    assert len(resumed.members) == 4
    X = run.data.clean
    np.testing.assert_allclose(resumed.net.logits(X), run.net.logits(X), rtol=1e-5, atol=1e-5)


def test_packed_reference_grids_round_trip_to_4_bits() -> None:
    grids = np.random.default_rng(0).random((7, 144)).astype(np.float32)
    back = unpack_grids(pack_grids(grids), 144)
    assert back.shape == (7, 144)
    assert np.abs(back - grids).max() <= 1 / 30 + 1e-6
    exact = unpack_grids(pack_grids(grids), 144, np.float64)  # q / 15, as the JS module reads
    assert exact.dtype == np.float64
    np.testing.assert_allclose(exact * 15, np.rint(grids * 15), rtol=0, atol=1e-12)
    with pytest.raises(ModelFormatError, match="whole grids"):
        unpack_grids(pack_grids(grids[:, :100]), 144)
    with pytest.raises(ModelFormatError, match="not packed grids"):
        unpack_grids("not base64!", 144)


def test_weight_decay_ends_with_smaller_weights_from_the_same_start() -> None:
    """Same seed, same passes: the decayed network still recognises every held-out drawing,
    with weights of about half the norm."""
    norms = {}
    for weight_decay in (0.0, 0.01):
        run = worker.prepare(spec(6, weight_decay=weight_decay, ensemble=1))
        assert drive(run, 40, 0.0, lambda: False, lambda _: None) == "max_iterations reached"
        answers = run.answers()
        assert answers is not None and answers.accuracy() == 1.0
        norms[weight_decay] = float(
            np.sqrt(sum(np.sum(w.astype(np.float64) ** 2) for w in run.net.W))
        )
    assert norms[0.0] == pytest.approx(25.11, abs=0.05)
    assert norms[0.01] == pytest.approx(14.45, abs=0.05)
