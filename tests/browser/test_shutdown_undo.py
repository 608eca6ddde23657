"""Issue 22: the page across a graceful server shutdown mid-training, and Undo after deleting a
sample (it comes back in its place, and the model is not out of date)."""

import os
import signal
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.drawing import seed_samples
from tests.browser.helpers import OwnServer, shoot, summary, training
from tests.browser.pw import expect
from tests.helpers import Server, wait_for

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots-server")
ENDLESS = {
    "max_iterations": 10_000_000,
    "target_mse": 0,
    "network": {"hidden_layers": [16], "patience": 0},
}
# Every text the training panel's reason line and the notice bar ever show, kept in the page.
RECORD_TEXTS = """() => {
  window.seenTexts = [];
  const note = () => {
    for (const id of ["train-reason", "notice-text", "train-state"]) {
      const text = document.getElementById(id).textContent;
      if (text) window.seenTexts.push(text);
    }
  };
  const all = {subtree: true, childList: true, characterData: true};
  new MutationObserver(note).observe(document.body, all);
}"""


def test_ctrl_c_mid_training_then_a_restart_reads_stopped_with_the_model_kept(
    make_page: Any, own_server: OwnServer
) -> None:
    url = own_server.url
    seed_samples(url, "default", ["L", "X"], per_label=3)
    page, _ = make_page(f"{url}/?r=default")
    page.evaluate(RECORD_TEXTS)
    r = httpx.post(f"{url}/api/recognizers/default/training", json=ENDLESS, timeout=10)
    assert r.status_code == 202, r.text
    expect(page.locator("#train-state")).to_have_text("Training…", timeout=15_000)
    wait_for(lambda: training(url, "default")["iterations"] >= 5, 60)

    # Ctrl+C in the terminal: SIGINT to the whole process group, training process included.
    process = own_server.server.process
    assert process is not None
    os.killpg(process.pid, signal.SIGINT)
    assert process.wait(30) == 0
    expect(page.locator("#connection")).to_be_visible(timeout=15_000)
    own_server.server.stop()  # closes its log
    own_server.start_again()

    expect(page.locator("#connection")).to_be_hidden(timeout=15_000)
    status = training(url, "default")
    assert status["state"] == "stopped"
    n = status["iterations"]
    assert n >= 5 and summary(url, "default")["model"]["iterations"] == n
    reason = page.locator("#train-reason")
    expect(reason).to_have_text(
        f"Stopped after {n:,} iterations: the server was shut down; the model trained so far"
        " is kept."
    )
    expect(page.locator("#train-state")).to_have_text("Trained")
    # The card's numbers and its chart are the same run's: the model's.
    expect(page.locator("#iterations")).to_have_attribute("data-value", str(n))
    initial = page.locator("#mse-initial").get_attribute("data-value")
    assert initial is not None and float(initial) == status["mse_initial"]
    current = page.locator("#mse-current").get_attribute("data-value")
    assert current is not None and float(current) == status["mse_current"]
    chart = page.locator("#chart")
    expect(chart).to_have_attribute("data-from", "0")
    expect(chart).to_have_attribute("data-to", str(n))
    seen = page.evaluate("window.seenTexts")
    assert not [t for t in seen if "failed" in t.lower() or "unexpectedly" in t], seen
    shoot(page, SHOTS / "shutdown-after-restart.png")


def test_undo_puts_a_deleted_sample_back_in_its_place_and_the_model_stays_current(
    make_page: Any, live_server: Server, recognizer: str
) -> None:
    url = live_server.url
    seed_samples(url, recognizer, ["L", "X"], per_label=3)
    r = httpx.post(
        f"{url}/api/recognizers/{recognizer}/training", json={"max_iterations": 5}, timeout=10
    )
    assert r.status_code == 202, r.text
    wait_for(lambda: training(url, recognizer)["state"] == "finished", 60)
    page, _ = make_page(f"{url}/?r={recognizer}")
    expect(page.locator("#train-state")).to_have_text("Trained")
    thumbs = page.locator('ul[aria-label="Samples of L"] .thumb-item')
    expect(thumbs).to_have_count(3)
    ids = [thumbs.nth(i).get_attribute("data-id") for i in range(3)]

    page.get_by_role("button", name="Delete sample 2 of L").click()
    expect(thumbs).to_have_count(2)
    expect(page.locator("#train-state")).to_have_text("Out of date")
    page.locator("#notice .notice-action", has_text="Undo").click()

    expect(thumbs).to_have_count(3)
    expect(thumbs.nth(1)).to_have_attribute("data-id", str(ids[1]))
    assert [thumbs.nth(i).get_attribute("data-id") for i in range(3)] == ids
    expect(page.locator("#train-state")).to_have_text("Trained")
    expect(page.locator("#train-hint")).not_to_contain_text("Samples changed")
    assert summary(url, recognizer)["model"]["stale"] is False
    shoot(page, SHOTS / "undo-in-place.png")
