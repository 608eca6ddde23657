"""Validation in the page (cross-fitted: every drawing answered by the network that never saw
it): accuracy and its interval beside the MSE, the second line of the chart, the confusion
matrix and its samples, marked thumbnails, and Check's probabilities and "Not sure" verdict,
each compared with what the API says."""

import math
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.network_settings import NetworkSettings
from tests.browser.drawing import draw_letter, fit, mouse_draw, pad_box, scribble
from tests.browser.helpers import add_samples, open_settings, pixels_of, summary, train_in_page
from tests.browser.pw import expect
from tests.helpers import Server, wait_for

pytestmark = pytest.mark.browser

# Three labels drawn alike (O, Q and D are all circles) cannot all be told apart: the drawings
# of those rows are bound to land in each other's columns. L and X stay clean. One
# label is markup: it must show as text everywhere.
SHAPES = {"L": "L", "X": "X", "O": "O", "Q": "O", "<b>D</b>": "O"}
PER_LABEL = 15


def shows_number(page: Any, selector: str, number: float) -> None:
    """Wait until `selector`'s data-value is `number` (as a number: 1 and 1.0 are equal)."""
    page.wait_for_function(
        "([sel, n]) => Number(document.querySelector(sel).dataset.value) === n",
        arg=[selector, number],
    )


def of(confusion: list[list[int]], labels: list[str], i: int) -> str:
    """ "of 15 out-of-fold samples of “O”": row i's total, as the page words it."""
    held = sum(confusion[i])
    return f"of {held} out-of-fold sample{'' if held == 1 else 's'} of “{labels[i]}”"


def interval_text(interval: list[float]) -> str:
    """ "72-94%": the interval as the page shows it, widened outwards to whole percents."""
    return f"{math.floor(interval[0] * 100)}-{math.ceil(interval[1] * 100)}%"


def percent(share: float) -> float:
    return round(share * 100, 1)


def shown_percent(text: str) -> float:
    match = re.search(r"(\d+(?:\.\d)?)%", text)
    assert match, f"no percentage in {text!r}"
    return float(match.group(1))


def test_validation_accuracy_chart_confusion_matrix_and_marked_samples(
    app_page: Any, live_server: Server, recognizer: str, tmp_path: Path
) -> None:
    add_samples(live_server.url, recognizer, SHAPES, PER_LABEL)
    page, _ = app_page
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    expect(page.locator("#validation-card")).to_be_hidden()
    train_in_page(page, {"seed": "3"})  # the same held-out results every run

    model = summary(live_server.url, recognizer)["model"]
    validation = model["validation"]
    assert validation is not None, model
    labels, confusion = validation["labels"], validation["confusion"]
    n = len(labels)
    assert n == len(SHAPES)

    # Validation accuracy beside the MSE: the API's number and 95% interval, and how many
    # drawings it rests on: all of them, each answered out-of-fold.
    accuracy = page.locator("#val-accuracy")
    shows_number(page, "#val-accuracy", validation["accuracy"])
    assert shown_percent(accuracy.inner_text()) == pytest.approx(percent(validation["accuracy"]))
    assert validation["cross_fitted"] and validation["samples"] == PER_LABEL * len(SHAPES)
    expect(accuracy).to_contain_text(f"({interval_text(validation['interval'])})")
    expect(page.locator("#val-note")).to_contain_text(
        f"on {validation['samples']} drawings, each answered by a network that never saw it."
    )
    expect(page.locator("#confusion-kind")).to_have_text(
        "each drawing as recognised by a network that never trained on it"
    )

    # The chart draws two series; the accuracy line is there in its own colour, from iteration 0.
    chart = page.locator("#chart")
    expect(chart).to_have_attribute("data-series", "2")
    expect(chart).to_have_attribute("data-from", "0")
    expect(page.locator("#chart-legend")).to_be_visible()
    assert pixels_of(page, "#chart", "--chart-accuracy") > 50
    assert pixels_of(page, "#chart", "--accent") > 50

    # The confusion matrix: n x n cells with the API's counts, labels along both sides.
    card = page.locator("#validation-card")
    expect(card).to_be_visible()
    expect(page.locator("#confusion td.cell")).to_have_count(n * n)
    expect(page.locator("#confusion th.col-head")).to_have_text(labels)
    expect(page.locator("#confusion th.row-head")).to_have_text(labels)
    expect(page.locator("main b")).to_have_count(0)
    shown = page.evaluate(
        "() => [...document.querySelectorAll('#confusion td.cell')]"
        ".map((td) => [+td.dataset.row, +td.dataset.col, td.textContent.trim()])"
    )
    grid = [[None] * n for _ in range(n)]
    for i, j, text in shown:
        grid[i][j] = int(text)
    assert grid == confusion
    for i in range(n):
        expect(page.locator(f'#confusion td[data-row="{i}"][data-col="{i}"]')).to_have_class(
            re.compile(r"\bdiag\b")
        )
    wrong_cells = [(i, j) for i in range(n) for j in range(n) if i != j and confusion[i][j]]
    assert wrong_cells, f"the look-alike labels should confuse the model: {confusion}"
    expect(page.locator("#confusion td.miss")).to_have_count(len(wrong_cells))

    # Clicking a cell shows its drawings: the answered samples of that row recognised as that
    # column (held_out), right answers included.
    samples = httpx.get(
        f"{live_server.url}/api/recognizers/{recognizer}/samples", timeout=10
    ).json()
    missed = set(validation["misclassified"])
    assert len(missed) == sum(confusion[i][j] for i, j in wrong_cells)
    assert {h["id"] for h in validation["held_out"]} == {s["id"] for s in samples}
    for i, j in [*wrong_cells, (0, 0)]:
        page.click(f'#confusion td[data-row="{i}"][data-col="{j}"] button')
        detail = page.locator("#confusion-detail")
        expect(detail).to_have_attribute("data-row", str(i))
        expect(detail).to_have_attribute("data-col", str(j))
        cell_ids = {
            h["id"]
            for h in validation["held_out"]
            if h["label"] == labels[i] and h["recognised"] == labels[j]
        }
        assert len(cell_ids) == confusion[i][j]
        expect(page.locator("#confusion-thumbs li")).to_have_count(confusion[i][j])
        ids = page.locator("#confusion-thumbs li").evaluate_all(
            "(items) => items.map((li) => +li.dataset.id)"
        )
        assert set(ids) == cell_ids
        answer = "right" if i == j else f"as “{labels[j]}”"
        expect(page.locator("#confusion-detail-text")).to_have_text(
            f"{confusion[i][j]} {of(confusion, labels, i)}"
            f" {'was' if confusion[i][j] == 1 else 'were'} recognised {answer}."
        )

    # The galleries mark exactly the drawings recognised wrong out-of-fold.
    marked = page.locator("#galleries .thumb-item.missed")
    expect(marked).to_have_count(len(missed))
    assert set(marked.evaluate_all("(items) => items.map((li) => +li.dataset.id)")) == missed
    assert all(
        t.startswith("By the network that never saw it, recognised")
        for t in marked.evaluate_all("(items) => items.map((li) => li.title)")
    )
    page.screenshot(path=tmp_path / "validation.png", full_page=True)


def test_accuracy_is_live_and_a_page_opened_mid_run_draws_the_curve_from_the_start(
    make_page: Any, live_server: Server, recognizer: str
) -> None:
    add_samples(live_server.url, recognizer, {"L": "L", "X": "X", "O": "O"}, 8)
    url = f"{live_server.url}/?r={recognizer}"
    page, _ = make_page(url)
    # A training that only ends when it is stopped.
    open_settings(page)
    page.fill("#max_iterations", "10000000")
    page.fill("#target_mse", "0")
    page.fill("#patience", "0")
    page.click("#train")
    expect(page.locator("#train-state")).to_have_text("Training…")
    expect(page.locator("#val-accuracy")).to_have_text(re.compile(r"^\d+(\.\d)?% \(\d+-\d+%\)$"))
    expect(page.locator("#val-note")).to_contain_text("on 24 drawings, this pass")

    # A second page opened now draws the whole curve, from iteration 0, with both lines.
    late, _ = make_page(url)
    expect(late.locator("#train-state")).to_have_text("Training…")
    expect(late.locator("#chart")).to_have_attribute("data-from", "0")
    expect(late.locator("#chart")).to_have_attribute("data-series", "2")
    late.wait_for_function(
        "() => +document.querySelector('#chart').dataset.to >= 5", timeout=15_000
    )

    page.click("#stop")
    expect(page.locator("#train-state")).to_have_text("Trained")
    validation = summary(live_server.url, recognizer)["model"]["validation"]
    shows_number(page, "#val-accuracy", validation["accuracy"])
    expect(late.locator("#val-note")).to_contain_text(
        f"on {validation['samples']} drawings, each answered by a network that never saw it"
    )


def test_without_validation_the_page_says_why(
    app_page: Any, live_server: Server, recognizer: str
) -> None:
    add_samples(live_server.url, recognizer, {"L": "L", "X": "X"}, 2)
    page, _ = app_page
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    # Cross-fitting answers even 2 drawings a label (widely); a hold-out needs 5 a label.
    train_in_page(page, {"seed": "3", "cross_fit": "false"})
    model = summary(live_server.url, recognizer)["model"]
    assert model["validation"] is None and model["validation_note"], model
    expect(page.locator("#val-accuracy")).to_have_text("—")
    expect(page.locator("#val-note")).to_contain_text("Not measured")
    expect(page.locator("#validation-card")).to_be_visible()
    expect(page.locator("#confusion-note")).to_contain_text("Not measured")
    expect(page.locator("#confusion-wrap")).to_be_hidden()
    expect(page.locator("#chart")).to_have_attribute("data-series", "1")
    expect(page.locator("#chart-legend")).to_be_hidden()


def test_a_handful_of_drawings_shows_a_wide_range_never_a_bare_figure(
    app_page: Any, live_server: Server, recognizer: str, tmp_path: Path
) -> None:
    add_samples(live_server.url, recognizer, {"L": "L", "X": "X"}, 3)
    page, _ = app_page
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    train_in_page(page, {"seed": "3"})
    validation = summary(live_server.url, recognizer)["model"]["validation"]
    assert validation["samples"] == 6, validation
    expect(page.locator("#val-accuracy")).to_have_text(
        re.compile(rf"^\d+(\.\d)?% \({re.escape(interval_text(validation['interval']))}\)$")
    )
    expect(page.locator("#val-note")).to_have_text(
        "on 6 drawings, each answered by a network that never saw it. "
        "A wide range: add more drawings to know better."
    )
    page.locator(".stats").screenshot(path=tmp_path / "wide-range.png")


def checked(page: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Click Check; the strokes the page sent and the API's answer to them."""
    with page.expect_response(re.compile(r"/check$")) as response:
        page.click("#check")
    request = response.value.request.post_data_json
    return request, response.value.json()


def shown_percentages(page: Any) -> list[int]:
    texts = page.locator("#bars .bar-value").all_inner_texts()
    assert all(re.fullmatch(r"\d+%", t) for t in texts), texts
    return [int(t[:-1]) for t in texts]


def test_check_shows_probabilities_and_not_sure_for_a_scribble(
    app_page: Any, live_server: Server, recognizer: str
) -> None:
    add_samples(live_server.url, recognizer, SHAPES, 10)
    page, _ = app_page
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    train_in_page(page, {"seed": "3"})  # the same held-out results every run

    # A letter: its label, and percentages that add up to 100 in the API's order.
    draw_letter(page, "L", seed=99)
    strokes, answer = checked(page)
    assert not answer["unknown"], answer
    expect(page.locator("#result-label")).to_have_text(answer["label"])
    expect(page.locator("#result")).to_have_attribute("data-verdict", "known")
    expect(page.locator("#bars li")).to_have_count(len(SHAPES))
    expect(page.locator("#bars .bar-label")).to_have_text(
        [c["label"] for c in answer["confidences"]]
    )
    shares = shown_percentages(page)
    assert sum(shares) == 100
    for shown, c in zip(shares, answer["confidences"], strict=True):
        assert abs(shown - c["confidence"] * 100) <= 1

    # Rounding each share alone can add up to 99 or 101; the page's percentages never do.
    cases = [[0.496, 0.496, 0.008], [1 / 3] * 3, [0.005, 0.005, 0.99], [0.145] * 6 + [0.13]]
    rounded = page.evaluate(
        "async (cases) => { const { percentages } = await import('./static/js/result.js');"
        " return cases.map((values) => percentages(values)); }",
        cases,
    )
    for values, whole in zip(cases, rounded, strict=True):
        assert sum(whole) == 100, (values, whole)
        assert all(abs(w - v * 100) < 1 for v, w in zip(values, whole, strict=True)), whole

    # A circle: O, Q and D share it, so the probabilities are spread, and still add up to 100.
    page.keyboard.press("Escape")
    draw_letter(page, "O", seed=98)
    _, answer = checked(page)
    expect(page.locator("#bars li")).to_have_count(len(SHAPES))
    assert sum(shown_percentages(page)) == 100

    # A scribble: the API calls it unknown, the page says "Not sure" and names the best guess.
    page.keyboard.press("Escape")
    mouse_draw(page, fit(scribble("spiral", 1), pad_box(page), margin=0.1))
    strokes, answer = checked(page)
    again = httpx.post(
        f"{live_server.url}/api/recognizers/{recognizer}/check", json=strokes, timeout=10
    ).json()
    assert again["unknown"] == answer["unknown"]
    assert answer["unknown"], f"a spiral should look like none of the labels: {answer}"
    expect(page.locator("#result-label")).to_have_text("Not sure")
    expect(page.locator("#result")).to_have_attribute("data-verdict", "unknown")
    expect(page.locator("#result-note")).to_have_text("This looks like none of your labels.")
    expect(page.locator("#result-closest")).to_contain_text(
        f"best guess would be “{answer['label']}”"
    )
    expect(page.locator("#bars li")).to_have_count(len(SHAPES))
    assert sum(shown_percentages(page)) == 100
    expect(page.locator("#result-missing")).to_be_hidden()
    expect(page.locator("#result-stale")).to_be_hidden()


def test_check_names_labels_the_model_does_not_know_and_says_it_is_stale(
    app_page: Any, live_server: Server, recognizer: str
) -> None:
    add_samples(live_server.url, recognizer, {"L": "L", "X": "X"}, 6)
    page, watched = app_page
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    train_in_page(page, {"seed": "3"})  # the same held-out results every run

    # A new label with markup in its name, added elsewhere: the model does not know it yet.
    new = "<i>Z</i>"
    add_samples(live_server.url, recognizer, {new: "Z"}, 3)
    draw_letter(page, "L", seed=5)
    _, answer = checked(page)
    assert answer["missing_labels"] == [new] and answer["stale"], answer
    expect(page.locator("#result-missing")).to_have_text(
        f"The model doesn't know “{new}” yet: train again."
    )
    expect(page.locator("#result-stale")).to_be_hidden()
    expect(page.locator("main i")).to_have_count(0)

    # More samples of a known label only: the model is out of date, and the page says so.
    page.keyboard.press("Escape")
    base = f"{live_server.url}/api/recognizers/{recognizer}/samples"
    for sample in httpx.get(base, timeout=10).json():
        if sample["label"] == new:
            assert httpx.delete(f"{base}/{sample['id']}", timeout=10).status_code == 204
    add_samples(live_server.url, recognizer, {"L": "L"}, 1)
    draw_letter(page, "X", seed=6)
    _, answer = checked(page)
    assert answer["stale"] and not answer["missing_labels"], answer
    expect(page.locator("#result-stale")).to_be_visible()
    expect(page.locator("#result-stale")).to_contain_text("Samples changed")
    expect(page.locator("#result-missing")).to_be_hidden()
    assert watched.dialogs == []


def test_settings_show_the_new_defaults_and_send_them_on_train(
    app_page: Any, live_server: Server, recognizer: str
) -> None:
    add_samples(live_server.url, recognizer, {"L": "L", "X": "X"}, 5)
    page, _ = app_page
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    network = summary(live_server.url, recognizer)["network"]
    open_settings(page)
    # The effective defaults are values, not placeholders.
    expect(page.locator("#loss")).to_have_value(network["loss"])
    expect(page.locator("#augmentation")).to_have_value(network["augmentation"])
    expect(page.locator("#validation_split")).to_have_value(str(network["validation_split"]))
    expect(page.locator("#patience")).to_have_value(str(network["patience"]))
    assert page.locator("#antialias").is_checked() == network["antialias"]
    assert page.locator("#reject").is_checked() == network["reject"]
    # ... and they are the server's documented defaults (NetworkSettings), not the classic ones.
    defaults = NetworkSettings()
    assert (network["loss"], network["augmentation"], network["antialias"]) == (
        defaults.loss,
        defaults.augmentation,
        defaults.antialias,
    )
    assert (network["validation_split"], network["patience"], network["reject"]) == (
        defaults.validation_split,
        defaults.patience,
        defaults.reject,
    )
    for field in ("loss", "augmentation", "validation_split", "patience", "antialias", "reject"):
        hint = page.locator(f"#{field}").get_attribute("aria-describedby")
        assert hint, field
        expect(page.locator(f"#{hint}")).not_to_be_empty()

    # The preview draws the grid as the recognizer does: grey levels while antialias is on.
    strokes = draw_letter(page, "L", seed=3)
    expect(page.locator("#preview")).to_have_attribute("data-strokes", str(strokes))
    expect(page.locator("#preview")).to_have_attribute(
        "data-antialias", str(network["antialias"]).lower()
    )

    # Changed fields go with Train; the classic preset fills in its own values.
    assert network["antialias"], "the test below wants a recognizer that starts anti-aliased"
    page.select_option("#augmentation", "light")
    page.fill("#validation_split", "0.25")
    page.fill("#patience", "12")
    page.uncheck("#reject")
    page.click("#train")
    expect(page.locator("#train-state")).to_have_text("Trained", timeout=60_000)
    saved = summary(live_server.url, recognizer)["network"]
    assert (saved["augmentation"], saved["validation_split"], saved["patience"]) == (
        "light",
        0.25,
        12,
    )
    assert saved["reject"] is False

    page.select_option("#preset", "classic")
    expect(page.locator("#loss")).to_have_value("squared_error")
    expect(page.locator("#augmentation")).to_have_value("off")
    expect(page.locator("#validation_split")).to_have_value("0")
    expect(page.locator("#patience")).to_have_value("0")
    assert not page.locator("#antialias").is_checked()
    page.fill("#max_iterations", "50")
    job = summary(live_server.url, recognizer)["training"]["job"]
    page.click("#train")
    wait_for(
        lambda: (
            (t := summary(live_server.url, recognizer)["training"])["job"] > job
            and t["state"] in ("finished", "stopped")
        ),
        timeout=60,
    )
    expect(page.locator("#train-state")).to_have_text("Trained")
    saved = summary(live_server.url, recognizer)["network"]
    assert saved["antialias"] is False and saved["loss"] == "squared_error"
    # The recognizer now draws black-and-white grids, and so does the preview.
    expect(page.locator("#preview")).to_have_attribute("data-antialias", "false")
    page.keyboard.press("Escape")
    expect(page.locator("#preview")).to_have_attribute("data-strokes", "0")
    strokes = draw_letter(page, "X", seed=4)
    expect(page.locator("#preview")).to_have_attribute("data-strokes", str(strokes))
    expect(page.locator("#preview")).to_have_attribute("data-antialias", "false")
