"""Accessibility kept by a test: axe-core (shipped inside the axe-playwright-python package, so
it works offline like the pages themselves) finds no violation on the recognizer page, the lab
or the API documentation, at desktop and phone size, in the states a person sees them in.

A failure lists each violation's rule, impact and the elements it found, with the state of the
page it was found in: enough to find and fix it (https://dequeuniversity.com/rules/axe/ explains
each rule by its id)."""

from typing import Any

import pytest

from tests.browser.drawing import draw_letter, seed_samples
from tests.browser.helpers import open_settings, train_in_page
from tests.browser.offline import open_offline
from tests.browser.pw import expect
from tests.helpers import Server

pytestmark = pytest.mark.browser

try:
    from axe_playwright_python.sync_playwright import Axe
except ImportError:  # pragma: no cover - the browser fixture reports a missing playwright
    Axe = None

# No motion: a transition caught halfway would give a colour that is never shown for long.
DESKTOP = {"viewport": {"width": 1280, "height": 800}, "reduced_motion": "reduce"}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "reduced_motion": "reduce",
}
SIZES = {
    "desktop": DESKTOP,
    "phone": PHONE,
    "desktop-dark": {**DESKTOP, "color_scheme": "dark"},
}
LAB_TABS = ("xor", "circle", "infections")
ADD_SAMPLE = "#operations-samples-add_sample_api_recognizers__r__samples_post"


def violations(page: Any, state: str) -> list[str]:
    """axe-core's violations on the page as it is now, one line per element found."""
    assert Axe is not None, "axe-playwright-python is a dev requirement: make test installs it"
    found = Axe().run(page).response["violations"]
    lines = []
    for violation in found:
        head = f"[{state}] {violation['id']} ({violation['impact']}): {violation['help']}"
        lines.append(head)
        for node in violation["nodes"]:
            checks = node["any"] + node["all"] + node["none"]
            why = "; ".join(dict.fromkeys(check["message"] for check in checks))
            lines.append(f"    {' '.join(map(str, node['target']))}: {node['html'][:120]}")
            lines.append(f"        {why}")
    return lines


def report(found: list[str]) -> str:
    return "axe-core found accessibility violations:\n" + "\n".join(found)


@pytest.mark.parametrize("size", SIZES)
def test_the_recognizer_page_new_with_settings_open_and_after_a_training(
    size: str, make_page: Any, live_server: Server, recognizer: str
) -> None:
    page, offline = open_offline(make_page, live_server.url, f"/?r={recognizer}", **SIZES[size])
    page.wait_for_selector("body[data-ready=true]")
    found = violations(page, f"{size}, new recognizer")

    seed_samples(live_server.url, recognizer, ["L", "O", "X"], 6)
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    open_settings(page)
    found += violations(page, f"{size}, samples, Settings open")

    page.click("#settings summary")  # train_in_page opens it again
    train_in_page(page, {"seed": "3", "hidden_layers": "8", "max_iterations": "60"})
    for card in ("#chart", "#validation-card", "#confusion"):
        expect(page.locator(card)).to_be_visible()
    draw_letter(page, "L", seed=5)
    page.click("#check")
    expect(page.locator("#bars li")).to_have_count(3)
    found += violations(page, f"{size}, trained and checked")

    assert offline.refused == []
    assert not found, report(found)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_lab_each_demo(size: str, make_page: Any, live_server: Server) -> None:
    page, offline = open_offline(make_page, live_server.url, "/lab", **SIZES[size])
    page.wait_for_selector("body[data-ready=true]")
    found: list[str] = []
    for tab in LAB_TABS:
        page.click(f"#tab-{tab}")
        expect(page.locator(f"#panel-{tab}")).to_be_visible()
        found += violations(page, f"{size}, {tab}")
    assert offline.refused == []
    assert not found, report(found)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_api_documentation(size: str, make_page: Any, live_server: Server) -> None:
    page, offline = open_offline(make_page, live_server.url, "/docs", **SIZES[size])
    expect(page.locator(".opblock").first).to_be_visible()
    found = violations(page, f"{size}, /docs")

    # One operation open, ready to try: its parameters, request body, Execute and Cancel.
    # (Two open at once would show two unnamed "region" tables: Swagger UI's own markup.)
    operation = page.locator(ADD_SAMPLE)
    operation.locator(".opblock-summary-control").click()
    operation.locator(".try-out__btn").click()
    expect(operation.locator("textarea.body-param__text")).to_be_visible()
    found += violations(page, f"{size}, /docs, an operation tried")
    assert offline.refused == []
    assert not found, report(found)
