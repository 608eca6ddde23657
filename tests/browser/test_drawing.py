"""The drawing pad: mouse and touch strokes, the grid preview, undo, clear and shortcuts."""

from pathlib import Path
from typing import Any

import pytest

from tests.browser.drawing import draw_letter, fit, letter, pad_box, touch_draw
from tests.browser.pw import expect
from tests.helpers import Server

pytestmark = pytest.mark.browser

PREVIEW = "document.querySelector('#preview').toDataURL()"


def preview_shows(page: Any, strokes: int) -> str:
    """Wait until the preview shows the drawing of `strokes` strokes; its image as a data URL."""
    expect(page.locator("#preview")).to_have_attribute("data-strokes", str(strokes))
    return str(page.evaluate(PREVIEW))


def test_mouse_strokes_change_the_grid_preview(
    make_page: Any, live_server: Server, recognizer: str
) -> None:
    page, _ = make_page(f"{live_server.url}/?r={recognizer}", device_scale_factor=2)
    # The backing store follows devicePixelRatio: crisp lines on high-DPI screens.
    size = page.evaluate(
        "(() => { const c = document.querySelector('#pad');"
        " return [c.width, c.getBoundingClientRect().width]; })()"
    )
    assert size[0] == round(size[1] * 2)
    blank = preview_shows(page, 0)
    expect(page.locator("#undo")).to_be_disabled()

    box = pad_box(page)
    strokes = fit(letter("T", 3), box)
    page.mouse.move(*strokes[0][0])
    page.mouse.down()
    for x, y in strokes[0][1:]:
        page.mouse.move(x, y, steps=2)
    page.mouse.up()
    first = preview_shows(page, 1)
    assert first != blank
    expect(page.locator("#undo")).to_be_enabled()
    expect(page.locator("#pad-hint")).to_be_hidden()

    page.mouse.move(*strokes[1][0])
    page.mouse.down()
    for x, y in strokes[1][1:]:
        page.mouse.move(x, y, steps=2)
    page.mouse.up()
    both = preview_shows(page, 2)
    assert both not in (blank, first)

    page.click("#undo")
    assert preview_shows(page, 1) == first
    page.keyboard.press("Control+z")
    assert preview_shows(page, 0) == blank
    expect(page.locator("#clear")).to_be_disabled()

    draw_letter(page, "X", seed=4)
    assert preview_shows(page, 2) != blank
    page.keyboard.press("Escape")
    assert preview_shows(page, 0) == blank
    expect(page.locator("#pad-hint")).to_be_visible()


def test_touch_drawing_at_phone_width(
    make_page: Any, live_server: Server, recognizer: str, tmp_path: Path
) -> None:
    page, _ = make_page(
        f"{live_server.url}/?r={recognizer}",
        viewport={"width": 390, "height": 844},
        device_scale_factor=3,
        has_touch=True,
        is_mobile=True,
    )
    blank = preview_shows(page, 0)
    page.locator("#pad").scroll_into_view_if_needed()
    scrolled = page.evaluate("window.scrollY")
    cdp = page.context.new_cdp_session(page)
    kinds = page.evaluate_handle(
        "(() => { const seen = []; document.querySelector('#pad').addEventListener("
        "'pointerdown', (e) => seen.push(e.pointerType)); return seen; })()"
    )
    touch_draw(page, cdp, fit(letter("L", 5), pad_box(page)))
    assert preview_shows(page, 1) != blank
    assert kinds.json_value() == ["touch"]
    touch_draw(page, cdp, fit(letter("X", 6), pad_box(page)))
    preview_shows(page, 3)

    # Drawing did not scroll the page (touch-action: none), and nothing is wider than the phone.
    assert page.evaluate("window.scrollY") == scrolled
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=tmp_path / "phone.png", full_page=True)
