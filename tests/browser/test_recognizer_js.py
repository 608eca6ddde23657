"""hwr-recognizer.js in a blank page (no hwr page code) answers as the server's Check: the same
label, verdict and grid, confidences within 1e-5, for 200 drawings of a trained model and for
model documents written before documents had a version; and its rasterize() draws the grids
POST /api/rasterize does."""

import json
import math
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from app import scribbles, synth
from tests.browser.conftest import Watched
from tests.browser.drawing import seed_samples
from tests.browser.helpers import summary, training
from tests.helpers import Server, wait_for

pytestmark = pytest.mark.browser

Strokes = list[list[list[float]]]
LABELS = ["L", "O", "X", "T", "A"]
BLANK = "/blank-page-for-a-test"  # no such route: Playwright answers it with an empty page
BEFORE = json.loads((Path(__file__).parents[1] / "api" / "models_before_versions.json").read_text())

# In the blank page: import the module from the server, load a model document, check drawings.
CHECK_ALL = """async ([model, drawings]) => {
  const { load } = await import("/hwr-recognizer.js");
  const document = typeof model === "string" && model.startsWith("/")
    ? await (await fetch(model)).json() : model;
  const recognizer = await load(document);
  return drawings.map((strokes) => recognizer.check(strokes));
}"""


def drawings(n_labels: int, n_scribbles: int, seed: int) -> list[Strokes]:
    """Varied drawings of LABELS (jitter, size, point spacing, with and without times, some with
    a dot beside), then generated scribbles."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n_labels):
        strokes = synth.draw(
            LABELS[i % len(LABELS)],
            rng,
            jitter=float(rng.uniform(0.3, 2.0)),
            size=float(rng.uniform(30, 500)),
            step=float(rng.uniform(2, 30)),
        )
        if i % 3 == 0:
            strokes = [[point[:2] for point in stroke] for stroke in strokes]
        if i % 7 == 0:
            x, y = strokes[0][0][:2]
            strokes.append([[x + float(rng.uniform(-50, 50)), y]])  # a one-point stroke
        out.append(strokes)
    return out + scribbles.generate(n_scribbles, rng)


def server_checks(url: str, recognizer: str, strokes: list[Strokes]) -> list[dict[str, Any]]:
    with httpx.Client(base_url=f"{url}/api/recognizers/{recognizer}", timeout=10) as client:
        answers = [client.post("/check", json={"strokes": s}) for s in strokes]
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers][:3]
    return [a.json() for a in answers]


def same_answers(js: list[dict[str, Any]], server: list[dict[str, Any]]) -> float:
    """Assert that each answer of the module is the server's; the largest confidence difference."""
    assert len(js) == len(server)
    worst = 0.0
    for i, (mine, theirs) in enumerate(zip(js, server, strict=True)):
        fields = ("label", "unknown", "unknown_signal", "unknown_reason")
        assert {k: mine[k] for k in fields} == {k: theirs[k] for k in fields}, i
        assert mine["grid"] == theirs["grid"], i  # to the bit: the same float32 values
        ours = {c["label"]: c["confidence"] for c in mine["confidences"]}
        assert list(ours) == [c["label"] for c in theirs["confidences"]], i  # highest first
        for c in theirs["confidences"]:
            worst = max(worst, abs(ours[c["label"]] - c["confidence"]))
    assert worst <= 1e-5
    return worst


@pytest.fixture(scope="module")
def trained(live_server: Server) -> str:
    """A recognizer of the default settings (a background class, an open set, an ensemble of
    3), trained for a few passes."""
    name = f"js-{uuid.uuid4().hex[:8]}"
    url = live_server.url
    assert httpx.post(f"{url}/api/recognizers", json={"name": name}, timeout=10).status_code == 201
    seed_samples(url, name, LABELS, per_label=6)
    body = {"max_iterations": 20, "network": {"seed": 5}}
    r = httpx.post(f"{url}/api/recognizers/{name}/training", json=body, timeout=10)
    assert r.status_code == 202, r.text
    wait_for(lambda: training(url, name)["state"] == "finished", timeout=60, interval=0.1)
    return name


@pytest.fixture
def blank(browser: Any, live_server: Server) -> Iterator[Any]:
    """An empty page of the server's origin (so it may import /hwr-recognizer.js and fetch the
    model), with none of hwr's page code."""
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(20_000)
    watched = Watched(page)
    html = "<!doctype html><html lang=en><title>blank</title></html>"
    page.route(f"**{BLANK}", lambda route: route.fulfill(body=html, content_type="text/html"))
    page.goto(live_server.url + BLANK)
    assert page.evaluate("document.scripts.length") == 0
    yield page
    context.close()
    assert not watched.errors, watched.errors


def test_200_drawings_answer_as_the_servers_check(
    blank: Any, live_server: Server, trained: str
) -> None:
    model = summary(live_server.url, trained)["model"]
    assert model["trained"]
    document = httpx.get(f"{live_server.url}/api/recognizers/{trained}/model", timeout=10).json()
    assert document["background"] and document["open_set"]["distance"] is not None
    strokes = drawings(150, 50, seed=23)
    server = server_checks(live_server.url, trained, strokes)
    js = blank.evaluate(CHECK_ALL, [f"/api/recognizers/{trained}/model", strokes])
    worst = same_answers(js, server)
    verdicts = [a["unknown_signal"] for a in js]
    print(f"200 drawings: largest confidence difference {worst:.3g}; verdicts of the labels'",
          Counter(verdicts[:150]), "of the scribbles", Counter(verdicts[150:]))  # fmt: skip
    assert verdicts[:150].count(None) >= 100, verdicts  # the labels are mostly known...
    assert sum(v is not None for v in verdicts[150:]) >= 25, verdicts  # ...scribbles not
    assert {"background", "distance"} <= set(verdicts), verdicts


def test_the_confidence_test_answers_as_the_server(
    blank: Any, live_server: Server, trained: str
) -> None:
    """The third test of "unknown" (off in a trained model: min_confidence 0), turned on."""
    api = f"{live_server.url}/api/recognizers"
    strokes = drawings(40, 10, seed=11)
    # The threshold: the median top confidence of the drawings that are known, so about half are
    # not any more.
    known = [a for a in server_checks(live_server.url, trained, strokes) if not a["unknown"]]
    threshold = float(np.median([a["confidences"][0]["confidence"] for a in known]))
    document = httpx.get(f"{api}/{trained}/model", timeout=10).json()
    document["open_set"]["min_confidence"] = threshold
    name = f"unsure-{uuid.uuid4().hex[:8]}"
    assert httpx.post(api, json={"name": name}, timeout=10).status_code == 201
    r = httpx.put(f"{api}/{name}/model", json=document, timeout=10)
    assert r.status_code == 200, r.text
    server = server_checks(live_server.url, name, strokes)
    js = blank.evaluate(CHECK_ALL, [document, strokes])
    same_answers(js, server)
    verdicts = {a["unknown_signal"] for a in js}
    assert {"confidence", None} <= verdicts, verdicts


def v1_document(kind: str) -> dict[str, Any]:
    """A document stored before versions; "1.0": only the parts hwr 1.0 wrote."""
    if kind != "1.0":
        return dict(BEFORE[kind]["document"])
    stored = BEFORE["classic"]["document"]
    return {key: stored[key] for key in ("format", "labels", "grid_size", "network", "layers")}


@pytest.mark.parametrize("kind", ["defaults", "classic", "1.0"])
def test_a_document_without_a_version_answers_as_the_server_after_import(
    blank: Any, live_server: Server, kind: str
) -> None:
    document = v1_document(kind)
    assert "version" not in document
    name = f"old-{uuid.uuid4().hex[:8]}"
    api = f"{live_server.url}/api/recognizers"
    assert httpx.post(api, json={"name": name}, timeout=10).status_code == 201
    r = httpx.put(f"{api}/{name}/model", json=document, timeout=10)
    assert r.status_code == 200, r.text
    strokes = [c["strokes"] for c in BEFORE["classic"]["checks"]] + drawings(12, 6, seed=5)
    server = server_checks(live_server.url, name, strokes)
    js = blank.evaluate(CHECK_ALL, [json.dumps(document), strokes])  # as JSON text, too
    same_answers(js, server)
    antialiased = any(0 < v < 1 for answer in js for v in answer["grid"])
    assert antialiased == (kind == "defaults")  # absent: the binary grids of hwr 1.0


LOAD_ERROR = """async (documents) => {
  const { load } = await import("/hwr-recognizer.js");
  const out = [];
  for (const document of documents) {
    try {
      await load(document);
      out.push("loaded");
    } catch (error) {
      out.push(error instanceof Error ? error.message : `not an Error: ${error}`);
    }
  }
  return out;
}"""


def test_load_rejects_what_is_not_a_usable_model_with_a_message(blank: Any) -> None:
    good = BEFORE["defaults"]["document"]
    layer = {**good["layers"][0], "weights": good["layers"][0]["weights"][:-1]}
    network = {**good["network"], "activations": ["toString", "softmax"]}  # not an own property
    cases = {
        "{not json": "not JSON",
        "[]": "JSON object",
        json.dumps({"format": "hwr-dataset/1", "grid_size": 12, "samples": []}): "a dataset",
        json.dumps({**good, "version": 9}): "version 9",
        json.dumps({**good, "labels": ["only one"]}): "labels",
        json.dumps({**good, "layers": [layer, good["layers"][1]]}): "layers[0].weights",
        json.dumps({**good, "open_set": {**good["open_set"], "reference": "bm90IHpsaWI="}}): (
            "open_set.reference is not packed grids"
        ),
        json.dumps({**good, "network": network}): "hidden activation",
        json.dumps(good): "loaded",
    }
    got = blank.evaluate(LOAD_ERROR, list(cases))
    for message, expected in zip(got, cases.values(), strict=True):
        assert expected in message, (expected, message)


# The grids of tests/test_ink.py worked by hand (exact cell corners, lines, dots), and more.
LETTER_A = [[[0.0, 11.0], [5.0, 0.0], [6.0, 0.0], [11.0, 11.0]], [[3.0, 7.0], [8.0, 7.0]]]
RASTER_CASES: list[Strokes] = [
    [[[3.0, 4.0]]],  # a dot: below and right of the centre on an even grid
    [[[0.0, 0.0], [11.0, 11.0]], [[11.0, 0.0], [0.0, 11.0]]],  # diagonals through corners
    [[[0.0, 0.0], [11.0, 3.0]]],  # a shallow line through the corner (6, 6)
    LETTER_A,
    [[[0.0, 0.0], [11.0, 0.0], [0.0, 11.0], [11.0, 11.0]]],  # Z
    [[[5.0, 0.0], [5.0, 11.0]], [[0.0, 5.0], [11.0, 5.0]]],  # +
    [[[3.0, 5.0], [9.0, 5.0]], [[1.0, 5.0], [3.5, 5.0]]],  # zero height
    [[[3.0, 5.0], [3.0, -9.0], [3.0, 0.0]]],  # zero width
    [[[5.0, 5.0]] * 40],  # identical points
    [[[5.0, 5.0]], [[5.0, 5.0, 3.0], [5.0, 5.0]]],
    [[[0.0, 0.0]], [[10.0, 3.0]], [[4.0, 9.0, 16.0]]],  # three one-point strokes
    [[[-1e6, -1e6, 0.0], [1e-6, 1e-6, 1e5]]],
    [[[1e6 - 1e-6, 1e6], [1e6, 1e6]]],  # a tiny box at the edge of the limits
    [[[0.0, 0.0], [1000.0, 1000.0], [0.0, 370.0], [900.0, 20.0]]],
]

RASTERIZE_ALL = """async ([cases, options]) => {
  const { rasterize } = await import("/hwr-recognizer.js");
  return options.map((o) => cases.map((strokes) => rasterize(strokes, o)));
}"""


def test_rasterize_draws_the_grids_of_post_rasterize(blank: Any, live_server: Server) -> None:
    cases = RASTER_CASES + drawings(10, 5, seed=9)
    options = [{"gridSize": g, "antialias": a} for g in (12, 7, 8, 28) for a in (False, True)]
    got = blank.evaluate(RASTERIZE_ALL, [cases, options])
    with httpx.Client(base_url=live_server.url, timeout=10) as client:
        for grids, o in zip(got, options, strict=True):
            for i, (grid, strokes) in enumerate(zip(grids, cases, strict=True)):
                body = {"strokes": strokes, "grid_size": o["gridSize"], "antialias": o["antialias"]}
                r = client.post("/api/rasterize", json=body)
                assert r.status_code == 200, r.text
                assert grid == r.json()["grid"], (i, o)
    # Its defaults are a default recognizer's: 12 x 12, anti-aliased.
    default = blank.evaluate(
        """async (strokes) => (await import("/hwr-recognizer.js")).rasterize(strokes)""", LETTER_A
    )
    assert default == got[1][RASTER_CASES.index(LETTER_A)]


RASTERIZE_ERROR = """async (cases) => {
  const { rasterize } = await import("/hwr-recognizer.js");
  return cases.map((strokes) => {
    try {
      rasterize(strokes);
      return "drawn";
    } catch (error) {
      return error instanceof Error ? error.message : `not an Error: ${error}`;
    }
  });
}"""


def test_rasterize_throws_for_what_the_server_refuses(blank: Any) -> None:
    cases: dict[str, Any] = {
        "no points": [],
        "no points ": [[], []],
        "stroke 0, point 0: a point is [x, y] or [x, y, t], got 1 numbers": [[[1.0]]],
        "stroke 1, point 1: a point is [x, y] or [x, y, t], got 4 numbers": [
            [[0.0, 0.0]],
            [[1.0, 2.0], [1.0, 2.0, 3.0, 4.0]],
        ],
        "stroke 0, point 1: coordinates must be finite numbers": [[[0.0, 0.0], [math.nan, 0.0]]],
        "stroke 0, point 0: coordinates must be finite numbers": [[["a", 0.0]]],
        "stroke 0: strokes are lists of points": [[1.0, 2.0]],
        "list of strokes, each a list of points": [[[0.0, 0.0]], None],
    }
    got = blank.evaluate(RASTERIZE_ERROR, list(cases.values()))
    for message, expected in zip(got, cases, strict=True):
        assert expected.strip() in message, (expected, message)
