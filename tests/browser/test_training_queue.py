"""A training that waits for a slot (HWR_MAX_TRAININGS=1): the page says it is queued and where
in line, follows the line as it moves, stops it before it starts, and shows the run once it gets
the slot; screenshots at desktop and phone width."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.drawing import seed_samples
from tests.browser.helpers import open_settings, serve
from tests.browser.pw import expect
from tests.helpers import Server

pytestmark = pytest.mark.browser

ENDLESS = {"max_iterations": 10**7, "target_mse": 0, "network": {"patience": 0}}
HINT = "Queued, {}: it starts when a training slot frees up."
NOT_TRAINED = "Stopped before it started: nothing was trained."
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
# Every badge text the page shows from now on, with the iterations shown beside it.
RECORD = """() => {
  window.__seen = [];
  const note = () => window.__seen.push([
    document.querySelector('#train-state').textContent,
    document.querySelector('#progress-count').dataset.done || '',
    document.querySelector('#chart').classList.contains('has-data'),
  ]);
  const watch = new MutationObserver(note);
  const what = {childList: true, characterData: true, subtree: true};
  for (const id of ['#train-state', '#progress-count']) {
    watch.observe(document.querySelector(id), what);
  }
}"""


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One training slot: a second training waits in line."""
    yield from serve(tmp_path_factory, {"HWR_MAX_TRAININGS": "1"})


def training_url(server: Server, name: str) -> str:
    return f"{server.url}/api/recognizers/{name}/training"


def shoot(page: Any, path: Path) -> None:
    page.evaluate("window.scrollTo(0, 0)")
    page.mouse.move(0, 0)
    page.screenshot(path=path, full_page=True, animations="disabled", caret="hide")
    assert path.stat().st_size > 10_000


def expect_queued(page: Any, place: str) -> None:
    expect(page.locator("#train-state")).to_have_text("Queued")
    expect(page.locator("#train-state")).to_have_attribute("data-state", "queued")
    expect(page.locator("#train-hint")).to_have_text(HINT.format(place))
    expect(page.locator("#train")).to_be_disabled()
    expect(page.locator("#stop")).to_be_enabled()
    expect(page.locator("#train-progress")).to_be_hidden()


def expect_stopped_before_start(page: Any) -> None:
    expect(page.locator("#train-reason")).to_have_text(NOT_TRAINED)
    expect(page.locator("#train-state")).to_have_text("Not trained")
    expect(page.locator("#train")).to_be_enabled()
    expect(page.locator("#stop")).to_be_disabled()


def test_a_queued_training_waits_its_turn_on_the_page(
    make_page: Any, live_server: Server, tmp_path: Path
) -> None:
    url = live_server.url
    for name in ("qa", "qb", "qc"):
        r = httpx.post(f"{url}/api/recognizers", json={"name": name}, timeout=10)
        assert r.status_code == 201, r.text
        seed_samples(url, name, ["L", "O"], per_label=5)
    # A holds the only slot until it is stopped.
    r = httpx.post(training_url(live_server, "qa"), json=ENDLESS, timeout=10)
    assert r.json()["state"] == "running", r.text

    # B, from its page: a run of 300 iterations (a few seconds), queued behind A.
    b, _ = make_page(f"{url}/?r=qb")
    # After the page is ready (its form is built from /api/settings), open Settings whatever its
    # state: a click toggles it (this fill once found it closed, in a CI run).
    b.wait_for_selector("body[data-ready=true]")
    open_settings(b)
    b.fill("#max_iterations", "300")
    b.fill("#target_mse", "0")
    b.fill("#patience", "0")
    b.click("#settings summary")
    b.click("#train")
    expect_queued(b, "1st in line")
    # Screen readers hear the place in line change, not only see it.
    expect(b.locator("#train-hint")).to_have_attribute("aria-live", "polite")
    shoot(b, tmp_path / "queued-1st.png")

    # C, through the API: second in line, and its page says so at desktop and phone width.
    c_status = httpx.post(training_url(live_server, "qc"), json={}, timeout=10).json()
    assert (c_status["state"], c_status["queue_position"]) == ("queued", 2)
    c, _ = make_page(f"{url}/?r=qc")
    expect_queued(c, "2nd in line")
    phone, _ = make_page(f"{url}/?r=qc", **PHONE)
    expect_queued(phone, "2nd in line")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shoot(phone, tmp_path / "queued-2nd-phone.png")

    # Stop on B while it waits: nothing was trained, and C moves up on its open pages.
    b.click("#stop")
    expect_stopped_before_start(b)
    assert httpx.get(f"{url}/api/recognizers/qb", timeout=10).json()["model"]["trained"] is False
    expect(c.locator("#train-hint")).to_have_text(HINT.format("1st in line"))
    expect(phone.locator("#train-hint")).to_have_text(HINT.format("1st in line"))
    shoot(b, tmp_path / "stopped-before-start.png")

    # B again: now behind C. T stops C while it waits; B moves up on its page.
    b.click("#train")
    expect_queued(b, "2nd in line")
    c.keyboard.press("t")
    expect_stopped_before_start(c)
    expect_stopped_before_start(phone)
    expect(b.locator("#train-hint")).to_have_text(HINT.format("1st in line"))

    # A stops: B gets the slot, trains live on its page, and finishes.
    b.evaluate(RECORD)
    httpx.delete(training_url(live_server, "qa"), timeout=10)
    expect(b.locator("#train-state")).to_have_text("Trained", timeout=60_000)
    expect(b.locator("#train-reason")).to_have_text("Finished after 300 iterations (the limit).")
    expect(b.locator("#train-hint")).to_have_text("")
    expect(b.locator("#progress-count")).to_have_text("300 of 300 iterations")
    expect(b.locator("#chart")).to_have_class("chart has-data")
    expect(b.locator("#stop")).to_be_disabled()
    expect(b.locator("#train")).to_be_enabled()
    seen = b.evaluate("window.__seen")
    live = [row for row in seen if row[0] == "Training…"]
    assert live, seen  # the running display came between Queued and Trained
    assert any(int(done or 0) > 0 and drawn for _, done, drawn in live), seen
    badges = [row[0] for row in seen]
    assert badges.index("Training…") < badges.index("Trained"), badges
    assert "Queued" not in badges[badges.index("Training…") :], badges
    status = httpx.get(training_url(live_server, "qb"), timeout=10).json()
    assert (status["state"], status["iterations"]) == ("finished", 300)
    shoot(b, tmp_path / "finished-after-queue.png")


def test_place_in_line_in_english_and_the_order_of_statuses(
    make_page: Any, live_server: Server
) -> None:
    page, _ = make_page(f"{live_server.url}/")
    places = page.evaluate(
        """async () => {
          const t = await import('/static/js/training.js');
          return [1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101, 111, 112].map(t.ordinal);
        }"""
    )
    assert places == [
        *("1st", "2nd", "3rd", "4th", "11th", "12th", "13th"),
        *("21st", "22nd", "23rd", "101st", "111th", "112th"),
    ]
    news = page.evaluate(
        """async () => {
          const t = await import('/static/js/training.js');
          const s = (state, extra = {}) => ({job: 2, iterations: 0, state, ...extra});
          const queued = (n) => s('queued', {queue_position: n});
          return {
            upTheLine: t.newer(queued(1), queued(2)),
            downTheLine: t.newer(queued(3), queued(2)),
            starts: t.newer(s('running', {started_at: 'x'}), queued(1)),
            backToQueued: t.newer(queued(1), s('running', {started_at: 'x'})),
            stoppedWaiting: t.newer(s('stopped'), queued(1)),
            queuedAfterDone: t.newer(queued(1), s('finished')),
            nextJobQueued: t.newer({...queued(1), job: 3}, s('finished')),
            waited: [t.waited(queued(1)), t.waited(s('stopped')),
                     t.waited(s('stopped', {started_at: 'x'})), t.waited(s('running'))],
            text: t.queueText(queued(2)),
          };
        }"""
    )
    assert news == {
        "upTheLine": True,
        "downTheLine": False,
        "starts": True,
        "backToQueued": False,
        "stoppedWaiting": True,
        "queuedAfterDone": False,
        "nextJobQueued": True,
        "waited": [True, True, False, False],
        "text": HINT.format("2nd in line"),
    }
