"""The replay of a training (scrubber, Play, the chart's marker, the network and the guesses
moving together), the unit maps' learned view and a unit's favourite drawings, and a Check's
forward pass played step by step: each compared with what the API says."""

import math
import re
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from app.snapshot import decode
from tests.browser.drawing import draw_letter, seed_samples
from tests.browser.helpers import (
    add_samples,
    auth,
    canvas_fingerprint,
    canvas_rgba,
    get,
    shoot,
    train_in_page,
    training,
)
from tests.browser.pw import expect
from tests.helpers import Server, wait_for

pytestmark = pytest.mark.browser

SHAPES = {"L": "L", "O": "O", "X": "X", "V": "V"}

# The guesses strip as the page shows it: [sample id, label shown, right?] per drawing.
STRIP = """() => [...document.querySelectorAll('#replay-guesses .guess')].map((g) =>
  [+g.dataset.id, g.querySelector('.guess-text').textContent, g.dataset.right === 'true'])"""


def api(url: str, recognizer: str, suffix: str = "") -> str:
    return f"{url}/api/recognizers/{recognizer}{suffix}"


def expected_strip(frame: dict[str, Any]) -> list[list[Any]]:
    return [[g["sample_id"], g["label"], g["label"] == g["truth"]] for g in frame["guesses"]]


def scrub(page: Any, n: int) -> None:
    """Move the scrubber as a drag does: a new value, then input and change."""
    page.locator("#replay-frame").evaluate(
        "(r, n) => { r.value = String(n); r.dispatchEvent(new Event('input', {bubbles: true}));"
        " r.dispatchEvent(new Event('change', {bubbles: true})); }",
        n,
    )


def test_the_replay_moves_the_chart_the_network_the_maps_and_the_guesses(
    app_page: Any, live_server: Server, recognizer: str, tmp_path: Path
) -> None:
    page, _ = app_page
    expect(page.locator("#replay")).to_be_hidden()
    expect(page.locator("#replay-none")).to_be_hidden()  # no model: nothing to explain
    add_samples(live_server.url, recognizer, SHAPES, per_label=8)
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    train_in_page(page, {"seed": "3", "max_iterations": "150"})
    frames = get(api(live_server.url, recognizer, "/replay"))["frames"]
    last = len(frames) - 1
    assert last >= 10, len(frames)

    # The controls, at the last frame (the model), with the API's frame count and guesses.
    box = page.locator("#replay")
    expect(box).to_be_visible()
    expect(box).to_have_attribute("data-frames", str(len(frames)))
    expect(page.locator("#replay-frame")).to_have_attribute("max", str(last))
    expect(page.locator("#replay-value")).to_have_text(
        f"Frame {len(frames)} of {len(frames)} · pass {frames[-1]['iteration']:,}"
    )
    chart = page.locator("#chart")
    expect(chart).to_have_attribute("data-marker", str(frames[-1]["iteration"]))
    assert page.evaluate(STRIP) == expected_strip(frames[-1])

    # Scrubbing to an early frame: the marker moves left, the network card shows that frame's
    # weights (both pictures change), and the strip shows that frame's guesses.
    card = page.locator("#network-card")
    card.scroll_into_view_if_needed()
    expect(card).to_have_attribute("data-source", "model")
    net, units = canvas_fingerprint(page, "#net"), canvas_fingerprint(page, "#units")
    x_end = float(chart.get_attribute("data-marker-x") or 0)
    scrub(page, 2)
    expect(box).to_have_attribute("data-frame", "2")
    expect(chart).to_have_attribute("data-marker", str(frames[2]["iteration"]))
    assert float(chart.get_attribute("data-marker-x") or 0) < x_end
    expect(card).to_have_attribute("data-source", "replay")
    expect(card).to_have_attribute("data-iteration", str(frames[2]["iteration"]))
    expect(page.locator("#net-source")).to_have_text(
        f"Replay: pass {frames[2]['iteration']} of the last training"
    )
    assert canvas_fingerprint(page, "#net") != net
    assert canvas_fingerprint(page, "#units") != units
    assert page.evaluate(STRIP) == expected_strip(frames[2])
    assert expected_strip(frames[2]) != expected_strip(frames[-1]), "a frame with news"
    right = sum(g["label"] == g["truth"] for g in frames[2]["guesses"])
    expect(page.locator("#replay-score")).to_contain_text(
        f"{right} of {len(frames[2]['guesses'])} right"
    )
    # Not by colour alone: each guess says right or wrong in words and with a mark.
    first = page.locator("#replay-guesses .guess").first
    expect(first).to_have_attribute("aria-label", re.compile(r": (right|wrong)$"))
    expect(first.locator(".guess-mark")).to_have_text(re.compile("^[✓✗]$"))
    shoot(page, tmp_path / "replay-frame-2.png")

    # The keyboard moves it one frame at a time.
    page.focus("#replay-frame")
    page.keyboard.press("ArrowRight")
    expect(box).to_have_attribute("data-frame", "3")
    expect(card).to_have_attribute("data-iteration", str(frames[3]["iteration"]))
    assert page.evaluate(STRIP) == expected_strip(frames[3])

    # Play advances by itself to the end, then stops; Play from the end starts again.
    page.click("#replay-play")
    expect(page.locator("#replay-play")).to_have_text("Pause")
    page.wait_for_function("() => +document.querySelector('#replay').dataset.frame > 4")
    expect(box).to_have_attribute("data-frame", str(last), timeout=30_000)
    expect(page.locator("#replay-play")).to_have_text("Play")
    expect(card).to_have_attribute("data-iteration", str(frames[-1]["iteration"]))
    page.click("#replay-play")
    page.wait_for_function(f"() => +document.querySelector('#replay').dataset.frame < {last}")
    page.click("#replay-play")  # pause
    expect(page.locator("#replay-play")).to_have_text("Play")

    # Back to the trained model.
    page.click("#net-unpin")
    expect(card).to_have_attribute("data-source", "model")
    expect(page.locator("#net-unpin")).to_be_hidden()

    # A new training brings its own recording.
    job = training(live_server.url, recognizer)["job"]
    train_in_page(page, {"max_iterations": "12"})
    wait_for(
        lambda: (
            (t := training(live_server.url, recognizer))["job"] > job
            and t["state"] in ("finished", "stopped")
        )
    )
    again = get(api(live_server.url, recognizer, "/replay"))["frames"]
    assert again[-1]["iteration"] != frames[-1]["iteration"]
    expect(box).to_have_attribute("data-frames", str(len(again)))
    expect(page.locator("#replay-value")).to_have_text(
        f"Frame {len(again)} of {len(again)} · pass {again[-1]['iteration']:,}"
    )
    assert page.evaluate(STRIP) == expected_strip(again[-1])


def test_the_learned_view_and_a_unit_s_favourite_drawings(
    app_page: Any, live_server: Server, recognizer: str, tmp_path: Path
) -> None:
    page, _ = app_page
    add_samples(live_server.url, recognizer, SHAPES, per_label=8)
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    train_in_page(page, {"seed": "3"})  # a default run
    card = page.locator("#network-card")
    card.scroll_into_view_if_needed()
    expect(card).to_have_attribute("data-source", "model")
    units = page.locator("#units")
    expect(units).to_have_attribute("data-view", "raw")

    # Learned: the change since the run's start, visibly different tiles from the raw weights.
    raw = canvas_rgba(page, "#units")
    page.click("label:has(#units-view-learned)")
    expect(units).to_have_attribute("data-view", "learned")
    expect(page.locator("#units-view-note")).to_contain_text("what training changed")
    learned = canvas_rgba(page, "#units")
    assert raw.shape == learned.shape
    differ = int((raw[:, :3] != learned[:, :3]).any(axis=1).sum())
    assert differ > 0.2 * len(raw), f"only {differ} of {len(raw)} pixels differ"
    # And back.
    page.click("label:has(#units-view-raw)")
    expect(units).to_have_attribute("data-view", "raw")
    assert np.array_equal(canvas_rgba(page, "#units"), raw)

    # A click on a unit's tile lists the drawings that excite it most, as numpy computes them
    # from the same weights (network 1's, int8 as sent).
    snapshot = get(api(live_server.url, recognizer, "/network?member=0"))
    n = snapshot["sizes"][1]
    cols = math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    unit = cols + 4  # second row, fifth tile
    box = units.bounding_box()
    assert box is not None
    units.click(
        position={
            "x": (unit % cols + 0.5) * box["width"] / cols,
            "y": (unit // cols + 0.5) * box["height"] / rows,
        }
    )
    top = page.locator("#unit-top")
    expect(top).to_be_visible()
    expect(top).to_have_attribute("data-unit", str(unit))
    expect(page.locator("#unit-top-title")).to_contain_text(f"Unit {unit + 1} fires most")
    items = page.locator("#unit-top-list li")
    expect(items).to_have_count(6)
    shown = items.evaluate_all("(ls) => ls.map((l) => [+l.dataset.id, +l.dataset.value])")
    samples = httpx.get(api(live_server.url, recognizer, "/samples"), timeout=10).json()
    W = decode(snapshot["layers"][0])
    b = snapshot["layers"][0]["bias"]
    assert snapshot["activations"][0] == "sigmoid"
    grids = np.array([s["grid"] for s in samples], dtype=np.float64)
    act = 1 / (1 + np.exp(-(grids @ W[:, unit] + (b[unit] if b else 0.0))))
    by_id = {s["id"]: float(a) for s, a in zip(samples, act, strict=True)}
    sixth = sorted(by_id.values(), reverse=True)[5]
    for sample_id, value in shown:
        assert value == pytest.approx(by_id[sample_id], abs=1e-4)
        assert value >= sixth - 1e-4
    assert [v for _, v in shown] == sorted((v for _, v in shown), reverse=True)
    labels = {s["id"]: s["label"] for s in samples}
    expect(items.locator(".unit-fav-label")).to_have_text([labels[i] for i, _ in shown])

    # The arrow keys pick the next unit; the list follows.
    units.focus()
    page.keyboard.press("ArrowRight")
    expect(top).to_have_attribute("data-unit", str(unit + 1))
    shoot(page, tmp_path / "learned.png")
    card.screenshot(path=tmp_path / "learned-card.png")


def test_the_forward_pass_plays_to_the_outputs_and_without_motion_shows_them_at_once(
    make_page: Any, live_server: Server, recognizer: str, tmp_path: Path
) -> None:
    seed_samples(live_server.url, recognizer, ["L", "O", "X"], per_label=5)
    r = httpx.post(
        api(live_server.url, recognizer, "/training"),
        json={"max_iterations": 60, "network": {"seed": 3}},
        timeout=10,
    )
    assert r.status_code == 202, r.text
    wait_for(lambda: training(live_server.url, recognizer)["state"] == "finished", timeout=60)
    url = f"{live_server.url}/?r={recognizer}"

    page, _ = make_page(url)
    draw_letter(page, "O", seed=12)
    page.click("#check")
    path = page.locator("#path")
    expect(path).to_be_visible()
    expect(path).to_have_attribute("data-flow", "done")
    expect(path.locator(".path-step.pending")).to_have_count(0)
    page.click("#path .path-play")
    # Step by step: while the hidden layer lights up, the outputs are still blank.
    page.wait_for_function(
        "() => document.querySelector('#path').dataset.flow === 'hidden-1'"
        " && document.querySelector('#path .path-outputs').closest('.path-step')"
        ".classList.contains('pending')"
    )
    width = path.locator(".path-outputs .bar-fill").first.evaluate(
        "(f) => f.getBoundingClientRect().width"
    )
    assert width == 0, width
    expect(path).to_have_attribute("data-flow", "done")
    expect(path).to_have_attribute("data-visited", "input hidden-1 outputs")
    expect(path.locator(".path-step.pending")).to_have_count(0)
    page.wait_for_function(
        "() => document.querySelector('#path .bar.top .bar-fill')"
        ".getBoundingClientRect().width > 10"
    )
    path.screenshot(path=tmp_path / "forward-done.png")

    # With reduced motion: the final state at once, no steps.
    still, _ = make_page(url, reduced_motion="reduce")
    draw_letter(still, "X", seed=14)
    still.click("#check")
    still.click("#path .path-play")
    expect(still.locator("#path")).to_have_attribute("data-visited", "outputs")
    expect(still.locator("#path")).to_have_attribute("data-flow", "done")
    expect(still.locator("#path .path-step.pending")).to_have_count(0)

    # An imported model has no recording: the page says so, and offers no learned view.
    other = "t-import-" + recognizer[2:]
    headers = auth(live_server)
    assert (
        httpx.post(
            f"{live_server.url}/api/recognizers", json={"name": other}, headers=headers, timeout=10
        ).status_code
        == 201
    )
    model = get(api(live_server.url, recognizer, "/model"))
    put = httpx.put(api(live_server.url, other, "/model"), json=model, headers=headers, timeout=10)
    assert put.status_code == 200, put.text
    assert httpx.get(api(live_server.url, other, "/replay"), timeout=10).status_code == 404
    imported, _ = make_page(f"{live_server.url}/?r={other}")
    expect(imported.locator("#replay-none")).to_contain_text("No replay for this model")
    expect(imported.locator("#replay")).to_be_hidden()
    expect(imported.locator("#units-view-learned")).to_be_disabled()
