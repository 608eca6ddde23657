"""A training run on its own: the hold-out, early stopping, the model's extras."""

import numpy as np
import pytest

from app import synth, worker
from app.learn import MIN_PASSES, Drawing, drive
from app.nn.network import ModelFormatError
from app.open_set import check_reference, pack_grids, unpack_grids
from app.schemas import NetworkSettings
from app.training_data import split_keys

LABELS = ["L", "O", "X"]


def spec(per_label: int, ids_from: int = 1, **network: object) -> worker.JobSpec:
    items = synth.dataset(LABELS, per_label, seed=5)
    drawings = [
        Drawing(ids_from + i, LABELS.index(label), strokes)
        for i, (label, strokes) in enumerate(items)
    ]
    settings = NetworkSettings.model_validate({"seed": 1, **network})
    return worker.JobSpec(drawings, LABELS, 12, settings, None, 300, 0.0, 100)


def test_the_hold_out_is_stratified_disjoint_and_never_trained_on() -> None:
    data = worker.prepare(spec(10)).data
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
    a = worker.prepare(spec(10)).data
    b = worker.prepare(spec(10, **{"seed": 99})).data
    assert np.array_equal(a.val_idx, b.val_idx)  # the network's seed plays no part
    keys = split_keys(np.arange(1, 50, dtype=np.int64))
    assert len(set(keys.tolist())) == 49


def test_training_stops_when_validation_stops_improving_and_keeps_the_best() -> None:
    run = worker.prepare(spec(10, patience=5))
    reason = drive(run, 2000, 0.0, lambda: False, lambda _: None)
    assert "stopped improving" in reason
    last = max([run.improved_at, *run.member_improved])  # the ensemble's and its members'
    assert run.iteration == max(MIN_PASSES, last + 5)
    assert run.best.iteration >= run.improved_at  # ties keep the later pass
    extras = run.finish()
    v = extras["validation"]
    assert v["iteration"] == run.best.iteration == max(b.iteration for b in run.member_best)
    assert sum(map(sum, v["confusion"])) == v["samples"] == 6
    assert v["accuracy"] == pytest.approx(run.validate())  # measured on the kept weights
    # Each member's kept weights are its best pass's: merged, they are the saved network.
    for member, kept in zip(run.members, run.member_best, strict=True):
        assert all(np.array_equal(a, b) for a, b in zip(member.W, kept.W, strict=True))
    assert extras["calibration"]["temperature"] > 0
    assert extras["open_set"]["distance"] > 0


def test_an_ensemble_is_saved_as_one_network_and_resumes_as_its_members() -> None:
    job = spec(6, ensemble=3)
    run = worker.prepare(job)
    for _ in range(3):
        run.step()
    run.finish()
    assert run.net.sizes == [144, 3 * 144, 4]  # 3 members, 3 labels and the reject class
    resumed = worker.prepare(
        worker.JobSpec(job.drawings, LABELS, 12, job.settings, run.net, 5, 0.0, 100)
    )
    assert len(resumed.members) == 3
    X = run.data.X_val
    np.testing.assert_allclose(resumed.net.logits(X), run.net.logits(X), rtol=1e-5, atol=1e-5)


def test_packed_reference_grids_round_trip_to_4_bits() -> None:
    grids = np.random.default_rng(0).random((7, 144)).astype(np.float32)
    back = unpack_grids(pack_grids(grids), 144)
    assert back.shape == (7, 144)
    assert np.abs(back - grids).max() <= 1 / 30 + 1e-6
    check_reference(pack_grids(grids), 12)
    with pytest.raises(ModelFormatError):
        check_reference(pack_grids(grids[:, :100]), 12)
    with pytest.raises(ModelFormatError):
        check_reference("not base64!", 12)


def test_weight_decay_ends_with_smaller_weights_from_the_same_start() -> None:
    """Same seed, same passes: the decayed network still recognises every held-out drawing,
    with weights of about half the norm."""
    norms = {}
    for weight_decay in (0.0, 0.01):
        run = worker.prepare(spec(6, weight_decay=weight_decay, ensemble=1))
        assert drive(run, 40, 0.0, lambda: False, lambda _: None) == "max_iterations reached"
        assert run.validate() == 1.0
        norms[weight_decay] = float(
            np.sqrt(sum(np.sum(w.astype(np.float64) ** 2) for w in run.net.W))
        )
    assert norms[0.0] == pytest.approx(25.11, abs=0.05)
    assert norms[0.01] == pytest.approx(14.45, abs=0.05)
