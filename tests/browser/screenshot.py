"""Make the README screenshots: a trained recognizer with its confusion matrix and a Check.

    .venv/bin/python -m tests.browser.screenshot docs/

writes docs/screenshot.png (desktop, light), docs/screenshot-dark.png (desktop, dark, a
scribble answered "Not sure"), docs/screenshot-phone.png (390 px wide) and docs/validation.png
(the training and confusion-matrix cards, one wrong cell opened); and for "watch it learn":
docs/chart.png (the training card), docs/network.png, docs/units.png and docs/check-path.png
(the network card's three parts after a Check), docs/network-live.png (the card while a training
runs), docs/network-dark.png and docs/network-phone.png. Starts its own server on a temporary
folder and drives Debian's chromium like the tests do.
"""

import argparse
import shutil
import tempfile
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import expect, sync_playwright

from tests.browser.conftest import CHROMIUM_ARGS
from tests.browser.drawing import draw_letter, fit, mouse_draw, pad_box, scribble
from tests.browser.helpers import add_samples, train_in_page
from tests.helpers import Server

# What a person might teach it: a few letters, and a zero that looks like the O.
SHAPES = {"L": "L", "O": "O", "X": "X", "V": "V", "C": "C", "Z": "Z", "0": "O"}
PER_LABEL = 12


def open_wrong_cell(page: Any) -> None:
    """Open the first wrong cell and point at its first sample among the galleries."""
    cell = page.locator("#confusion td.miss button")
    if cell.count():
        cell.first.click()
        expect(page.locator("#confusion-detail")).to_be_visible()
        page.locator("#confusion-thumbs button").first.click()
        page.wait_for_function(
            "() => { const g = document.querySelector('#galleries');"
            " const m = g.querySelector('.thumb-item.missed');"
            " if (!m) return true;"
            " const a = g.getBoundingClientRect(), b = m.getBoundingClientRect();"
            " return b.top >= a.top && b.bottom <= a.bottom; }"
        )


def still(page: Any, path: Path, element: str | None = None, full_page: bool = True) -> None:
    """The page from the top, or one element of it with a margin; no pointer, no focus ring."""
    page.mouse.move(0, 0)
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.evaluate("window.scrollTo(0, 0)")
    clip = None
    if element:
        box = page.locator(element).bounding_box()  # page coordinates: scrolled to the top
        assert box is not None
        clip = {"x": box["x"] - 12, "y": box["y"] - 12}
        clip |= {"width": box["width"] + 24, "height": box["height"] + 24}
    page.screenshot(path=path, animations="disabled", caret="hide", full_page=full_page, clip=clip)
    print(f"{path}: {path.stat().st_size // 1024} KB")


def network_shown(page: Any, source: str = "model") -> None:
    """Bring the network card on screen (it fetches only then) and wait for its pictures."""
    page.locator("#network-card").scroll_into_view_if_needed()
    expect(page.locator("#network-card")).to_have_attribute("data-source", source)
    expect(page.locator("#units")).to_have_attribute("data-tiles", "144")


def live(page: Any, url: str, out: Path) -> None:
    """The network card while a long training runs (stopped afterwards)."""
    api = url.split("/?")[0] + "/api/recognizers/default/training"
    body = {"max_iterations": 100000, "target_mse": 0, "network": {"patience": 0}}
    r = httpx.post(api, json=body, timeout=10)
    assert r.status_code == 202, r.text
    try:
        network_shown(page, "training")
        page.wait_for_function(
            "() => +document.querySelector('#network-card').dataset.iteration >= 30",
            timeout=60_000,
        )
        still(page, out / "network-live.png", element="#network-card")
    finally:
        httpx.delete(api, timeout=10)
    expect(page.locator("#train-state")).to_have_text("Trained", timeout=30_000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder of the pictures")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    with tempfile.TemporaryDirectory() as tmp:
        server = Server(Path(tmp) / "data").start()
        try:
            add_samples(server.url, "default", SHAPES, PER_LABEL, seed=40)
            url = f"{server.url}/?r=default"
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=shutil.which("chromium"), headless=True, args=CHROMIUM_ARGS
                )
                desktop = {"width": 1280, "height": 800}
                page = browser.new_page(viewport=desktop, color_scheme="light")
                page.goto(url)
                page.wait_for_selector("body[data-ready=true]")
                train_in_page(page, {"seed": "5"}, timeout=120)
                draw_letter(page, "O", seed=99)
                page.click("#check")
                expect(page.locator("#bars li")).to_have_count(len(SHAPES))
                open_wrong_cell(page)
                network_shown(page)
                expect(page.locator("#path")).to_be_visible()
                still(page, args.out / "screenshot.png")

                sharp = browser.new_page(
                    viewport=desktop, color_scheme="light", device_scale_factor=2
                )
                sharp.goto(url)
                sharp.wait_for_selector("body[data-ready=true]")
                open_wrong_cell(sharp)
                still(sharp, args.out / "validation.png", element="#validation-card")
                training_card = "section:has(> .card-head #training-title)"
                still(sharp, args.out / "chart.png", element=training_card)
                draw_letter(sharp, "O", seed=99)
                sharp.click("#check")
                network_shown(sharp)
                expect(sharp.locator("#path")).to_be_visible()
                still(sharp, args.out / "network.png", element=".net-figure")
                still(sharp, args.out / "units.png", element="#units-section")
                still(sharp, args.out / "check-path.png", element="#path")

                dark = browser.new_page(viewport=desktop, color_scheme="dark")
                dark.goto(url)
                dark.wait_for_selector("body[data-ready=true]")
                mouse_draw(dark, fit(scribble("spiral", 1), pad_box(dark), margin=0.1))
                dark.click("#check")
                expect(dark.locator("#result")).to_have_attribute("data-verdict", "unknown")
                open_wrong_cell(dark)
                network_shown(dark)
                still(dark, args.out / "screenshot-dark.png")
                still(dark, args.out / "network-dark.png", element="#network-card")

                phone = browser.new_page(
                    viewport={"width": 390, "height": 844},
                    color_scheme="light",
                    is_mobile=True,
                    has_touch=True,
                )
                phone.goto(url)
                phone.wait_for_selector("body[data-ready=true]")
                draw_letter(phone, "X", seed=98)
                phone.click("#check")
                expect(phone.locator("#result-label")).to_have_text("X")
                open_wrong_cell(phone)
                network_shown(phone)
                still(phone, args.out / "screenshot-phone.png")
                still(phone, args.out / "network-phone.png", element="#network-card")
                live(page, url, args.out)
                browser.close()
        finally:
            server.stop()


if __name__ == "__main__":
    main()
