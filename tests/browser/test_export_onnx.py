"""The page's ONNX button: disabled without a model, then a download onnxruntime runs, with
Check's confidences."""

import json
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
import pytest

from tests.browser.drawing import draw_letter
from tests.browser.helpers import open_settings
from tests.browser.pw import expect
from tests.helpers import Server

pytestmark = pytest.mark.browser

LABELS = ["L", "O", "X"]


def test_export_onnx_downloads_a_model_that_answers_as_check(
    seeded_page: Any, live_server: Server, recognizer: str, tmp_path: Path
) -> None:
    page, _ = seeded_page(LABELS, per_label=5)
    button = page.get_by_role("button", name="Export ONNX")
    expect(button).to_be_disabled()  # like Export model: nothing to export yet

    open_settings(page)
    page.fill("#max_iterations", "20")
    page.click("#settings summary")
    page.click("#train")
    expect(page.locator("#train-state")).to_have_text("Trained", timeout=60_000)
    expect(button).to_be_enabled()
    with page.expect_download() as download:
        button.click()
    assert download.value.suggested_filename == f"{recognizer}.onnx"
    path = tmp_path / "model.onnx"
    download.value.save_as(path)

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    meta = session.get_modelmeta().custom_metadata_map
    assert json.loads(meta["labels"]) == LABELS
    assert json.loads(meta["grid_size"]) == 12

    # The drawing on the pad, checked on the page, and its grid through the downloaded model.
    draw_letter(page, "O", seed=99)
    with page.expect_response(lambda r: r.url.endswith("/check")) as checked:
        page.click("#check")
    answer = checked.value.json()
    expect(page.locator("#bars li")).to_have_count(len(LABELS))
    out = session.run(["confidences"], {"grid": np.array([answer["grid"]], dtype=np.float32)})
    ranked = {c["label"]: c["confidence"] for c in answer["confidences"]}
    assert np.abs(out[0][0] - [ranked[label] for label in LABELS]).max() <= 1e-5
    assert LABELS[int(np.argmax(out[0][0]))] == answer["label"]

    page.locator(".card-tools").filter(has=button).screenshot(path=tmp_path / "tools.png")
    page.screenshot(path=tmp_path / "page.png", animations="disabled", caret="hide")
    page.set_viewport_size({"width": 390, "height": 844})  # phone width: the row still fits
    head = page.locator(".card-head").filter(has=button)
    head.screenshot(path=tmp_path / "phone.png")
    box, tools = head.bounding_box(), page.locator(".card-tools").filter(has=button).bounding_box()
    assert box is not None and tools is not None
    assert tools["x"] + tools["width"] <= box["x"] + box["width"] + 1
