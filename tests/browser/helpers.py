"""What browser tests share beside the fixtures: servers of a module's own (a token, one
training slot) or of a test's own (stopped and started again), and the API calls tests make."""

import base64
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from app.synth import dataset
from tests.browser.pw import expect
from tests.helpers import Server


def serve(
    tmp_path_factory: pytest.TempPathFactory, env: dict[str, str] | None = None
) -> Iterator[Server]:
    """A module's server (`yield from serve(...)` in its `live_server` fixture), with `env`."""
    server = Server(tmp_path_factory.mktemp("browser") / "data", env=env).start()
    yield server
    server.stop()


def auth(server: Server) -> dict[str, str]:
    """The headers an API call from a test needs: the bearer token, if the server has one."""
    token = server.env.get("HWR_API_TOKEN")
    return {"Authorization": f"Bearer {token}"} if token else {}


class OwnServer:
    """A test's own server, which the test may kill and start again (same port, same data)."""

    def __init__(self, data_dir: Path) -> None:
        self.server = Server(data_dir).start()
        self.url = self.server.url

    def kill(self) -> None:
        self.server.kill()
        self.server.stop()  # closes its log

    def start_again(self) -> None:
        again = Server(self.server.data_dir)
        again.port, again.url = self.server.port, self.server.url
        self.server = again.start()


def add_samples(
    url: str, recognizer: str, shapes: dict[str, str], per_label: int, seed: int = 100
) -> None:
    """Synthetic samples through the API: `shapes` maps each label to the letter drawn for it
    (several labels may be drawn alike); label i's samples come from seed + i."""
    for i, (label, shape) in enumerate(shapes.items()):
        for _, strokes in dataset([shape], per_label, seed=seed + i):
            r = httpx.post(
                f"{url}/api/recognizers/{recognizer}/samples",
                json={"label": label, "strokes": strokes},
                timeout=10,
            )
            assert r.status_code == 201, r.text


def get(url: str) -> dict[str, Any]:
    """GET a JSON object that must be there."""
    r = httpx.get(url, timeout=10)
    assert r.status_code == 200, r.text
    return dict(r.json())


def summary(url: str, recognizer: str) -> dict[str, Any]:
    return get(f"{url}/api/recognizers/{recognizer}")


def training(url: str, recognizer: str) -> dict[str, Any]:
    return get(f"{url}/api/recognizers/{recognizer}/training")


# How many pixels of the canvas `selector` are within `near` (summed over R, G, B) of the CSS
# colour variable `name` (#rrggbb) and at least `alpha` opaque.
PIXELS_OF = """([selector, name, near, alpha]) => {
  const canvas = document.querySelector(selector);
  const hex = getComputedStyle(canvas).getPropertyValue(name).trim();
  const rgb = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let n = 0;
  for (let i = 0; i < data.length; i += 4) {
    let d = 0;
    for (let k = 0; k < 3; k += 1) d += Math.abs(data[i + k] - rgb[k]);
    if (d < near && data[i + 3] > alpha) n += 1;
  }
  return n;
}"""


def pixels_of(page: Any, selector: str, name: str, near: int = 40, alpha: int = 200) -> int:
    return int(page.evaluate(PIXELS_OF, [selector, name, near, alpha]))


# A canvas's RGBA bytes as base64: a string crosses to Python in milliseconds, where an array
# of a large canvas's numbers took seconds.
RGBA = """(selector) => {
  const canvas = document.querySelector(selector);
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let text = '';
  for (let i = 0; i < data.length; i += 8192) {
    text += String.fromCharCode(...data.subarray(i, i + 8192));
  }
  return btoa(text);
}"""


def canvas_rgba(page: Any, selector: str) -> np.ndarray:
    """The canvas's pixels (width * height, 4), RGBA bytes, row by row."""
    data = base64.b64decode(page.evaluate(RGBA, selector))
    return np.frombuffer(data, dtype=np.uint8).reshape(-1, 4)


# A fingerprint of a canvas's pixels (FNV-1a over the RGBA bytes) and its size.
HASH = """(selector) => {
  const canvas = document.querySelector(selector);
  if (!canvas.width || !canvas.height) return '';
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let h = 2166136261;
  for (let i = 0; i < data.length; i += 1) { h ^= data[i]; h = Math.imul(h, 16777619); }
  return `${(h >>> 0).toString(16)}:${canvas.width}x${canvas.height}`;
}"""


def canvas_fingerprint(page: Any, selector: str) -> str:
    """Equal for equal pixels and size, cheap enough to poll ('' for an empty canvas)."""
    return str(page.evaluate(HASH, selector))


def open_settings(page: Any) -> None:
    """Open the Settings card, whether or not it is open already (a click would toggle it).
    Clicks again if a click did not take (on a loaded machine the page can still be laying
    out the cards above it as the click lands), until a deadline."""
    settings = page.locator("#settings")
    deadline = time.monotonic() + 15
    while settings.get_attribute("open") is None:
        assert time.monotonic() < deadline, "the Settings card did not open"
        page.click("#settings summary")
        try:
            expect(settings).to_have_attribute("open", "", timeout=2_000)
        except AssertionError:
            continue


def train_in_page(page: Any, fields: dict[str, str], timeout: float = 60) -> None:
    """Type `fields` ({id: value}; a select's option by value, a checkbox "true" or "false")
    into Settings, click Train and wait until the page says Trained."""
    open_settings(page)
    for name, value in fields.items():
        control = page.locator(f"#{name}")
        if control.evaluate("n => n.tagName") == "SELECT":
            control.select_option(value)
        elif control.get_attribute("type") == "checkbox":
            control.set_checked(value == "true")
        else:
            control.fill(value)
    page.click("#settings summary")
    page.click("#train")
    expect(page.locator("#train-state")).to_have_text("Trained", timeout=timeout * 1000)


def shoot(page: Any, path: Path, full_page: bool = True) -> None:
    """A still picture of the page from the top: no pointer, transitions finished, no caret."""
    page.evaluate("window.scrollTo(0, 0)")
    page.mouse.move(0, 0)
    page.screenshot(path=path, full_page=full_page, animations="disabled", caret="hide")
    assert path.stat().st_size > 10_000
