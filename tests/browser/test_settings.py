"""The settings form: what the page sends on Train is what the server's settings say."""

from typing import Any

import httpx
import pytest

from tests.browser.drawing import seed_samples
from tests.browser.pw import expect
from tests.helpers import Server

pytestmark = pytest.mark.browser


def test_the_classic_preset_trains_one_144_unit_sigmoid_network_without_bias(
    app_page: Any, live_server: Server, recognizer: str
) -> None:
    """README: Classic is the original design, one network of 144 sigmoid units and no bias;
    never the default ensemble, whatever the recognizer had before."""
    seed_samples(live_server.url, recognizer, ["L", "X"], per_label=3)
    api = f"{live_server.url}/api/recognizers/{recognizer}"
    assert httpx.get(api, timeout=10).json()["network"]["ensemble"] > 1  # the default before
    page, _ = app_page
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    page.click("#settings summary")
    page.select_option("#preset", "classic")
    page.fill("#max_iterations", "5")
    page.click("#train")
    expect(page.locator("#train-state")).to_have_text("Trained", timeout=60_000)

    network = httpx.get(api, timeout=10).json()["network"]
    chosen = {k: network[k] for k in ("preset", "hidden_layers", "activation", "bias", "ensemble")}
    assert chosen == {
        "preset": "classic",
        "hidden_layers": [144],
        "activation": "sigmoid",
        "bias": False,
        "ensemble": 1,
    }
    model = httpx.get(f"{api}/model", timeout=10).json()["network"]
    # One network: 144 inputs (12 x 12), 144 hidden units, one output per label; not 3 x 144.
    assert (model["sizes"], model["activations"], model["bias"]) == (
        [144, 144, 2],
        ["sigmoid", "sigmoid"],
        False,
    )
    assert model["settings"]["ensemble"] == 1
