"""The recognizer without a server (`from hwr import Recognizer`, `hwr check`) answers as the
server's Check, which runs the same code; and POST /api/rasterize draws Check's grid."""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

import app.recognizer
from app import scribbles
from app.cli import main as hwr
from app.synth import dataset
from hwr import ModelFormatError, Recognizer
from tests.api.conftest import add_drawings, train_until_done
from tests.api.test_transfer import BEFORE

LABELS = ["L", "O", "X", "T"]


def drawings() -> list[Any]:
    """200 drawings: 150 of the labels, drawn looser than the training ones, and 50 scribbles."""
    labelled = [strokes for _, strokes in dataset(LABELS, 38, seed=77, jitter=2.0)][:150]
    return labelled + scribbles.generate(50, np.random.default_rng(78))


@pytest.fixture
def trained(client: TestClient) -> dict[str, Any]:
    """The default recognizer trained with the default settings (an ensemble, cross-fitted,
    with a background class and an open set): its model document."""
    add_drawings(client, LABELS, 8)
    status = train_until_done(client, {"max_iterations": 40})
    assert status["state"] == "finished", status
    document: dict[str, Any] = client.get("/api/recognizers/default/model").json()
    assert document["background"] is True and document["open_set"]["distance"] is not None
    return document


def server_check(client: TestClient, strokes: Any) -> dict[str, Any]:
    r = client.post("/api/recognizers/default/check", json={"strokes": strokes})
    assert r.status_code == 200, r.text
    answer: dict[str, Any] = r.json()
    return answer


def test_the_python_recognizer_answers_as_the_servers_check_on_200_drawings(
    client: TestClient, trained: dict[str, Any]
) -> None:
    recognizer = Recognizer.from_document(trained)
    signals = []
    for strokes in drawings():
        expected = server_check(client, strokes)
        got = recognizer.check(strokes).as_dict()
        assert got["label"] == expected["label"] and got["grid"] == expected["grid"]
        assert (got["unknown"], got["unknown_signal"], got["unknown_reason"]) == (
            expected["unknown"],
            expected["unknown_signal"],
            expected["unknown_reason"],
        )
        assert [c["label"] for c in got["confidences"]] == [
            c["label"] for c in expected["confidences"]
        ]
        difference = np.subtract(
            [c["confidence"] for c in got["confidences"]],
            [c["confidence"] for c in expected["confidences"]],
        )
        assert np.abs(difference).max() <= 1e-9
        signals.append(got["unknown_signal"])
    # Both verdicts, and both tests that said unknown, are among them.
    assert signals.count(None) >= 100 and {"background", "distance"} <= set(signals), signals


def test_the_servers_check_runs_the_python_recognizer(
    client: TestClient, trained: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    check = app.recognizer.Recognizer.check

    def spy(self: Recognizer, strokes: Any) -> app.recognizer.Answer:
        calls.append(strokes)
        return check(self, strokes)

    monkeypatch.setattr(app.recognizer.Recognizer, "check", spy)
    strokes = [[[0, 0], [0, 100], [60, 100]]]
    server_check(client, strokes)
    assert calls == [strokes]


def test_hwr_check_prints_checks_answers(
    client: TestClient,
    trained: dict[str, Any],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    model = tmp_path / "model.json"
    model.write_text(json.dumps(trained))
    some = drawings()[::40]  # 5: 4 of the labels, a scribble
    files = []
    for i, strokes in enumerate(some):
        files.append(tmp_path / f"{i}.json")
        # A drawing is the Check body, or just its strokes.
        files[-1].write_text(json.dumps({"strokes": strokes} if i % 2 else strokes))
    assert hwr(["check", "--model", str(model), *map(str, files)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line) for line in lines] == [
        {k: v for k, v in server_check(client, s).items() if k in ANSWER} for s in some
    ]
    files[0].write_text('{"strokes": [[]]}')
    assert hwr(["check", "--model", str(model), str(files[0])]) == 2
    assert "no points" in capsys.readouterr().err
    assert hwr(["check", "--model", str(files[1]), str(files[0])]) == 2
    assert "not a model document" in capsys.readouterr().err


ANSWER = ("label", "confidences", "unknown", "unknown_reason", "unknown_signal", "grid")


def test_hwr_imports_with_numpy_alone(trained: dict[str, Any], tmp_path: Path) -> None:
    """A script needs numpy only: the server's libraries are never imported."""
    model = tmp_path / "model.json"
    model.write_text(json.dumps(trained))
    blocked = ["fastapi", "starlette", "pydantic", "uvicorn", "jinja2", "onnx", "psycopg"]
    script = f"""
import sys
class Refuse:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {blocked!r}:
            raise ImportError("hwr imported " + name)
sys.meta_path.insert(0, Refuse())
from hwr import Recognizer
answer = Recognizer.load({str(model)!r}).check([[[0, 0], [0, 100], [60, 100]]])
print(answer.label, answer.unknown, len(answer.ranked))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    label, unknown, count = done.stdout.split()
    assert label in LABELS and unknown in ("True", "False") and count == "4"


@pytest.mark.parametrize("kind", ["defaults", "classic"])
def test_a_document_from_before_versions_answers_as_it_did(kind: str) -> None:
    recognizer = Recognizer.from_document(BEFORE[kind]["document"])
    for check in BEFORE[kind]["checks"]:
        got = recognizer.check(check["strokes"]).as_dict()
        expected = check["answer"]
        assert (got["label"], got["unknown"], got["grid"]) == (
            expected["label"],
            expected["unknown"],
            expected["grid"],
        )
        np.testing.assert_allclose(
            [c["confidence"] for c in got["confidences"]],
            [c["confidence"] for c in expected["confidences"]],
            rtol=1e-12,
        )


def test_a_version_1_document_without_its_later_parts_reads_as_hwr_1_0_meant_it() -> None:
    document = {
        key: value
        for key, value in BEFORE["classic"]["document"].items()
        if key in ("format", "labels", "grid_size", "network", "layers")
    }
    recognizer = Recognizer.from_document(document)
    assert (recognizer.antialias, recognizer.temperature, recognizer.background) == (
        False,
        1.0,
        False,
    )
    assert recognizer.reference is None and recognizer.distance is None
    assert not recognizer.check([[[0, 0], [0, 100], [60, 100]]]).unknown


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"format": "hwr-dataset/1"}, "not a model document"),
        ({"labels": ["a"]}, "outputs for 1 labels"),
        ({"grid_size": 8}, "does not fit 144 inputs"),
        ({"calibration": {"temperature": "hot"}}, "calibration.temperature"),
        ({"calibration": {"temperature": 0}}, "temperature must be above 0"),
        ({"open_set": {"reference": "eA==", "distance": 1.0}}, "whole grids"),
        ({"layers": []}, "layers"),
        ({"open_set": "everything"}, "open_set must be an object"),
    ],
)
def test_a_document_that_cannot_be_used_says_why(change: dict[str, Any], message: str) -> None:
    document = {**BEFORE["defaults"]["document"], **change}
    with pytest.raises(ModelFormatError, match=message):
        Recognizer.from_document(document)


# --- POST /api/rasterize ---------------------------------------------------------------------

LINE = [[[0, 0], [80, 30]]]


def grid(client: TestClient, **body: Any) -> list[float]:
    r = client.post("/api/rasterize", json={"strokes": LINE, **body})
    assert r.status_code == 200, r.text
    values: list[float] = r.json()["grid"]
    return values


def test_rasterize_without_options_is_the_grid_of_a_default_recognizers_check(
    client: TestClient, trained: dict[str, Any]
) -> None:
    plain = grid(client)
    assert plain == server_check(client, LINE)["grid"]
    assert 0 < min(v for v in plain if v > 0) < 1  # anti-aliased, as a new recognizer is
    assert grid(client, grid_size=12, antialias=True) == plain


def test_rasterize_for_a_recognizer_follows_its_settings(client: TestClient) -> None:
    body = {"name": "coarse", "grid_size": 8, "network": {"antialias": False}}
    assert client.post("/api/recognizers", json=body).status_code == 201
    coarse = grid(client, recognizer="coarse")
    assert coarse == grid(client, grid_size=8, antialias=False)
    assert len(coarse) == 64 and set(coarse) == {0.0, 1.0}
    # Its settings change (a training with other settings keeps them): so does its grid.
    add_drawings(client, ["L", "O"], 2, recognizer="coarse")
    train_until_done(client, {"network": {"antialias": True}, "max_iterations": 1}, "coarse")
    assert grid(client, recognizer="coarse") == grid(client, grid_size=8, antialias=True)
    r = client.post("/api/rasterize", json={"strokes": LINE, "recognizer": "nope"})
    assert r.status_code == 404
    r = client.post(
        "/api/rasterize", json={"strokes": LINE, "recognizer": "coarse", "grid_size": 8}
    )
    assert r.status_code == 422 and "recognizer" in r.text


def test_the_distance_test_measures_as_directly_as_subtracting_every_grid() -> None:
    """Check finds the nearest training grid through |r|^2 - 2 r.g + |g|^2 and measures the
    closest few directly: at a threshold exactly equal to the direct distance a drawing is not
    far, a hair below it is, for grids near, on and far from the references."""
    rng = np.random.default_rng(5)
    reference = rng.random((300, 144))
    reference[:, rng.random(144) < 0.5] = 0.0  # mostly empty cells, as drawings are
    queries = [reference[7], reference[8] + 1e-9, rng.random(144)]
    queries += [np.clip(reference[i] + rng.normal(0, 0.1, 144), 0, 1) for i in range(20)]
    net = app.recognizer.Network([144, 2])
    for query in queries:
        g = query.astype(np.float32)
        d = reference - g.astype(np.float64)
        direct = float(np.sqrt(np.einsum("ij,ij->i", d, d).min()))
        at = Recognizer(net, ["a", "b"], reference=reference, distance=direct)
        below = Recognizer(net, ["a", "b"], reference=reference, distance=np.nextafter(direct, 0))
        assert at.answer(g).signal is None
        assert below.answer(g).signal == "distance"
