"""The settings form: what the page sends on Train is what the server's settings say."""

from typing import Any

import httpx
import pytest

from tests.browser.drawing import seed_samples
from tests.browser.helpers import open_settings
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
    open_settings(page)
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


def settings(url: str) -> dict[str, Any]:
    r = httpx.get(f"{url}/api/settings", timeout=10)
    assert r.status_code == 200, r.text
    return dict(r.json())


def other_value(prop: dict[str, Any], current: Any) -> tuple[str, Any]:
    """A valid value unlike `current` for a schema property: (what to type, what is sent)."""
    options = [p for p in prop.get("anyOf", [prop]) if p.get("type") != "null"]
    kind = options[0]
    if "enum" in kind:
        value = next(v for v in reversed(kind["enum"]) if v != current)
        return value, value
    if kind.get("type") == "boolean":
        return "toggle", not current
    if kind.get("type") == "array":
        return "16, 8", [16, 8]
    low = kind.get("minimum", kind.get("exclusiveMinimum", 0))
    high = min(kind.get("maximum", kind.get("exclusiveMaximum", low + 10)), low + 100)
    value = (low + high) / 2
    if kind["type"] == "integer":
        value = int(value) if int(value) != current else int(value) + 1
    return str(value), value


def fill(page: Any, name: str, typed: Any) -> None:
    control = page.locator(f"#{name}")
    tag = control.evaluate("n => n.tagName")
    if tag == "SELECT":
        control.select_option(typed)
    elif typed == "toggle":
        control.click()
    else:
        control.fill(typed)


def test_every_setting_has_a_control_and_each_value_goes_with_train(
    seeded_page: Any, live_server: Server, recognizer: str
) -> None:
    declared = settings(live_server.url)
    properties = declared["network"]["properties"]
    page, _ = seeded_page(["L", "X"], per_label=3)
    current = httpx.get(f"{live_server.url}/api/recognizers/{recognizer}", timeout=10).json()
    open_settings(page)
    expected = {}
    # Batch size counts in mini-batch mode only: the mode is chosen last.
    for name in sorted(p for p in properties if p != "preset"):
        if name == "mode":
            continue
        typed, expected[name] = other_value(properties[name], current["network"][name])
        fill(page, name, typed)
        label = page.locator(f"label:has(#{name})")
        expect(label).to_contain_text(properties[name]["title"].split(" ")[0])
    typed, expected["mode"] = other_value(properties["mode"], current["network"]["mode"])
    fill(page, "mode", typed)
    page.fill("#max_iterations", "3")
    expected["preset"] = None  # an edited field leaves the preset
    assert set(expected) == set(properties)
    for name, prop in properties.items():
        if "description" in prop:
            hint = page.locator(f"#{name}").get_attribute("aria-describedby")
            expect(page.locator(f"#{hint}")).to_contain_text(prop["description"][1:])
    with page.expect_request(lambda r: r.url.endswith("/training") and r.method == "POST") as sent:
        page.click("#train")
    assert sent.value.post_data_json["network"] == expected


def test_a_new_setting_on_the_server_is_shown_and_sent_with_no_change_to_the_page(
    app_page: Any, live_server: Server, recognizer: str
) -> None:
    """A field added to NetworkSettings (here simulated in /api/settings' answer) gets a control
    with its name, bounds, default and description, and goes with Train."""
    declared = settings(live_server.url)
    declared["network"]["properties"]["weight_decay"] = {
        "type": "number",
        "minimum": 0,
        "maximum": 1,
        "default": 0,
        "title": "Weight Decay",
        "description": "shrinks every weight a little at each update",
    }
    for values in declared["presets"].values():
        values["weight_decay"] = 0
    seed_samples(live_server.url, recognizer, ["L", "X"], per_label=3)
    page, _ = app_page
    page.route("**/api/settings", lambda route: route.fulfill(json=declared))
    status = httpx.get(f"{live_server.url}/api/recognizers/{recognizer}/training", timeout=10)
    page.route(
        "**/training",
        lambda route: (
            route.fulfill(status=202, json=status.json())
            if route.request.method == "POST"
            else route.continue_()
        ),
    )
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    open_settings(page)
    field = page.locator("#weight_decay")
    expect(field).to_have_value("0")
    expect(field).to_have_attribute("type", "number")
    expect(field).to_have_attribute("max", "1")
    expect(page.locator("#learning-fields label:has(#weight_decay)")).to_contain_text(
        "Weight decay"
    )
    expect(page.locator("#weight_decay-hint")).to_have_text(
        "Shrinks every weight a little at each update."
    )
    field.fill("1.5")
    page.click("#train")
    expect(page.locator("#weight_decay-error")).to_have_text(
        "Weight decay must be a number from 0 to 1."
    )
    expect(field).to_be_focused()
    field.fill("0.25")
    with page.expect_request(lambda r: r.url.endswith("/training") and r.method == "POST") as sent:
        page.click("#train")
    assert sent.value.post_data_json["network"]["weight_decay"] == 0.25
