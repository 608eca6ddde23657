"""What a newcomer sees on opening the lab: its title, its intro and the three demos' tabs, at
the top of the page (desktop and phone), however the lab is reached: /lab, /lab#<demo>, the
main page's link, a tab, the back button. And its one level-one heading."""

import re
from typing import Any

import pytest

from tests.browser.pw import expect
from tests.helpers import Server

pytestmark = pytest.mark.browser

DEMOS = ["xor", "circle", "infections"]
SIZES = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}
TITLE = "hwr lab · backpropagation, live"


def settled(page: Any) -> None:
    """Loaded, and two frames drawn since: a scroll to the URL's fragment has happened by then."""
    page.wait_for_load_state("load")
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")


def assert_first_view(page: Any, demo: str) -> None:
    """The page at the top, the title, intro and tabs inside the viewport, `demo` shown."""
    settled(page)
    assert page.evaluate("scrollY") == 0, f"scrolled to {page.evaluate('scrollY')} px"
    height = page.viewport_size["height"]
    for selector in ("h1", ".lab-intro", ".lab-tabs"):
        box = page.locator(selector).bounding_box()
        assert box is not None, selector
        assert 0 <= box["y"] <= height - box["height"], (selector, box)
    expect(page.locator(f"#tab-{demo}")).to_have_attribute("aria-selected", "true")
    expect(page.locator(f"[role=tabpanel][aria-labelledby=tab-{demo}]")).to_be_visible()
    assert page.url.endswith(f"/lab#{demo}"), page.url


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("path", ["/lab", "/lab#xor", "/lab#circle", "/lab#infections"])
def test_opening_the_lab_shows_its_title_and_tabs(
    make_page: Any, live_server: Server, path: str, size: str
) -> None:
    page, _ = make_page(f"{live_server.url}{path}", **SIZES[size])
    assert_first_view(page, path.partition("#")[2] or "xor")


@pytest.mark.parametrize("size", SIZES)
def test_the_main_pages_link_opens_the_lab_at_the_top_and_back_returns(
    make_page: Any, live_server: Server, size: str
) -> None:
    page, _ = make_page(f"{live_server.url}/", **SIZES[size])
    # The main page writes its recognizer into the address once it has one (?r=default).
    main = re.compile(rf"^{re.escape(live_server.url)}/\?r=default$")
    page.wait_for_url(main)
    page.get_by_role("link", name="The lab", exact=True).click()
    page.wait_for_url(re.compile(r"/lab#xor$"))  # else the main page's body, ready too, answers
    page.wait_for_selector("body[data-ready=true]")
    assert_first_view(page, "xor")
    page.go_back()  # the lab's own tab choices add no history: back is the main page
    page.wait_for_url(main)


@pytest.mark.parametrize("size", SIZES)
def test_switching_tabs_keeps_them_in_view_and_the_hash_selects_the_demo(
    make_page: Any, live_server: Server, size: str
) -> None:
    page, _ = make_page(f"{live_server.url}/lab", **SIZES[size])
    for demo in ["circle", "infections", "xor", "infections"]:
        page.click(f"#tab-{demo}")
        assert_first_view(page, demo)
    page.focus("#tab-infections")
    page.keyboard.press("ArrowRight")  # wraps round to XOR, focused
    expect(page.locator("#tab-xor")).to_be_focused()
    assert_first_view(page, "xor")

    # A hash typed in the address bar is a step of history: it shows its demo, back undoes it.
    page.goto(f"{live_server.url}/lab#circle")
    assert_first_view(page, "circle")
    page.goto(f"{live_server.url}/lab#infections")
    assert_first_view(page, "infections")
    page.go_back()
    expect(page.locator("#tab-circle")).to_have_attribute("aria-selected", "true")
    assert_first_view(page, "circle")
    page.go_back()
    expect(page.locator("#tab-xor")).to_have_attribute("aria-selected", "true")
    assert_first_view(page, "xor")


def test_the_lab_has_one_level_one_heading_its_title(make_page: Any, live_server: Server) -> None:
    page, _ = make_page(f"{live_server.url}/lab")
    assert page.title() == TITLE
    headings = page.locator("h1")
    expect(headings).to_have_count(1)
    assert " ".join(headings.text_content().split()) == TITLE
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    phone, _ = make_page(f"{live_server.url}/lab", **SIZES["phone"])
    # Shortened to fit, still the lab's (what a screen reader reads of it too).
    expect(phone.get_by_role("heading", level=1, name="hwr lab", exact=True)).to_be_visible()
