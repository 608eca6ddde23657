"""The page against a server that asks for a token, and one that restarts under it."""

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.drawing import draw_letter, seed_samples
from tests.browser.pw import expect
from tests.helpers import Server

pytestmark = pytest.mark.browser

TOKEN = "s3cret-token"


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """This module's server asks for a bearer token on every change."""
    server = Server(tmp_path_factory.mktemp("token") / "data", env={"HWR_API_TOKEN": TOKEN}).start()
    yield server
    server.stop()


@pytest.fixture
def recognizer(live_server: Server) -> str:
    name = f"t-{uuid.uuid4().hex[:10]}"
    r = httpx.post(
        f"{live_server.url}/api/recognizers",
        json={"name": name},
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=10,
    )
    assert r.status_code == 201, r.text
    return name


def test_a_missing_token_is_explained_and_then_sent(app_page: Any) -> None:
    page, _ = app_page
    draw_letter(page, "L", seed=1)
    page.fill("#label", "L")
    expect(page.locator("#label")).to_have_value("L")
    page.click("#add-sample")
    expect(page.locator("#notice")).to_contain_text("needs an API token")
    expect(page.locator("#settings")).to_have_attribute("open", "")
    expect(page.locator("#api-token")).to_be_focused()

    page.fill("#api-token", TOKEN)
    page.click("#add-sample")
    expect(page.locator("#sample-total")).to_have_text("1")
    # With the token every request goes through, the preview's too.
    draw_letter(page, "X", seed=2)
    expect(page.locator("#preview")).to_have_attribute("data-strokes", "2")
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    expect(page.locator("#api-token")).to_have_value(TOKEN)


def test_events_stream_comes_back_after_a_server_restart(make_page: Any, tmp_path: Path) -> None:
    server = Server(tmp_path / "data").start()
    try:
        seed_samples(server.url, "default", ["L", "X"], per_label=3)
        page, _ = make_page(f"{server.url}/?r=default")
        expect(page.locator("#connection")).to_be_hidden()

        server.kill()
        server.stop()  # closes its log
        expect(page.locator("#connection")).to_be_visible()
        expect(page.locator("#connection")).to_contain_text("Reconnecting")
        again = Server(tmp_path / "data")
        again.port, again.url = server.port, server.url
        server = again.start()
        expect(page.locator("#connection")).to_be_hidden(timeout=15_000)

        # The stream is live again: a training started elsewhere shows up on the page.
        r = httpx.post(f"{server.url}/api/recognizers/default/training", json={}, timeout=10)
        assert r.status_code == 202, r.text
        expect(page.locator("#train-state")).to_have_text("Trained", timeout=30_000)
        expect(page.locator("#train-reason")).to_contain_text("Finished after")
    finally:
        server.kill()
        server.stop()
