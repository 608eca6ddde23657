"""Train / Stop with live numbers from the events stream, then Check; screenshots of the result."""

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.drawing import draw_letter, seed_samples
from tests.browser.helpers import open_settings, train_in_page
from tests.browser.pw import expect
from tests.helpers import Server

pytestmark = pytest.mark.browser

LABELS = ["L", "O", "X"]
# Records every value MSE Current shows; true once it has shown two different ones.
TWO_VALUES = """() => {
  const value = document.querySelector('#mse-current').dataset.value;
  window.__mseSeen = window.__mseSeen || new Set();
  if (value) window.__mseSeen.add(value);
  return window.__mseSeen.size >= 2;
}"""


def shoot(page: Any, path: Path, full_page: bool = False) -> None:
    """A still picture of the page from the top (transitions finished, no caret)."""
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=path, full_page=full_page, animations="disabled", caret="hide")
    assert path.stat().st_size > 10_000


def stat(page: Any, name: str) -> float:
    value = page.locator(f"#{name}").get_attribute("data-value")
    assert value is not None, f"#{name} shows no number"
    return float(value)


def test_train_live_progress_stop_then_check(
    make_page: Any, live_server: Server, recognizer: str, tmp_path: Path
) -> None:
    seed_samples(live_server.url, recognizer, LABELS, per_label=5)
    url = f"{live_server.url}/?r={recognizer}"
    page, _ = make_page(url)
    expect(page.locator("#train-state")).to_have_text("Not trained")
    expect(page.locator("#stop")).to_be_disabled()

    # A training that would run for a long time: it only ends when we stop it.
    open_settings(page)
    page.fill("#max_iterations", "10000000")
    page.fill("#target_mse", "0")
    page.click("#settings summary")
    page.click("#train")
    expect(page.locator("#train-state")).to_have_text("Training…")
    expect(page.locator("#train")).to_be_disabled()
    expect(page.locator("#stop")).to_be_enabled()
    page.wait_for_function(TWO_VALUES, timeout=15_000, polling="raf")
    expect(page.locator("#chart")).to_have_class("chart has-data")
    # Long enough to tell an O from an L: stopped after a pass or two it may not.
    page.wait_for_function(
        "() => +document.querySelector('#iterations').dataset.value >= 15", timeout=30_000
    )

    page.keyboard.press("t")  # T stops a running training
    expect(page.locator("#train-state")).to_have_text("Trained")
    expect(page.locator("#train-reason")).to_contain_text("Stopped after")
    expect(page.locator("#stop")).to_be_disabled()
    expect(page.locator("#train")).to_be_enabled()
    assert stat(page, "mse-current") < stat(page, "mse-initial")
    assert stat(page, "iterations") > 0

    draw_letter(page, "O", seed=99)
    page.click("#check")
    expect(page.locator("#result-label")).to_have_text("O")
    expect(page.locator("#bars li")).to_have_count(len(LABELS))
    expect(page.locator("#bars li").first.locator(".bar-label")).to_have_text("O")
    shoot(page, tmp_path / "trained.png")

    # The same state in the dark theme and at phone width, for a person to look at.
    dark, _ = make_page(url, color_scheme="dark")
    expect(dark.locator("#train-state")).to_have_text("Trained")
    draw_letter(dark, "X", seed=98)
    with dark.expect_response(re.compile(r"/check$")) as checked:
        dark.keyboard.press("c")
    answer = checked.value.json()
    # A model stopped this early may find the drawing unlike all it learned: then the page
    # says "Not sure" and still names the network's best guess.
    assert answer["label"] == "X", answer
    if answer["unknown"]:
        expect(dark.locator("#result-label")).to_have_text("Not sure")
        expect(dark.locator("#result-closest")).to_contain_text("best guess would be “X”")
    else:
        expect(dark.locator("#result-label")).to_have_text("X")
    shoot(dark, tmp_path / "trained-dark.png")
    phone, _ = make_page(
        url,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    expect(phone.locator("#train-state")).to_have_text("Trained")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shoot(phone, tmp_path / "trained-phone.png", full_page=True)


def test_train_with_defaults_finishes_and_new_samples_make_it_stale(
    seeded_page: Any, live_server: Server, recognizer: str
) -> None:
    page, _ = seeded_page(["L", "X"], per_label=4)
    # Network settings from the form become the recognizer's on Train.
    train_in_page(page, {"hidden_layers": "32, 16", "activation": "tanh"}, timeout=30)
    expect(page.locator("#train-reason")).to_contain_text("Finished after")
    assert stat(page, "mse-current") < stat(page, "mse-initial")
    summary = httpx.get(f"{live_server.url}/api/recognizers/{recognizer}", timeout=10).json()
    assert summary["network"]["hidden_layers"] == [32, 16]
    assert summary["network"]["activation"] == "tanh"
    expect(page.locator("#hidden_layers")).to_have_value("32, 16")

    # A new sample: the model no longer matches the samples.
    draw_letter(page, "L", seed=5)
    expect(page.locator("#preview")).to_have_attribute("data-strokes", "1")
    page.fill("#label", "L")
    page.click("#add-sample")
    expect(page.locator("#train-state")).to_have_text("Out of date")


def test_check_before_training_says_train_first(app_page: Any) -> None:
    page, _ = app_page
    expect(page.locator("#check")).to_be_disabled()
    expect(page.locator("#check-why")).to_contain_text("once a model is trained")
    draw_letter(page, "L", seed=1)
    expect(page.locator("#check")).to_be_disabled()  # drawn, but still no model
    page.keyboard.press("c")
    expect(page.locator("#notice")).to_contain_text("Train first")
    expect(page.locator("#notice")).to_have_attribute("data-kind", "error")
    expect(page.locator("#train")).to_be_disabled()
    expect(page.locator("#train-hint")).to_contain_text("at least two labels")
