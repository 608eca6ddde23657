"""The page against a server that asks for a token, and one that restarts under it."""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.drawing import draw_letter, seed_samples
from tests.browser.helpers import OwnServer, serve
from tests.browser.pw import expect
from tests.helpers import Server

pytestmark = pytest.mark.browser

TOKEN = "s3cret-token"


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """This module's server asks for a bearer token on every change."""
    yield from serve(tmp_path_factory, {"HWR_API_TOKEN": TOKEN})


def test_the_token_is_asked_once_and_then_carries_training_and_check(
    make_page: Any, live_server: Server, recognizer: str
) -> None:
    """Every /api request needs the token: the page explains it, signs in once with it (an
    HttpOnly cookie, also for the event stream), then trains, streams progress and checks."""
    seed_samples_with_token(live_server.url, recognizer)
    page, _ = make_page(f"{live_server.url}/?r={recognizer}", ready=False)
    expect(page.locator("#notice")).to_contain_text("needs an API token")
    expect(page.locator("#settings")).to_have_attribute("open", "")
    expect(page.locator("#api-token")).to_be_focused()

    page.fill("#api-token", "not-the-token")
    page.click("#api-token-use")
    expect(page.locator("#api-token-state")).to_contain_text("not the server's")
    page.fill("#api-token", TOKEN)
    page.press("#api-token", "Enter")
    page.wait_for_selector("body[data-ready=true]")
    expect(page.locator("#sample-total")).to_have_text("6")
    expect(page.locator("#api-token")).to_have_value("")  # the page does not keep it
    assert page.evaluate("Object.keys(localStorage).filter((k) => /token/.test(k))") == []
    cookies = {c["name"]: c for c in page.context.cookies()}
    cookie = cookies[f"hwr_session_{live_server.port}"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and TOKEN not in cookie["value"]

    page.fill("#max_iterations", "100000")
    page.fill("#target_mse", "0")
    page.click("#train")
    # Progress arrives through the event stream, which only the cookie can authorise.
    expect(page.locator("#train-state")).to_have_text("Training…", timeout=30_000)
    expect(page.locator("#iterations")).to_have_text(re.compile(r"^[1-9]"), timeout=30_000)
    page.click("#stop")
    expect(page.locator("#train-state")).to_have_text("Trained", timeout=30_000)
    draw_letter(page, "L", seed=3)
    with page.expect_response(lambda r: r.url.endswith("/check")) as checked:
        page.click("#check")
    assert checked.value.status == 200
    expect(page.locator("#result-label")).to_have_attribute("data-empty", "false")

    page.reload()  # signed in for good: no question again
    page.wait_for_selector("body[data-ready=true]")
    expect(page.locator("#sample-total")).to_have_text("6")
    expect(page.locator("#notice")).not_to_contain_text("needs an API token")


def test_a_token_saved_by_an_earlier_version_is_traded_for_the_cookie(
    make_page: Any, live_server: Server, recognizer: str
) -> None:
    page, _ = make_page(f"{live_server.url}/static/favicon.svg", ready=False)
    page.evaluate(f"localStorage.setItem('hwr.token', {TOKEN!r})")
    page.goto(f"{live_server.url}/?r={recognizer}")
    page.wait_for_selector("body[data-ready=true]")
    assert page.evaluate("localStorage.getItem('hwr.token')") is None
    assert f"hwr_session_{live_server.port}" in {c["name"] for c in page.context.cookies()}


def seed_samples_with_token(url: str, recognizer: str) -> None:
    for label in ("L", "X"):
        for seed in range(3):
            strokes = (
                [[[0, 0], [0, 40 + seed], [30, 40]]]
                if label == "L"
                else [
                    [[0, 0], [40, 40 + seed]],
                    [[40, 0], [0, 40]],
                ]
            )
            r = httpx.post(
                f"{url}/api/recognizers/{recognizer}/samples",
                json={"label": label, "strokes": strokes},
                headers={"Authorization": f"Bearer {TOKEN}"},
                timeout=10,
            )
            assert r.status_code == 201, r.text


def test_events_stream_comes_back_after_a_server_restart(
    make_page: Any, own_server: OwnServer
) -> None:
    seed_samples(own_server.url, "default", ["L", "X"], per_label=3)
    page, _ = make_page(f"{own_server.url}/?r=default")
    expect(page.locator("#connection")).to_be_hidden()

    own_server.kill()
    expect(page.locator("#connection")).to_be_visible()
    expect(page.locator("#connection")).to_contain_text("Reconnecting")
    own_server.start_again()
    expect(page.locator("#connection")).to_be_hidden(timeout=15_000)

    # The stream is live again: a training started elsewhere shows up on the page.
    r = httpx.post(f"{own_server.url}/api/recognizers/default/training", json={}, timeout=10)
    assert r.status_code == 202, r.text
    expect(page.locator("#train-state")).to_have_text("Trained", timeout=30_000)
    expect(page.locator("#train-reason")).to_contain_text("Finished after")


def test_the_page_works_on_localhost_too(
    make_page: Any, live_server: Server, recognizer: str, tmp_path: Path
) -> None:
    """Opened as http://localhost:PORT (the Host and Origin the checks compare), the page's own
    writes go through: a sample is added, renamed into another label, and deleted."""
    url = live_server.url.replace("127.0.0.1", "localhost")
    page, _ = make_page(f"{url}/?r={recognizer}", ready=False)
    page.fill("#api-token", TOKEN)
    page.click("#api-token-use")
    page.wait_for_selector("body[data-ready=true]")
    page.screenshot(path=str(tmp_path / "access.png"))
    draw_letter(page, "L", seed=1)
    page.fill("#label", "L")
    with page.expect_response(lambda r: r.url.endswith("/samples")) as added:
        page.click("#add-sample")
    assert added.value.status == 201
    assert added.value.request.all_headers()["origin"] == url
    expect(page.locator("#sample-total")).to_have_text("1")
    page.get_by_role("button", name="Delete sample 1 of L").click()
    expect(page.locator("#sample-total")).to_have_text("0")
