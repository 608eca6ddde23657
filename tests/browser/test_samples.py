"""Samples: add with the label field, per-label galleries with counts, delete; labels are text."""

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.drawing import draw_letter
from tests.browser.helpers import train_in_page
from tests.browser.pw import expect
from tests.helpers import Server

pytestmark = pytest.mark.browser

XSS = "<img src=x onerror=alert(1)>"


def gallery(page: Any, label: str) -> Any:
    return page.locator(".gallery").filter(has=page.get_by_role("button", name=label, exact=True))


def add_drawn_sample(
    page: Any, label: str, seed: int, enter: bool = False, shape: str | None = None
) -> None:
    strokes = draw_letter(page, shape or label, seed)
    expect(page.locator("#preview")).to_have_attribute("data-strokes", str(strokes))
    page.fill("#label", label)
    if enter:
        page.press("#label", "Enter")
    else:
        page.click("#add-sample")
    # Added: the pad is cleared for the next drawing.
    expect(page.locator("#preview")).to_have_attribute("data-strokes", "0")


def test_galleries_count_samples_per_label_and_delete_one(
    app_page: Any, live_server: Server, recognizer: str
) -> None:
    page, _ = app_page
    expect(page.locator("#samples-empty")).to_be_visible()
    wanted = {"L": 3, "O": 2, "X": 1}
    seed = 10
    for label, n in wanted.items():
        for i in range(n):
            add_drawn_sample(page, label, seed, enter=i % 2 == 1)
            seed += 1
            expect(gallery(page, label).locator(".gallery-count")).to_have_text(
                f"{i + 1} sample" + ("s" if i else "")
            )
    expect(page.locator("#samples-empty")).to_be_hidden()
    for label, n in wanted.items():
        expect(gallery(page, label).locator("canvas.thumb")).to_have_count(n)
    expect(page.locator("#sample-total")).to_have_text("6")
    # Three labels: training is possible now.
    expect(page.locator("#train")).to_be_enabled()

    gallery(page, "L").get_by_role("button", name="Delete sample 2 of L").click()
    expect(gallery(page, "L").locator(".gallery-count")).to_have_text("2 samples")
    expect(gallery(page, "L").locator("canvas.thumb")).to_have_count(2)
    expect(page.locator("#sample-total")).to_have_text("5")
    summary = httpx.get(f"{live_server.url}/api/recognizers/{recognizer}").json()
    assert {c["label"]: c["samples"] for c in summary["labels"]} == {"L": 2, "O": 2, "X": 1}

    # The label heading is a shortcut to the label field.
    gallery(page, "X").get_by_role("button", name="X", exact=True).click()
    expect(page.locator("#label")).to_have_value("X")
    expect(page.locator("#label")).to_be_focused()


def test_adding_without_label_or_drawing_says_what_is_missing(app_page: Any) -> None:
    page, _ = app_page
    page.click("#add-sample")
    expect(page.locator("#notice")).to_contain_text("Type a label first")
    expect(page.locator("#label")).to_be_focused()
    page.fill("#label", "A")
    page.press("#label", "Enter")
    expect(page.locator("#notice")).to_contain_text("Draw something first")


def test_label_with_markup_is_shown_as_text(app_page: Any, live_server: Server) -> None:
    page, watched = app_page
    add_drawn_sample(page, XSS, seed=20, shape="T")
    add_drawn_sample(page, "L", seed=21)
    heading = gallery(page, XSS).locator(".gallery-label")
    expect(heading).to_have_text(XSS)
    expect(page.locator("#galleries img")).to_have_count(0)

    # Train on the two labels (seeded: the answer below depends on it) and check: the label
    # also shows as text in the result and bars.
    train_in_page(page, {"seed": "1"}, timeout=30)
    draw_letter(page, "T", seed=22)
    page.click("#check")
    expect(page.locator("#bars li")).to_have_count(2)
    expect(page.locator("#bars .bar-label").filter(has_text=XSS)).to_have_count(1)
    expect(page.locator("#result-label")).to_have_text(XSS)
    expect(page.locator("main img")).to_have_count(0)
    assert watched.dialogs == []


def test_export_then_import_the_dataset_and_the_model(
    seeded_page: Any, live_server: Server, recognizer: str, tmp_path: Path
) -> None:
    page, _ = seeded_page(["L", "O"], per_label=3)
    with page.expect_download() as download:
        page.click("#export-dataset")
    dataset = tmp_path / "dataset.json"
    download.value.save_as(dataset)
    assert download.value.suggested_filename == f"{recognizer}-dataset.json"
    document = json.loads(dataset.read_text())
    assert document["format"] == "hwr-dataset/1"
    assert len(document["samples"]) == 6

    page.click("#train")
    expect(page.locator("#train-state")).to_have_text("Trained", timeout=30_000)
    with page.expect_download() as download:
        page.click("#export-model")
    model = tmp_path / "model.json"
    download.value.save_as(model)
    assert json.loads(model.read_text())["format"] == "hwr-model/1"

    # A new recognizer from the header, then both files imported into it.
    page.click("#new-recognizer")
    page.fill("#new-name", "Not Valid")
    page.click("#new-create")
    expect(page.locator("#new-error")).to_contain_text("lower-case")
    name = recognizer + "-copy"
    page.fill("#new-name", name)
    page.click("#new-create")
    expect(page.locator("#recognizer")).to_have_value(name)
    expect(page.locator("#samples-empty")).to_be_visible()
    expect(page.locator("#train-state")).to_have_text("Not trained")

    with page.expect_file_chooser() as chooser:
        page.click("#import-dataset")
    chooser.value.set_files(dataset)
    expect(gallery(page, "O").locator(".gallery-count")).to_have_text("3 samples")
    expect(page.locator("#sample-total")).to_have_text("6")
    with page.expect_file_chooser() as chooser:
        page.click("#import-model")
    chooser.value.set_files(model)
    expect(page.locator("#train-state")).to_have_text("Trained")
    draw_letter(page, "O", seed=40)
    page.click("#check")
    expect(page.locator("#result-label")).to_have_text("O")

    # A file that is not JSON is refused in plain words.
    broken = tmp_path / "broken.json"
    broken.write_text("{ not json")
    with page.expect_file_chooser() as chooser:
        page.click("#import-dataset")
    chooser.value.set_files(broken)
    expect(page.locator("#notice")).to_contain_text("is not a JSON file")
