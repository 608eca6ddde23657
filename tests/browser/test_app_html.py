"""The one-file web app: the page's App button downloads it; opened from file:// in a browser
with every request refused, it recognises a letter drawn with the mouse (with a finger at phone
size) as the server's Check does, and says "Not sure" for a scribble. Pictures at desktop and
phone size, light and dark (kept with --basetemp), and axe-core on each."""

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.drawing import (
    draw_letter,
    fit,
    letter,
    mouse_draw,
    pad_box,
    scribble,
    touch_draw,
)
from tests.browser.helpers import train_in_page
from tests.browser.offline import WATCH_CSP, csp_refusals
from tests.browser.pw import expect
from tests.browser.test_audit import report, violations
from tests.helpers import Server

pytestmark = pytest.mark.browser

LABELS = ["L", "O", "X"]
DESKTOP = {"viewport": {"width": 1280, "height": 800}, "reduced_motion": "reduce"}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,  # the pad's backing store follows devicePixelRatio
    "is_mobile": True,
    "has_touch": True,
    "reduced_motion": "reduce",
}
# Both sizes and both themes, two at a time (the colours are the same at each size).
LOOKS = {
    "desktop": {**DESKTOP, "color_scheme": "light"},
    "phone-dark": {**PHONE, "color_scheme": "dark"},
}


# What a script in the file could try, and the policy must refuse before any request.
TRY_THE_NETWORK = """async (url) => {
  new Image().src = url + "/favicon.svg";
  const injected = document.createElement("script");
  injected.textContent = "document.getElementById('verdict').textContent = 'ran'";
  document.body.append(injected);
  try {
    await fetch(url + "/api/health");
    return "fetched";
  } catch {
    return "refused";
  }
}"""


class Disconnected:
    """Every request but the file itself refused and remembered, as on a machine with no
    network (the context is offline too): `attempted`, every request the page made (one the
    page's policy blocked included, with its failure in `failures`), `sent`, those that got as
    far as the network stack (here refused)."""

    def __init__(self, context: Any, own: str) -> None:
        self.own = own
        self.attempted: list[str] = []
        self.sent: list[str] = []
        self.failures: dict[str, str | None] = {}
        context.on("request", self.seen)
        context.on("requestfailed", self.failed)
        context.route("**/*", self.refuse)

    def seen(self, request: Any) -> None:
        if request.url != self.own:
            self.attempted.append(request.url)

    def failed(self, request: Any) -> None:
        self.failures[request.url] = request.failure

    def refuse(self, route: Any) -> None:
        if route.request.url == self.own:
            route.continue_()
        else:
            self.sent.append(route.request.url)
            route.abort("internetdisconnected")


def open_file(make_page: Any, path: Path, options: dict[str, Any]) -> tuple[Any, Disconnected]:
    """The app from file:// in a fresh, offline context; its errors fail the test (make_page)."""
    page, _ = make_page("about:blank", ready=False, offline=True, **options)
    url = path.as_uri()
    network = Disconnected(page.context, url)
    page.add_init_script(WATCH_CSP)
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]")
    return page, network


def check_in_app(page: Any, server: Server, recognizer: str) -> dict[str, Any]:
    """Click Check; the server's Check of the very strokes the app checked, which the app's
    answer must equal: label, verdict and every confidence (1e-5)."""
    page.get_by_role("button", name="Check").click()
    strokes = page.evaluate("hwrApp.pad.data()")
    answer = httpx.post(
        f"{server.url}/api/recognizers/{recognizer}/check", json={"strokes": strokes}, timeout=10
    ).json()
    verdict = "unknown" if answer["unknown"] else "known"
    expect(page.locator("#answer")).to_have_attribute("data-verdict", verdict)
    expect(page.locator("#verdict")).to_have_text(
        "Not sure" if answer["unknown"] else answer["label"]
    )
    bars = page.locator("#bars .bar")
    expect(bars).to_have_count(len(LABELS))
    expect(page.locator("#bars .bar-label")).to_have_text(
        [c["label"] for c in answer["confidences"]]
    )
    shown = [float(c) for c in bars.evaluate_all("bs => bs.map(b => b.dataset.confidence)")]
    for value, c in zip(shown, answer["confidences"], strict=True):
        assert abs(value - c["confidence"]) <= 1e-5, (shown, answer["confidences"])
    return dict(answer)


def picture(page: Any, path: Path) -> None:
    page.mouse.move(0, 0)
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.screenshot(path=path, full_page=True, animations="disabled", caret="hide")


def test_the_downloaded_app_recognises_offline(
    seeded_page: Any,
    make_page: Any,
    browser: Any,
    live_server: Server,
    recognizer: str,
    tmp_path: Path,
) -> None:
    page, _ = seeded_page(LABELS, per_label=10)
    button = page.get_by_role("button", name="Export web app")
    expect(button).to_be_disabled()  # like Export and ONNX: nothing to export yet
    train_in_page(page, {"seed": "3"})
    expect(button).to_be_enabled()
    with page.expect_download() as download:
        button.click()
    assert download.value.suggested_filename == f"{recognizer}.html"
    path = tmp_path / "saved" / f"{recognizer}.html"
    download.value.save_as(path)
    print(f"{path.name}: {path.stat().st_size} bytes")
    page.context.close()  # the server's page is gone: only the file is left

    found: list[str] = []
    for look, options in LOOKS.items():
        app, network = open_file(make_page, path, options)
        expect(app.locator("h1")).to_have_text(recognizer)
        expect(app.locator(".labels li")).to_have_text(LABELS)
        found += violations(app, f"{look}, new")

        if options.get("has_touch"):  # a finger on the phone: touch pointer events
            cdp = app.context.new_cdp_session(app)
            touch_draw(app, cdp, fit(letter("L", 99), pad_box(app)))
        else:
            draw_letter(app, "L", seed=99)
        answer = check_in_app(app, live_server, recognizer)
        assert answer["label"] == "L" and not answer["unknown"], answer
        expect(app.locator("#reason")).to_have_text(
            f"{round(answer['confidences'][0]['confidence'] * 100)}% likely"
        )
        picture(app, tmp_path / f"{look}-letter.png")
        found += violations(app, f"{look}, a letter")

        app.get_by_role("button", name="Clear").press("Enter")  # the keyboard works too
        expect(app.locator("#answer")).to_have_attribute("data-verdict", "none")
        expect(app.locator("#bars .bar")).to_have_count(0)
        mouse_draw(app, fit(scribble("spiral", 1), pad_box(app), margin=0.1))
        answer = check_in_app(app, live_server, recognizer)
        assert answer["unknown"], f"a spiral should look like none of the labels: {answer}"
        expect(app.locator("#reason")).to_contain_text(f"Closest: “{answer['label']}”.")
        picture(app, tmp_path / f"{look}-scribble.png")
        found += violations(app, f"{look}, a scribble")

        assert network.attempted == [] and network.sent == [], network.attempted
        assert csp_refusals(app) == []
        app.context.close()
    assert not found, report(found)

    # Were the file's own code to try, its policy would refuse: an image, a script, a fetch.
    context = browser.new_context(offline=True)
    try:
        page = context.new_page()
        network = Disconnected(context, path.as_uri())
        page.add_init_script(WATCH_CSP)
        page.goto(path.as_uri())
        page.wait_for_selector("body[data-ready=true]")
        tried = page.evaluate(TRY_THE_NETWORK, live_server.url)
        assert tried == "refused", tried
        expect(page.locator("#verdict")).to_have_text("?")  # the injected script never ran
        page.wait_for_function("window.__cspRefusals.length >= 3")
        refused = csp_refusals(page)
        assert sorted(r.split()[0] for r in refused) == [
            "connect-src",
            "img-src",
            "script-src-elem",
        ]
        # The image shows as a request that the policy stopped before it was sent.
        assert network.attempted == [f"{live_server.url}/favicon.svg"], network.attempted
        assert network.failures == {network.attempted[0]: "csp"}
        assert network.sent == []
    finally:
        context.close()
