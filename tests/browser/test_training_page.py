"""The training card, its settings and errors, the recognizer in the URL, and Check's "Not sure"
(issue 22): each test fails on the page before its fix."""

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.drawing import draw_letter, fit, mouse_draw, pad_box, scribble
from tests.browser.helpers import add_samples, open_settings, summary, train_in_page, training
from tests.browser.pw import expect
from tests.helpers import Server, wait_for

pytestmark = pytest.mark.browser

# Every text the badge and the hint beside Train take, in order, from now on.
RECORD_STATES = """() => {
  window.__states = [document.querySelector('#train-state').textContent];
  // Each text set, even one replaced within the same task.
  const seen = (records) => {
    for (const r of records) for (const n of r.addedNodes) window.__states.push(n.textContent);
  };
  for (const id of ['#train-state', '#train-hint']) {
    new MutationObserver(seen).observe(document.querySelector(id), { childList: true });
  }
}"""

# Whether the chart ever lost its curve, from now on.
WATCH_CHART = """() => {
  const chart = document.querySelector('#chart');
  window.__chartEmptied = false;
  new MutationObserver(() => {
    if (!chart.classList.contains('has-data')) window.__chartEmptied = true;
  }).observe(chart, { attributes: true, attributeFilter: ['class'] });
}"""


# A Check answer "unknown" by test `signal`, as the API words it, shown by the page's own code.
RENDER_UNKNOWN = """async (signal) => {
  const { renderResult } = await import('./static/js/result.js');
  const confidences = [['X', 0.4], ['L', 0.35], ['O', 0.25]]
    .map(([label, confidence]) => ({ label, confidence }));
  renderResult({ label: 'X', confidences, unknown: true, unknown_signal: signal,
    unknown_reason: 'said otherwise', stale: false, missing_labels: [] });
}"""


def overlaps(a: dict[str, float] | None, b: dict[str, float] | None) -> bool:
    if a is None or b is None:
        return False
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def no_error_over_the_chart(page: Any) -> None:
    """No error toast is left on screen, and none lies over the chart."""
    notice = page.locator("#notice")
    if notice.is_visible():
        assert notice.get_attribute("data-kind") != "error", notice.inner_text()
        assert not overlaps(notice.bounding_box(), page.locator("#chart").bounding_box())


# --- 3: Train with the target already met ---------------------------------------------------


def test_train_with_the_target_met_keeps_the_last_run_and_says_nothing_was_trained(
    seeded_page: Any, live_server: Server, recognizer: str, tmp_path: Path
) -> None:
    page, _ = seeded_page(["L", "X"], per_label=3)
    open_settings(page)
    page.fill("#target_mse", "0.2")  # a new network starts near 0.49
    page.click("#train")
    expect(page.locator("#train-state")).to_have_text("Trained", timeout=30_000)
    expect(page.locator("#chart")).to_have_class(re.compile(r"\bhas-data\b"))
    model = summary(live_server.url, recognizer)["model"]
    assert model["iterations"] > 0
    points = page.locator("#chart").get_attribute("data-points")
    assert points is not None and int(points) > 1
    job = training(live_server.url, recognizer)["job"]

    page.evaluate(WATCH_CHART)
    page.click("#train")  # the model already meets 0.2: nothing to train
    expect(page.locator("#train-more")).to_be_visible(timeout=30_000)
    assert training(live_server.url, recognizer)["job"] == job + 1
    expect(page.locator("#train-state")).to_have_text("Trained")
    # The last run stays: its curve, its figures, and the same count everywhere.
    assert page.evaluate("window.__chartEmptied") is False
    expect(page.locator("#chart")).to_have_attribute("data-points", points)
    iterations = str(model["iterations"])
    expect(page.locator("#iterations")).to_have_attribute("data-value", iterations)
    expect(page.locator("#train-reason")).not_to_contain_text("after 0 iterations")
    expect(page.locator("#train-more-text")).to_contain_text("already meets the target MSE of 0.2")
    expect(page.locator("#train-more-text")).to_contain_text("nothing was trained")
    expect(page.locator("#progress-count")).not_to_have_attribute("data-done", "0")
    page.locator("#training-title").locator("xpath=ancestor::section").screenshot(
        path=tmp_path / "already-met.png"
    )
    page.locator("#network-card").scroll_into_view_if_needed()  # drawn once on screen
    expect(page.locator("#net-source")).to_have_text(
        re.compile(rf"^The trained model(, {model['iterations']:,} iterations)?$")
    )


# --- 4: errors go when their cause does, at the field, never over the chart -----------------


def test_a_refused_setting_is_marked_at_its_field_and_goes_when_training_succeeds(
    seeded_page: Any, live_server: Server, recognizer: str, tmp_path: Path
) -> None:
    page, _ = seeded_page(["L", "X"], per_label=3)
    open_settings(page)
    rate = page.locator("#learning_rate")
    rate.fill("0")
    page.click("#train")
    expect(rate).to_be_focused()
    expect(rate).to_have_attribute("aria-invalid", "true")
    message = page.locator("#learning_rate-error")
    expect(message).to_be_visible()
    expect(message).to_contain_text("Learning rate must be a number above 0")
    assert "learning_rate-error" in (rate.get_attribute("aria-describedby") or "")
    assert training(live_server.url, recognizer)["state"] == "idle"  # nothing was sent
    no_error_over_the_chart(page)

    rate.fill("0.3")
    expect(rate).not_to_have_attribute("aria-invalid", "true")
    expect(message).to_be_hidden()
    page.fill("#max_iterations", "30")
    page.click("#train")
    expect(page.locator("#train-state")).to_have_text("Trained", timeout=30_000)
    expect(page.locator("#train-error")).to_be_hidden()
    no_error_over_the_chart(page)


def test_a_setting_the_server_refuses_is_marked_at_its_field(
    seeded_page: Any, live_server: Server, recognizer: str, tmp_path: Path
) -> None:
    page, _ = seeded_page(["L", "X"], per_label=3)
    open_settings(page)
    limit = page.locator("#max_iterations")
    limit.fill("20000000")  # a whole number of 1 or more, as the page checks; too many for the API
    with page.expect_response(re.compile(r"/training$")) as answer:
        page.click("#train")
    assert answer.value.status == 422
    assert answer.value.json()["detail"][0]["loc"] == ["body", "max_iterations"]
    expect(limit).to_be_focused()
    expect(limit).to_have_attribute("aria-invalid", "true")
    message = page.locator("#max_iterations-error")
    expect(message).to_be_visible()
    expect(message).to_contain_text("10000000")
    expect(page.locator("#train-error")).to_contain_text("Max iterations")
    no_error_over_the_chart(page)
    page.locator(".settings-card").screenshot(path=tmp_path / "server-refusal.png")
    card = page.locator("#training-title").locator("xpath=ancestor::section")
    card.scroll_into_view_if_needed()
    card.screenshot(path=tmp_path / "server-refusal-training.png")

    limit.fill("30")
    expect(message).to_be_hidden()
    page.click("#train")
    expect(page.locator("#train-state")).to_have_text("Trained", timeout=30_000)
    expect(page.locator("#train-error")).to_be_hidden()
    no_error_over_the_chart(page)


# --- 5: a recognizer's name, checked before sending, in the same words in both dialogs -------

NAME_RULE = "Use 1 to 64 lower-case letters, digits, - or _."


def test_renaming_a_recognizer_checks_the_name_plainly_before_sending(
    app_page: Any, live_server: Server, recognizer: str
) -> None:
    page, _ = app_page
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.method) if r.method == "PATCH" else None)
    page.click("#recognizer-menu summary")
    page.click("#rename-recognizer")
    page.fill("#ask-input", "Letters 2")
    page.click("#ask-ok")
    expect(page.locator("#ask-error")).to_have_text(NAME_RULE)
    expect(page.locator("#ask-dialog")).to_be_visible()
    assert sent == []
    page.click("#ask-cancel")

    page.click("#new-recognizer")
    page.fill("#new-name", "Letters 2")
    page.click("#new-create")
    expect(page.locator("#new-error")).to_have_text(NAME_RULE)
    page.click("#new-cancel")


# --- 6: "Not sure" says which signal decided, and the numbers agree --------------------------


def test_not_sure_says_which_signal_decided_and_the_bars_agree(
    app_page: Any, live_server: Server, recognizer: str, tmp_path: Path
) -> None:
    add_samples(live_server.url, recognizer, {"L": "L", "X": "X", "O": "O"}, 10)
    page, _ = app_page
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    # No hidden "none of these" class: only the distance to the training drawings can say
    # "unknown", however sure the network is of its best guess.
    train_in_page(page, {"seed": "3", "reject": "false"})

    # A refused Check (too small) says so until a Check works.
    box = pad_box(page)
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    mouse_draw(page, [[(x, y), (x + 2, y)]])
    page.click("#check")
    expect(page.locator("#notice")).to_contain_text("too small to be a character")
    page.keyboard.press("Escape")

    mouse_draw(page, fit(scribble("spiral", 1), pad_box(page), margin=0.1))
    with page.expect_response(re.compile(r"/check$")) as response:
        page.click("#check")
    answer = response.value.json()
    expect(page.locator("#notice")).to_be_hidden()
    assert answer["unknown"], answer
    assert answer["unknown_signal"] == "distance", answer
    top = answer["confidences"][0]
    share = page.locator("#bars .bar-value").first.inner_text()
    expect(page.locator("#result-label")).to_have_text("Not sure")
    closest = page.locator("#result-closest")
    expect(closest).to_contain_text(f"best guess would be “{top['label']}” ({share})")
    expect(closest).to_contain_text("unlike every sample it was trained on")
    # The bars are that guess, set aside: dimmed, and named so.
    expect(page.locator("#bars")).to_have_attribute("data-guess", "true")
    expect(page.locator("#bars")).to_have_attribute("aria-label", re.compile("best guess"))
    fill = page.locator("#bars .bar-fill").first
    opacity = fill.evaluate("n => Number(getComputedStyle(n).opacity)")
    assert opacity < 0.8
    page.locator("#result").screenshot(path=tmp_path / "not-sure-distance.png")

    # A sure answer: the bars are the answer again.
    page.keyboard.press("Escape")
    draw_letter(page, "L", seed=99)
    with page.expect_response(re.compile(r"/check$")) as response:
        page.click("#check")
    assert not response.value.json()["unknown"]
    expect(page.locator("#bars")).not_to_have_attribute("data-guess", "true")

    # The other two tests, each in its own words, with the share the top bar shows.
    for signal, words, guess in [
        ("background", "best guess would be “X” (40%), but its hidden “none of these”", "true"),
        ("confidence", "best guess, “X” (40%), is too unsure to name", "false"),
    ]:
        page.evaluate(RENDER_UNKNOWN, signal)
        expect(closest).to_contain_text(words)
        expect(page.locator("#bars .bar-value").first).to_have_text("40%")
        expect(page.locator("#bars")).to_have_attribute("data-guess", guess)


# --- 11: the recognizer in the URL ------------------------------------------------------------


def test_the_url_carries_the_recognizer_through_reload_back_rename_and_delete(
    make_page: Any, live_server: Server, recognizer: str
) -> None:
    other = recognizer + "-b"
    r = httpx.post(f"{live_server.url}/api/recognizers", json={"name": other}, timeout=10)
    assert r.status_code == 201, r.text
    page, _ = make_page(f"{live_server.url}/")
    first = page.locator("#recognizer").input_value()
    page.select_option("#recognizer", recognizer)
    expect(page).to_have_url(re.compile(rf"\?r={recognizer}$"))
    page.select_option("#recognizer", other)
    expect(page).to_have_url(re.compile(rf"\?r={other}$"))
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    expect(page.locator("#recognizer")).to_have_value(other)

    page.go_back()  # the recognizer picked before
    expect(page).to_have_url(re.compile(rf"\?r={recognizer}$"))
    expect(page.locator("#recognizer")).to_have_value(recognizer)
    expect(page.locator("#sample-total")).to_have_text("0")
    page.go_back()
    expect(page.locator("#recognizer")).to_have_value(first)
    page.go_forward()
    expect(page.locator("#recognizer")).to_have_value(recognizer)

    page.click("#recognizer-menu summary")
    page.click("#rename-recognizer")
    page.fill("#ask-input", recognizer + "-c")
    page.click("#ask-ok")
    expect(page.locator("#recognizer")).to_have_value(recognizer + "-c")
    expect(page).to_have_url(re.compile(rf"\?r={recognizer}-c$"))
    page.click("#recognizer-menu summary")
    page.click("#delete-recognizer")
    page.click("#ask-ok")
    expect(page.locator("#recognizer")).not_to_have_value(recognizer + "-c")
    shown = page.locator("#recognizer").input_value()
    expect(page).to_have_url(re.compile(rf"\?r={shown}$"))


# --- 12: the training limits are kept, and empty means the server's default -----------------


def test_training_limits_are_kept_across_reloads_and_empty_means_the_default(
    seeded_page: Any, live_server: Server, recognizer: str
) -> None:
    page, _ = seeded_page(["L", "X"], per_label=3)
    defaults = httpx.get(f"{live_server.url}/api/health").json()["training_defaults"]
    open_settings(page)
    limit, target = page.locator("#max_iterations"), page.locator("#target_mse")
    expect(limit).to_have_value("")
    expect(limit).to_have_attribute("placeholder", str(defaults["max_iterations"]))
    expect(target).to_have_value("")
    expect(target).to_have_attribute("placeholder", "none")

    limit.fill("37")
    target.fill("0.0001")
    with page.expect_response(re.compile(r"/training$")) as response:
        page.click("#train")
    body = response.value.request.post_data_json
    assert (body["max_iterations"], body["target_mse"]) == (37, 0.0001)
    wait_for(lambda: training(live_server.url, recognizer)["state"] == "finished")
    expect(page.locator("#train-state")).to_have_text("Trained")
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    expect(limit).to_have_value("37")
    expect(target).to_have_value("0.0001")

    # Emptied: sent as absent, so the server's default applies, and kept empty.
    open_settings(page)
    limit.fill("")
    with page.expect_response(re.compile(r"/training$")) as response:
        page.click("#train")
    body = response.value.request.post_data_json
    assert "max_iterations" not in body and body["target_mse"] == 0.0001
    assert response.value.json()["max_iterations"] == defaults["max_iterations"]
    wait_for(lambda: training(live_server.url, recognizer)["state"] == "finished")
    expect(page.locator("#train-state")).to_have_text("Trained")
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    expect(limit).to_have_value("")
    expect(target).to_have_value("0.0001")


# --- 15: the badge goes from training to trained, and nowhere in between ----------------------


def test_the_badge_never_goes_back_to_not_trained_during_a_first_training(
    seeded_page: Any,
) -> None:
    page, _ = seeded_page(["L", "X"], per_label=3)
    expect(page.locator("#train-state")).to_have_text("Not trained")
    page.evaluate(RECORD_STATES)
    page.click("#train")
    expect(page.locator("#train-state")).to_have_text("Trained", timeout=30_000)
    expect(page.locator("#train-reason")).to_contain_text("after")
    states = page.evaluate("window.__states")
    started = next(i for i, s in enumerate(states) if s in ("Queued", "Training…"))
    after = states[started:]
    assert "Not trained" not in after and "Ready to train." not in after, states
