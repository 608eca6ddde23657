"""Browser fixtures: Debian's chromium driven by Playwright, against a real `hwr serve`.

Without chromium or playwright the tests skip loudly; under CI=true they fail instead.
"""

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.drawing import seed_samples
from tests.browser.helpers import OwnServer, auth, serve
from tests.helpers import Server

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests cannot run in CI: {reason}")
    pytest.skip(f"BROWSER TESTS SKIPPED: {reason} (apt-get install chromium; CI=true fails here)")


# Package scope: Playwright's sync API keeps an event loop running in this thread while it is
# open, which would break asyncio.run() in every test collected after this folder.
@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed")
    executable = shutil.which("chromium")
    if executable is None:
        _unavailable("no `chromium` on PATH")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from serve(tmp_path_factory)


@pytest.fixture
def recognizer(live_server: Server) -> str:
    """A fresh recognizer per test, so tests share a server but not their data."""
    name = f"t-{uuid.uuid4().hex[:10]}"
    r = httpx.post(
        f"{live_server.url}/api/recognizers",
        json={"name": name},
        headers=auth(live_server),
        timeout=10,
    )
    assert r.status_code == 201, r.text
    return name


class Watched:
    """What a page did that a test must know about: script errors, CSP refusals, dialogs."""

    def __init__(self, page: Any) -> None:
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))
        page.on("console", self._console)
        page.on("dialog", self._dialog)

    def _console(self, message: Any) -> None:
        # Refused API calls (409, 401) and a stopped server are logged by Chromium as
        # "Failed to load resource"; the page shows those itself. Everything else counts.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(f"console: {message.text}")

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()


@pytest.fixture
def make_page(browser: Any, tmp_path: Path) -> Iterator[Any]:
    """`make_page(url, ready=True, **context_options)` -> (page, watched), once the page says it
    is ready (unless ready=False); contexts close after the test."""
    contexts = []
    watched_all: list[Watched] = []

    def make(url: str, ready: bool = True, **options: Any) -> tuple[Any, Watched]:
        options.setdefault("viewport", DESKTOP)
        context = browser.new_context(**options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        watched = Watched(page)
        watched_all.append(watched)
        page.goto(url)
        if ready:
            page.wait_for_selector("body[data-ready=true]")
        return page, watched

    yield make
    for context in contexts:
        context.close()
    problems = [p for w in watched_all for p in w.errors]
    assert not problems, problems


@pytest.fixture
def app_page(make_page: Any, live_server: Server, recognizer: str) -> tuple[Any, Watched]:
    """The page on a fresh recognizer, at desktop size."""
    return make_page(f"{live_server.url}/?r={recognizer}")


@pytest.fixture
def seeded_page(make_page: Any, live_server: Server, recognizer: str) -> Any:
    """`seeded_page(labels, per_label, **context_options)` -> (page, watched): the recognizer
    gets synthetic samples of `labels` through the API, then the page opens on it."""

    def open_seeded(labels: list[str], per_label: int, **options: Any) -> tuple[Any, Watched]:
        seed_samples(live_server.url, recognizer, labels, per_label)
        return make_page(f"{live_server.url}/?r={recognizer}", **options)  # type: ignore[no-any-return]

    return open_seeded


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[OwnServer]:
    """A server of the test's own, which it may kill and start again; killed at the end."""
    own = OwnServer(tmp_path / "data")
    yield own
    own.kill()
