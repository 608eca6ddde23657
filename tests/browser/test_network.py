"""Watch it learn: the learning curve (every pass, limits, target, time, readable axis labels),
the network drawn live from GET .../network, the hidden units' maps, and a Check's path through
the network, each compared with what the API says."""

import itertools
import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.drawing import draw_letter, seed_samples
from tests.browser.helpers import (
    canvas_fingerprint,
    open_settings,
    pixels_of,
    train_in_page,
    training,
)
from tests.browser.pw import expect
from tests.helpers import Server, wait_for

pytestmark = pytest.mark.browser

# A training that only ends when it is stopped.
ENDLESS = {"max_iterations": 100000, "target_mse": 0, "network": {"patience": 0}}


def api(url: str, recognizer: str, suffix: str = "") -> str:
    return f"{url}/api/recognizers/{recognizer}{suffix}"


def start(url: str, recognizer: str, body: dict[str, Any]) -> dict[str, Any]:
    r = httpx.post(api(url, recognizer, "/training"), json=body, timeout=10)
    assert r.status_code == 202, r.text
    return dict(r.json())


def stop_and_wait(url: str, recognizer: str) -> dict[str, Any]:
    httpx.delete(api(url, recognizer, "/training"), timeout=10)
    return wait_for(
        lambda: (t := training(url, recognizer))["state"] in ("finished", "stopped") and t,
        timeout=30,
    )


def changes(page: Any, selector: str, timeout: float = 15) -> None:
    """The canvas's pixels change within `timeout` seconds."""
    before = canvas_fingerprint(page, selector)
    assert before, f"{selector} is not painted"
    wait_for(lambda: canvas_fingerprint(page, selector) != before, timeout=timeout, interval=0.05)


def test_a_sub_second_training_draws_every_pass_with_its_limits_and_time(
    seeded_page: Any, live_server: Server, recognizer: str
) -> None:
    page, _ = seeded_page(["L", "O"], per_label=3)
    train_in_page(page, {"max_iterations": "12", "target_mse": "0"}, timeout=30)
    status = training(live_server.url, recognizer)  # 12 short passes: well under a second
    history = status["history"]
    assert [p["iteration"] for p in history] == list(range(13)), history

    # Every pass is on the chart: 13 points from iteration 0, not just the first and the last.
    chart = page.locator("#chart")
    expect(chart).to_have_attribute("data-points", str(len(history)))
    expect(chart).to_have_attribute("data-from", "0")
    expect(chart).to_have_attribute("data-to", "12")

    # How far it came, of what limit, in how long; what the MSE means and where it started.
    expect(page.locator("#progress-count")).to_have_text("12 of 12 iterations")
    expect(page.locator("#progress-time")).to_have_text(re.compile(r"^\d+(\.\d)? s in all$"))
    expect(page.locator("#progress-target")).to_have_text("no target MSE")
    note = page.locator("#mse-note")
    expect(note).to_contain_text("summed over the outputs, averaged over the samples")
    expect(note).to_contain_text("can exceed 1")
    expect(note).to_contain_text("MSE Initial is the start of this run, a new network.")

    # Trained again with the same labels it continues, and the page says so; the target MSE is
    # a dashed line on the chart, named.
    open_settings(page)
    page.fill("#max_iterations", "6")
    page.fill("#target_mse", "0.0001")
    job = status["job"]
    page.click("#train")
    status = wait_for(
        lambda: (
            (t := training(live_server.url, recognizer))["job"] > job
            and t["state"] in ("finished", "stopped")
            and t
        ),
        timeout=30,
    )
    assert status["resumed"] is True, status
    expect(note).to_contain_text(
        "MSE Initial is the start of this run, continued from the trained model."
    )
    # Continued from a trained model, its error may reach the target before the limit.
    done = status["iterations"]
    expect(page.locator("#progress-count")).to_have_text(f"{done} of 6 iterations")
    expect(page.locator("#progress-target")).to_have_text("stops at MSE 0.0001 (dashed)")
    expect(chart).to_have_attribute("data-points", str(len(status["history"])))
    assert len(status["history"]) == done + 1
    labels = chart.get_attribute("data-y-labels") or ""
    assert labels and "000" not in labels.replace("0.000", ""), labels
    target = pixels_of(page, "#chart", "--chart-target", near=60, alpha=150)
    assert target > 30, "the target MSE line is not drawn"


def test_axis_labels_are_readable_for_any_range(app_page: Any) -> None:
    page, _ = app_page
    cases = [
        [0.000031, 0.000039],
        [0.0000276, 0.0000439],
        [0.0009, 0.0011],
        [0.13, 1.2],
        [0.002, 1.5],
        [1e-7, 3],
        [0.5, 0.9],
        [0.99, 1.01],
        [310000, 390000],
    ]
    ticks = page.evaluate(
        "async (cases) => { const { logTicks } = await import('./static/js/chart.js');"
        " return cases.map(([lo, hi]) => logTicks(lo, hi, 5)); }",
        cases,
    )
    for (lo, hi), shown in zip(cases, ticks, strict=True):
        texts = [text for _, text in shown]
        assert 2 <= len(shown) <= 6, (lo, hi, texts)
        assert len(set(texts)) == len(texts), texts
        for value, text in shown:
            assert lo * 0.999 <= value <= hi * 1.001, (lo, hi, value)
            assert not re.match(r"^0\d", text) and "000" not in text.replace("0.000", ""), text
            assert len(text) <= 7, text
            number = float(text.replace("\u2212", "-"))
            assert abs(number - value) <= abs(value) * 0.05, (text, value)

    # The chart itself, given a curve within one decade: labels like "3.4e−5", never "000032".
    labels = page.evaluate(
        """async () => {
          const { LossChart } = await import('./static/js/chart.js');
          const canvas = document.createElement('canvas');
          canvas.style.width = '400px';
          canvas.style.height = '160px';
          document.body.append(canvas);
          const chart = new LossChart(canvas);
          chart.setHistory(Array.from({ length: 9 }, (_, i) =>
            ({ iteration: i, mse: 0.000039 - i * 0.000001, validation_accuracy: null })));
          chart.draw();
          const labels = canvas.dataset.yLabels;
          canvas.remove();
          return labels;
        }"""
    )
    texts = labels.split("|")
    assert len(texts) >= 2, labels
    assert all(re.fullmatch(r"\d\.\de\u22125", t) for t in texts), texts


def test_a_page_reloaded_mid_run_draws_the_curve_from_iteration_0(
    seeded_page: Any, live_server: Server, recognizer: str
) -> None:
    page, _ = seeded_page(["L", "O", "X"], per_label=4)
    start(live_server.url, recognizer, ENDLESS)
    try:
        expect(page.locator("#train-state")).to_have_text("Training…")
        wait_for(lambda: training(live_server.url, recognizer)["iterations"] >= 5, timeout=30)
        page.reload()
        page.wait_for_selector("body[data-ready=true]")
        chart = page.locator("#chart")
        expect(chart).to_have_attribute("data-from", "0")
        page.wait_for_function(
            "() => +document.querySelector('#chart').dataset.points > 5", timeout=15_000
        )
        shown = int(chart.get_attribute("data-points") or 0)
        assert shown <= len(training(live_server.url, recognizer)["history"])
        expect(page.locator("#progress-count")).to_contain_text("of 100,000 iterations")
        expect(page.locator("#progress-time")).to_contain_text("so far")
    finally:
        stop_and_wait(live_server.url, recognizer)
    expect(page.locator("#train-state")).to_have_text("Trained")


def test_the_network_and_the_unit_maps_move_while_it_trains_and_rest_after(
    seeded_page: Any, live_server: Server, recognizer: str, tmp_path: Path
) -> None:
    page, _ = seeded_page(["L", "O", "X"], per_label=5)
    card = page.locator("#network-card")
    # No model, no training: the card says what it will show.
    card.scroll_into_view_if_needed()
    expect(page.locator("#net-empty")).to_contain_text("Train to see the network")
    expect(page.locator("#net-body")).to_be_hidden()

    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if "/network" in r.url else None)
    start(live_server.url, recognizer, ENDLESS)
    try:
        expect(card).to_have_attribute("data-source", "training", timeout=15_000)
        expect(page.locator("#net-source")).to_contain_text("Live: iteration")
        snapshot = httpx.get(api(live_server.url, recognizer, "/network"), timeout=10).json()
        sizes = snapshot["sizes"]
        members = snapshot["members"]
        total = sum(a * b for a, b in itertools.pairwise(sizes))
        expect(page.locator("#net-note")).to_have_text(
            f"Strongest 4 incoming connections of each unit shown, of {total:,}."
        )
        expect(page.locator("#net")).to_have_attribute("data-connections", str(4 * sum(sizes[1:])))
        expect(page.locator("#units")).to_have_attribute("data-tiles", str(sizes[1]))

        # Both pictures change while it trains, at 4 or more snapshots a second.
        changes(page, "#net")
        changes(page, "#units")
        first = int(card.get_attribute("data-snapshots") or 0)
        asked = len(requests)
        began = time.monotonic()
        page.wait_for_timeout(2000)  # a window to count frames in, not a wait for a state
        seconds = time.monotonic() - began
        assert (len(requests) - asked) / seconds >= 4, (len(requests) - asked, seconds)
        assert (int(card.get_attribute("data-snapshots") or 0) - first) / seconds >= 3

        # One network of the ensemble at a time.
        select = page.locator("#net-member")
        assert members == 4, snapshot["members"]  # 3 cross-fitted members and the refit
        expect(select.locator("option")).to_have_text(
            [f"network {i + 1} of {members}" for i in range(members)]
        )
        select.select_option("1")
        expect(card).to_have_attribute("data-member", "1")
        assert any("member=1" in u for u in requests[-3:])
        page.screenshot(path=tmp_path / "live.png", full_page=True)

        # Off screen, the page stops asking.
        page.evaluate("window.scrollTo(0, 0)")
        expect(card).not_to_be_in_viewport()
        page.wait_for_timeout(300)  # one request may have been on its way
        asked = len(requests)
        page.wait_for_timeout(1200)
        assert len(requests) == asked, requests[asked:]
        card.scroll_into_view_if_needed()
        # (Playwright hands over its events while it is called: wait through it.)
        wait_for(lambda: page.wait_for_timeout(50) or len(requests) > asked, timeout=10)
    finally:
        stop_and_wait(live_server.url, recognizer)

    # Once it ended: the saved model, fetched once, and the pictures stand still.
    expect(card).to_have_attribute("data-source", "model", timeout=15_000)
    expect(page.locator("#net-source")).to_contain_text("The trained model")
    page.wait_for_timeout(300)
    net, units, asked = (
        canvas_fingerprint(page, "#net"),
        canvas_fingerprint(page, "#units"),
        len(requests),
    )
    page.wait_for_timeout(1500)  # a window in which nothing may change
    assert canvas_fingerprint(page, "#net") == net
    assert canvas_fingerprint(page, "#units") == units
    assert len(requests) == asked, requests[asked:]


def test_check_shows_the_drawing_s_path_through_the_network(
    make_page: Any, live_server: Server, recognizer: str
) -> None:
    seed_samples(live_server.url, recognizer, ["L", "O", "X"], per_label=5)
    start(live_server.url, recognizer, {"max_iterations": 60, "network": {"seed": 3}})
    wait_for(lambda: training(live_server.url, recognizer)["state"] == "finished", timeout=60)
    url = f"{live_server.url}/?r={recognizer}"
    page, _ = make_page(url)
    expect(page.locator("#path")).to_be_hidden()

    draw_letter(page, "O", seed=12)
    with page.expect_response(re.compile(r"/check$")) as response:
        page.click("#check")
    assert response.value.request.post_data_json["activations"] is True
    answer = response.value.json()
    acts = answer["activations"]
    hidden = acts["layers"][0]
    snapshot = httpx.get(api(live_server.url, recognizer, "/network"), timeout=10).json()
    assert len(hidden) == snapshot["sizes"][1]

    path = page.locator("#path")
    expect(path).to_be_visible()
    expect(path.locator(".path-title")).to_have_text(
        f"This drawing through network 1 of {snapshot['members']}"
    )
    tiles = path.locator('.act-grid[data-layer="0"] .act-tile')
    expect(tiles).to_have_count(len(hidden))
    # The highlighted units are the ones that fired most, as the API says.
    k = min(8, len(hidden) // 4)
    top = sorted(range(len(hidden)), key=lambda i: (-hidden[i], i))[:k]
    marked = path.locator(".act-tile.top").evaluate_all("(ts) => ts.map((t) => +t.dataset.unit)")
    assert sorted(marked) == sorted(top)
    values = tiles.evaluate_all("(ts) => ts.map((t) => +t.dataset.value)")
    assert values == pytest.approx(hidden)
    # The outputs of this network: one per label, and "none" for the hidden background class.
    names = snapshot["labels"] + (["none"] if snapshot["background"] else [])
    expect(path.locator(".path-outputs .bar-label")).to_have_text(names)
    assert len(acts["outputs"]) == len(names)
    expect(page.locator("#legend-fired")).to_be_visible()

    # A link under the verdict leads to it.
    expect(page.locator("#path-link")).to_be_visible()
    page.click("#path-link")
    expect(path).to_be_in_viewport()

    # A new stroke makes the path out of date; clearing the pad removes it.
    draw_letter(page, "L", seed=13)
    expect(path).to_have_class(re.compile(r"\boutdated\b"))
    page.keyboard.press("Escape")
    expect(path).to_be_hidden()
    expect(page.locator("#path-link")).to_be_hidden()

    # At phone width the network card folds below the rest, and nothing is wider than the screen.
    phone, _ = make_page(
        url,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    draw_letter(phone, "X", seed=14)
    phone.click("#check")
    expect(phone.locator("#path .act-tile")).to_have_count(len(hidden))
    phone.locator("#network-card").scroll_into_view_if_needed()
    expect(phone.locator("#network-card")).to_have_attribute("data-source", "model")
    expect(phone.locator("#units")).to_have_attribute("data-tiles", str(len(hidden)))
    canvas = phone.evaluate(
        "() => { const c = document.querySelector('#net');"
        " return [c.width, c.getBoundingClientRect().width]; }"
    )
    assert canvas[0] == round(canvas[1] * 2), f"not painted at the screen's resolution: {canvas}"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
