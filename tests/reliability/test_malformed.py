"""A table of malformed requests against every endpoint: each gets its documented 4xx with a
message naming the problem, the server keeps answering, and nothing stored changes."""

import copy
import json
import pickle
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from app.synth import dataset
from tests.helpers import local_client, wait_for
from tests.reliability.conftest import snapshot
from tests.reliability.tally import COUNTS

DEFAULT = "/api/recognizers/default"
S = DEFAULT + "/samples"
C = DEFAULT + "/check"
T = DEFAULT + "/training"
D = DEFAULT + "/dataset"
M = DEFAULT + "/model"
R = "/api/rasterize"
NEW = "/api/recognizers"
GOOD = [[[0.0, 0.0], [10.0, 10.0]]]
MIB = 1024 * 1024
Doc = dict[str, Any]


@dataclass(frozen=True)
class Bad:
    """One malformed request: what to send, the status it must get, a fragment of its message."""

    id: str
    method: str
    path: str
    status: int
    says: str
    json: Any = None
    content: bytes | None = None
    content_type: str = "application/json"
    model: Callable[[Doc], Any] | None = None  # a body made from the trained model document


def compact(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def raw(text: str) -> bytes:
    return text.encode()


def sample(label: Any = "A", strokes: Any = GOOD) -> Doc:
    return {"label": label, "strokes": strokes}


def nan_json(value: Any) -> bytes:
    """JSON with NaN / Infinity literals, as a careless client would send them."""
    return json.dumps(value, allow_nan=True).encode()


def edit(change: Callable[[Doc], None]) -> Callable[[Doc], Doc]:
    """A model document with one thing changed."""

    def make(doc: Doc) -> Doc:
        doc = copy.deepcopy(doc)
        change(doc)
        return doc

    return make


def _set(path: list[Any], value: Any) -> Callable[[Doc], None]:
    def change(doc: Doc) -> None:
        target = doc
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def _drop_row(doc: Doc) -> None:
    doc["layers"][0]["weights"].pop()


def _ragged(doc: Doc) -> None:
    doc["layers"][0]["weights"][3] = doc["layers"][0]["weights"][3][:-1]


def _extra_label(doc: Doc) -> None:
    doc["labels"].append("Q")


def _duplicate_label(doc: Doc) -> None:
    doc["labels"][1] = doc["labels"][0]


def _huge_sizes(doc: Doc) -> None:
    # Just over the parameter bound, claimed by the sizes alone: refused before any allocation.
    doc["network"]["sizes"] = [144, 34_500, 3]


def _hundred_inputs(doc: Doc) -> None:
    doc["network"]["sizes"][0] = 100
    doc["layers"][0]["weights"] = doc["layers"][0]["weights"][:100]


def _no_bias(doc: Doc) -> None:
    doc["network"]["bias"] = False


def _ten_layers(doc: Doc) -> None:
    doc["layers"] = doc["layers"] * 5


def with_nan_weight(doc: Doc) -> bytes:
    doc = copy.deepcopy(doc)
    doc["layers"][0]["weights"][0][0] = float("nan")
    return nan_json(doc)


def with_infinite_bias(doc: Doc) -> bytes:
    doc = copy.deepcopy(doc)
    doc["layers"][-1]["bias"][0] = float("inf")
    return nan_json(doc)


def with_overflowing_weight(doc: Doc) -> bytes:
    text = json.dumps(doc)
    first = json.dumps(doc["layers"][0]["weights"][0][0])
    return text.replace(first, "1e999", 1).encode()


class Evil:
    """Unpickling this creates a file: proof that an import evaluated something."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (open, (str(PWNED), "w"))


PWNED = Path(tempfile.gettempdir()) / "hwr-reliability-unpickled"
PICKLE = pickle.dumps(Evil())
ACTIVATION_0 = ["network", "activations", 0]
POINTS_100K = [[[i % 7, i % 5] for i in range(100_000)]]  # ~600 KB as compact JSON
BIG_POINTS = [[[123456.789 + i, 654321.123 + i] for i in range(50_000)]]  # ~1.3 MiB


def post(id: str, path: str, status: int, says: str, **kw: Any) -> Bad:
    return Bad(id, "POST", path, status, says, **kw)


def put(id: str, path: str, status: int, says: str, **kw: Any) -> Bad:
    return Bad(id, "PUT", path, status, says, **kw)


def get(id: str, path: str, status: int, says: str) -> Bad:
    return Bad(id, "GET", path, status, says)


def delete(id: str, path: str, status: int, says: str) -> Bad:
    return Bad(id, "DELETE", path, status, says)


def dataset_doc(samples: Any, **fields: Any) -> Doc:
    return {"format": "hwr-dataset/1", "samples": samples, **fields}


def net(**fields: Any) -> Doc:
    """A recognizer to create, with these network settings."""
    return {"name": "x", "network": fields}


NOPE = "/api/recognizers/nope"
SOLO = "/api/recognizers/solo/training"
FRESH = "/api/recognizers/fresh"
DEEP = b'{"strokes": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
HUGE_INT = b'{"strokes": [[[' + b"9" * 5000 + b", 1]]]}"
NAN_DATASET = nan_json(dataset_doc([sample(strokes=[[[float("nan"), 0]]])]))
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
BINARY = "application/octet-stream"

CASES: list[Bad] = [
    # --- invalid JSON ---------------------------------------------------------------------------
    post("json-truncated", S, 422, "json", content=raw('{"label": "A", "strokes": [[[1')),
    post("json-form-encoded", S, 422, "json", content=raw("label=A&strokes=1")),
    post("json-trailing-comma", S, 422, "json", content=raw('{"label":"A","strokes":[],}')),
    post("json-single-quotes", C, 422, "json", content=raw("{'strokes': [[[1, 2]]]}")),
    post("json-empty-body", S, 422, "required", content=b""),
    post("json-null", S, 422, "dictionary", content=raw("null")),
    post("json-array", R, 422, "dictionary", content=raw("[1, 2, 3]")),
    post("json-string", C, 422, "dictionary", content=raw('"strokes"')),
    post("json-number", NEW, 422, "dictionary", content=raw("12")),
    post("json-invalid-utf8", S, 422, "utf-8", content=b'{"label": "\xff", "strokes": []}'),
    post("json-nested-too-deep", R, 422, "recursion", content=DEEP),
    post("json-5000-digit-integer", R, 422, "digits", content=HUGE_INT),
    post(
        "json-as-text-plain", S, 422, "body", content=compact(sample()), content_type="text/plain"
    ),
    # --- wrong types ----------------------------------------------------------------------------
    post("strokes-a-string", S, 422, "strokes", json=sample(strokes="abc")),
    post("strokes-a-number", R, 422, "strokes", json={"strokes": 5}),
    post("strokes-an-object", C, 422, "strokes", json={"strokes": {"x": 1}}),
    post("point-of-words", S, 422, "strokes", json=sample(strokes=[[["a", "b"]]])),
    post("point-an-object", R, 422, "strokes", json={"strokes": [[{"x": 1, "y": 2}]]}),
    post("point-with-null", R, 422, "strokes", json={"strokes": [[[None, 1]]]}),
    post("point-one-number", S, 422, "at least 2", json=sample(strokes=[[[1]]])),
    post("point-four-numbers", R, 422, "at most 3", json={"strokes": [[[1, 2, 3, 4]]]}),
    post("stroke-of-numbers", C, 422, "strokes", json={"strokes": [[1, 2]]}),
    post("label-a-number", S, 422, "label", json=sample(label=5)),
    post("label-null", S, 422, "label", json=sample(label=None)),
    post("label-a-list", S, 422, "label", json=sample(label=["A"])),
    post("label-missing", S, 422, "label", json={"strokes": GOOD}),
    post("strokes-missing", S, 422, "strokes", json={"label": "A"}),
    post("unknown-field", S, 422, "extra", json={**sample(), "colour": "red"}),
    post("grid-size-a-word", R, 422, "grid_size", json={"strokes": GOOD, "grid_size": "x"}),
    post("grid-size-fraction", R, 422, "grid_size", json={"strokes": GOOD, "grid_size": 9.5}),
    post("name-a-number", NEW, 422, "name", json={"name": 5}),
    # --- NaN and Infinity -----------------------------------------------------------------------
    post("nan-coordinate", S, 422, "finite", content=raw('{"label":"A","strokes":[[[NaN,1]]]}')),
    post("infinity-coordinate", R, 422, "finite", content=raw('{"strokes":[[[1,Infinity]]]}')),
    post("minus-infinity-check", C, 422, "finite", content=raw('{"strokes":[[[-Infinity,1]]]}')),
    post("overflow-1e999", S, 422, "finite", content=raw('{"label":"A","strokes":[[[1e999,1]]]}')),
    post("coordinate-over-1e6", S, 422, "within", json=sample(strokes=[[[1e7, 0]]])),
    post("nan-target-mse", T, 422, "target_mse", content=raw('{"target_mse": NaN}')),
    post(
        "infinite-learning-rate",
        NEW,
        422,
        "learning_rate",
        content=raw('{"name": "inf", "network": {"learning_rate": Infinity}}'),
    ),
    post("nan-in-dataset", D, 422, "finite", content=NAN_DATASET),
    put("nan-model-weight", M, 422, "finite", model=with_nan_weight),
    put("infinite-model-bias", M, 422, "finite", model=with_infinite_bias),
    put("overflowing-model-weight", M, 422, "finite", model=with_overflowing_weight),
    # --- empty and oversized drawings, bodies over the limit ------------------------------------
    post("no-strokes", S, 422, "at least one point", json=sample(strokes=[])),
    post("one-empty-stroke", S, 422, "at least one point", json=sample(strokes=[[]])),
    post("only-empty-strokes", R, 422, "at least one point", json={"strokes": [[], [], []]}),
    post("65-strokes", S, 422, "at most 64 strokes", json=sample(strokes=[[[1, 1]]] * 65)),
    post("4097-points", C, 422, "at most 4096 points", json={"strokes": [[[1, 2]] * 4097]}),
    post("100k-points-sample", S, 422, "at most 4096", json=sample(strokes=POINTS_100K)),
    post("100k-points-check", C, 422, "at most 4096", json={"strokes": POINTS_100K}),
    post("100k-points-rasterize", R, 422, "at most 4096", json={"strokes": POINTS_100K}),
    post("sample-over-1mib", S, 413, "larger than", json=sample(strokes=BIG_POINTS)),
    post("check-over-1mib", C, 413, "larger than", json={"strokes": BIG_POINTS}),
    post("rasterize-over-1mib", R, 413, "larger than", content=b" " * (MIB + 1)),
    post("create-over-1mib", NEW, 413, "larger than", content=b" " * (2 * MIB)),
    post("training-over-1mib", T, 413, "larger than", content=b" " * (MIB + 1)),
    post("dataset-over-16mib", D, 413, "larger than", content=b" " * (16 * MIB + 1)),
    # --- labels ---------------------------------------------------------------------------------
    post("label-empty", S, 422, "label", json=sample(label="")),
    post("label-whitespace", S, 422, "label", json=sample(label=" \t\n ")),
    post("label-500-chars", S, 422, "at most 32", json=sample(label="x" * 500)),
    post("label-33-chars", S, 422, "at most 32", json=sample(label="  " + "y" * 33 + " ")),
    post("label-nul", S, 422, "control", json=sample(label="A\x00")),
    post("label-newline", S, 422, "control", json=sample(label="A\nB")),
    post("label-ansi-escape", S, 422, "control", json=sample(label="\x1b[31mA")),
    post("label-zero-width", S, 422, "invisible", json=sample(label="A\u200b")),
    post("label-bidi-override", S, 422, "invisible", json=sample(label="\u202eA")),
    post(
        "label-lone-surrogate", S, 422, "label", content=raw('{"label": "\\ud800", "strokes": []}')
    ),
    post("label-html-too-long", S, 422, "at most 32", json=sample(label=f"<script>{'x' * 30}")),
    post("dataset-label-blank", D, 422, "label", json=dataset_doc([sample(), sample(label=" ")])),
    put("model-label-control", M, 422, "control", model=edit(_set(["labels", 0], "\x07"))),
    # --- unknown recognizers and samples --------------------------------------------------------
    get("recognizer-unknown", NOPE, 404, "nope"),
    delete("delete-unknown-recognizer", NOPE, 404, "nope"),
    post("sample-to-unknown", NOPE + "/samples", 404, "nope", json=sample()),
    get("samples-of-unknown", NOPE + "/samples", 404, "nope"),
    get("sample-unknown-id", S + "/999999", 404, "999999"),
    delete("delete-sample-unknown-id", S + "/999999", 404, "999999"),
    get("sample-id-a-word", S + "/abc", 422, "id"),
    get("sample-id-zero", S + "/0", 422, "id"),
    get("sample-id-beyond-int64", S + "/" + str(2**70), 422, "id"),
    delete("delete-sample-beyond-int64", S + "/" + str(2**64), 422, "id"),
    delete("delete-sample-below-int64", S + "/-" + str(2**64), 422, "id"),
    get("sample-of-another-recognizer", S + "/{other_id}", 404, "no sample"),
    delete("delete-sample-of-another", S + "/{other_id}", 404, "no sample"),
    post("train-unknown", NOPE + "/training", 404, "nope"),
    get("training-status-unknown", NOPE + "/training", 404, "nope"),
    delete("stop-unknown", NOPE + "/training", 404, "nope"),
    get("events-unknown", NOPE + "/training/events", 404, "nope"),
    post("check-unknown", NOPE + "/check", 404, "nope", json={"strokes": GOOD}),
    get("dataset-of-unknown", NOPE + "/dataset", 404, "nope"),
    post("dataset-to-unknown", NOPE + "/dataset", 404, "nope", json=dataset_doc([sample()])),
    get("model-of-unknown", NOPE + "/model", 404, "nope"),
    put("model-to-unknown", NOPE + "/model", 404, "nope", model=edit(lambda d: None)),
    get("path-traversal", "/api/recognizers/..%2F..%2Fetc%2Fpasswd/samples", 404, "not found"),
    get("unknown-path", "/api/nothing-here", 404, "not found"),
    Bad("method-not-allowed", "PUT", DEFAULT, 405, "method not allowed", json={}),
    # --- creating recognizers -------------------------------------------------------------------
    post("name-uppercase", NEW, 422, "name", json={"name": "Digits"}),
    post("name-65-chars", NEW, 422, "name", json={"name": "a" * 65}),
    post("name-empty", NEW, 422, "name", json={"name": ""}),
    post("name-with-slash", NEW, 422, "name", json={"name": "a/b"}),
    post("name-html", NEW, 422, "name", json={"name": "<b>x</b>"}),
    post("name-taken", NEW, 409, "already exists", json={"name": "default"}),
    post("grid-size-3", NEW, 422, "grid_size", json={"name": "g", "grid_size": 3}),
    post("grid-size-65", NEW, 422, "grid_size", json={"name": "g", "grid_size": 65}),
    post("hidden-layer-100k", NEW, 422, "hidden_layers", json=net(hidden_layers=[100_000])),
    post("nine-hidden-layers", NEW, 422, "hidden_layers", json=net(hidden_layers=[4] * 9)),
    post("activation-unknown", NEW, 422, "activation", json=net(activation="softmax")),
    post("learning-rate-zero", NEW, 422, "learning_rate", json=net(learning_rate=0)),
    post("momentum-one", NEW, 422, "momentum", json=net(momentum=1)),
    post("network-unknown-field", NEW, 422, "extra", json=net(dropout=0.5)),
    # --- training and Check ---------------------------------------------------------------------
    post("train-one-label", SOLO, 422, "2 labels"),
    post("train-one-label-with-settings", SOLO, 422, "2 labels", json={"network": "classic"}),
    post("max-iterations-zero", T, 422, "max_iterations", json={"max_iterations": 0}),
    post("max-iterations-a-word", T, 422, "max_iterations", json={"max_iterations": "many"}),
    post("target-mse-negative", T, 422, "target_mse", json={"target_mse": -1}),
    post("cycle-zero", T, 422, "iterations_per_cycle", json={"iterations_per_cycle": 0}),
    post("training-unknown-field", T, 422, "extra", json={"epochs": 5}),
    post("training-body-a-list", T, 422, "dictionary", json=[1]),
    post("check-before-training", FRESH + "/check", 409, "train", json={"strokes": GOOD}),
    get("model-before-training", FRESH + "/model", 409, "no trained model"),
    # --- model imports --------------------------------------------------------------------------
    put("model-format-wrong", M, 422, "format", model=edit(_set(["format"], "onnx"))),
    put("model-layers-missing", M, 422, "layers", model=edit(lambda d: d.pop("layers"))),
    put("model-wrong-shape", M, 422, "shape", model=edit(_drop_row)),
    put("model-ragged-weights", M, 422, "layers[0].weights", model=edit(_ragged)),
    put(
        "model-weights-words",
        M,
        422,
        "weights",
        model=edit(_set(["layers", 0, "weights"], [["a"]])),
    ),
    put("model-activation-unknown", M, 422, "activation", model=edit(_set(ACTIVATION_0, "gelu"))),
    put("model-more-labels-than-outputs", M, 422, "labels", model=edit(_extra_label)),
    put("model-duplicate-labels", M, 422, "unique", model=edit(_duplicate_label)),
    put("model-one-label", M, 422, "labels", model=edit(_set(["labels"], ["A"]))),
    put("model-grid-size-mismatch", M, 422, "grid_size", model=edit(_set(["grid_size"], 16))),
    put("model-sizes-disagree", M, 422, "shape", model=edit(_set(["network", "sizes", 0], 100))),
    put("model-inputs-mismatch", M, 422, "144 inputs", model=edit(_hundred_inputs)),
    put("model-over-parameter-bound", M, 422, "parameters", model=edit(_huge_sizes)),
    put("model-layer-count-mismatch", M, 422, "layers", model=edit(lambda d: d["layers"].pop())),
    put("model-bias-without-bias", M, 422, "bias", model=edit(_no_bias)),
    put("model-network-a-string", M, 422, "network", model=edit(_set(["network"], "big"))),
    put("model-ten-layers", M, 422, "layers", model=edit(_ten_layers)),
    put("model-an-array", M, 422, "dictionary", json=[1, 2]),
    put("model-pickle", M, 422, "json", content=PICKLE),
    put("model-pickle-as-binary", M, 422, "dictionary", content=PICKLE, content_type=BINARY),
    # --- dataset imports ------------------------------------------------------------------------
    post("dataset-png-bytes", D, 422, "utf-8", content=PNG),
    post("dataset-pickle", D, 422, "json", content=PICKLE),
    post("dataset-format-wrong", D, 422, "format", json={"format": "csv", "samples": []}),
    post("dataset-format-missing", D, 422, "format", json={"samples": [sample()]}),
    post("dataset-samples-a-string", D, 422, "samples", json=dataset_doc("all")),
    post("dataset-samples-numbers", D, 422, "samples", json=dataset_doc([1, 2])),
    post("dataset-no-strokes", D, 422, "strokes", json=dataset_doc([sample(), {"label": "B"}])),
    post(
        "dataset-empty-drawing",
        D,
        422,
        "samples.1.strokes",
        json=dataset_doc([sample(), sample(strokes=[[]])]),
    ),
    post(
        "dataset-5000-points",
        D,
        422,
        "at most 4096",
        json=dataset_doc([sample(strokes=[[[1, 2]] * 5000])]),
    ),
    post("dataset-grid-size-3", D, 422, "grid_size", json=dataset_doc([], grid_size=3)),
    post("dataset-a-model", D, 422, "use import model", model=edit(lambda d: None)),
    # --- the stateless rasteriser ---------------------------------------------------------------
    post("rasterize-grid-3", R, 422, "grid_size", json={"strokes": GOOD, "grid_size": 3}),
    post("rasterize-grid-65", R, 422, "grid_size", json={"strokes": GOOD, "grid_size": 65}),
]


@dataclass
class Seeded:
    client: TestClient
    model: Doc
    other_id: int
    before: dict[str, Any]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    """default: 3 labels, trained; solo: one label; fresh: two labels, never trained."""
    data = tmp_path_factory.mktemp("malformed") / "data"
    with local_client(create_app(Settings(data_dir=data))) as client:
        for name in ("solo", "fresh"):
            assert client.post(NEW, json={"name": name}).status_code == 201
        for recognizer, labels in (("default", ["L", "O", "X"]), ("solo", ["A"])):
            for label, strokes in dataset(labels, 3, seed=2):
                r = client.post(
                    f"/api/recognizers/{recognizer}/samples", json=sample(label, strokes)
                )
                assert r.status_code == 201, r.text
        other_id = 0
        for label, strokes in dataset(["A", "T"], 1, seed=3):
            r = client.post("/api/recognizers/fresh/samples", json=sample(label, strokes))
            other_id = r.json()["id"]
        r = client.post(T, json={"network": {"hidden_layers": [8]}, "max_iterations": 50})
        assert r.status_code == 202, r.text
        wait_for(lambda: client.get(T).json()["state"] == "finished", timeout=60)
        model = client.get(M).json()
        yield Seeded(client, model, other_id, snapshot(client))


def send(seeded: Seeded, case: Bad) -> Any:
    path = case.path.format(other_id=seeded.other_id)
    headers = {"content-type": case.content_type}
    if case.model is not None:
        body = case.model(seeded.model)
        content = body if isinstance(body, bytes) else compact(body)
    elif case.content is not None:
        content = case.content
    elif case.json is not None:
        content = compact(case.json)
    else:
        content, headers = None, {}
    return seeded.client.request(case.method, path, content=content, headers=headers)


def test_the_table_is_big_enough() -> None:
    assert len(CASES) >= 60
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_malformed_request_is_refused_and_changes_nothing(seeded: Seeded, case: Bad) -> None:
    COUNTS["malformed"] += 1
    r = send(seeded, case)
    assert r.status_code == case.status, r.text[:500]
    detail = r.json()["detail"]
    message = json.dumps(detail, ensure_ascii=False).lower()
    assert case.says.lower() in message, message[:500]
    assert seeded.client.get("/api/health").json()["status"] == "ok"
    assert snapshot(seeded.client) == seeded.before


def test_imports_never_unpickle(seeded: Seeded) -> None:
    """A pickle whose loading would create a file is refused as JSON, and nothing ran."""
    PWNED.unlink(missing_ok=True)
    for method, path in (("PUT", M), ("POST", D), ("POST", S), ("POST", C)):
        COUNTS["malformed"] += 1
        r = seeded.client.request(
            method, path, content=PICKLE, headers={"content-type": "application/json"}
        )
        assert r.status_code == 422, r.text
    assert not PWNED.exists()
    assert snapshot(seeded.client) == seeded.before


def test_html_label_is_stored_verbatim_not_refused(tmp_path: Path) -> None:
    """HTML in a label is a legal label (API.md: shown escaped): kept exactly as sent."""
    label = "<img src=x onerror=alert(1)>"
    with local_client(create_app(Settings(data_dir=tmp_path / "data"))) as client:
        r = client.post(S, json=sample(label=label))
        assert r.status_code == 201
        assert client.get(f"{S}/{r.json()['id']}").json()["label"] == label
        assert client.get(DEFAULT).json()["labels"] == [{"label": label, "samples": 1}]
