"""The lab page (/lab) in real Chromium: the XOR boundary moves while it trains and the slider
sets the run's learning rate; the circle follows the pointer; the infections demo shows 0.749;
both themes, phone width, crisp canvases, no script errors (the CSP forbids inline script).

Screenshots go to the test's temporary folder, or to docs/ (docs/lab-xor.png, lab-circle.png,
lab-infections.png, lab-dark.png, lab-phone.png) with HWR_LAB_SCREENSHOTS=1.
"""

import hashlib
import math
import os
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.pw import expect
from tests.helpers import Server, wait_for

pytestmark = pytest.mark.browser
DOCS = Path(__file__).resolve().parents[2] / "docs"


def shots(tmp_path: Path) -> Path:
    return DOCS if os.environ.get("HWR_LAB_SCREENSHOTS") == "1" else tmp_path


def canvas_hash(page: Any, selector: str) -> str:
    data = page.evaluate(f"document.querySelector('{selector}').toDataURL()")
    return hashlib.sha1(data.encode()).hexdigest()


def run_of(server: Server, page: Any, panel: str) -> dict[str, Any]:
    run_id = page.get_attribute(f"#panel-{panel}", "data-run-id")
    r = httpx.get(f"{server.url}/api/lab/runs/{run_id}", timeout=10)
    assert r.status_code == 200, r.text
    return dict(r.json())


def still(page: Any, path: Path) -> None:
    page.mouse.move(0, 0)
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.screenshot(path=path, full_page=True, animations="disabled", caret="hide")


def test_xor_boundary_moves_while_training_and_the_slider_sets_the_rate(
    make_page: Any, live_server: Server, tmp_path: Path
) -> None:
    page, _ = make_page(f"{live_server.url}/lab#xor")
    expect(page.locator("#panel-xor .lab-state")).to_have_text("training")
    page.wait_for_function("() => document.querySelector('#xor-boundary').dataset.iteration > 0")
    first = canvas_hash(page, "#xor-boundary")
    wait_for(lambda: canvas_hash(page, "#xor-boundary") != first, timeout=10)

    run = run_of(live_server, page, "xor")
    assert run["learning_rate"] == 2 and run["state"] == "running"
    page.focus("#xor-rate")
    page.keyboard.press("Home")  # the slider's left end: 10^-2
    expect(page.locator("#xor-rate-out")).to_have_text("0.01")
    wait_for(lambda: run_of(live_server, page, "xor")["learning_rate"] == 0.01, timeout=10)
    expect(page.locator('#panel-xor [data-field="learning_rate"]')).to_have_text("0.01")
    for _ in range(30):
        page.keyboard.press("ArrowRight")  # 30 steps of 0.01 in log10: 10^-1.7 = 0.02
    wait_for(lambda: run_of(live_server, page, "xor")["learning_rate"] == 0.02, timeout=10)

    # The right end (100), then back to a good rate: Reset starts a new run with the rate.
    page.keyboard.press("End")
    old = page.get_attribute("#panel-xor", "data-run-id")
    page.click("#xor-reset")
    page.wait_for_function(
        f"() => document.querySelector('#panel-xor').dataset.runId !== '{old}'"
        " && Number(document.querySelector('#panel-xor').dataset.iteration) >= 100",
        timeout=20_000,
    )
    assert run_of(live_server, page, "xor")["learning_rate"] == 100
    page.focus("#xor-rate")
    page.fill("#xor-rate", "0.30103")  # lr 2
    old = page.get_attribute("#panel-xor", "data-run-id")
    page.click("#xor-reset")
    page.wait_for_function(
        f"() => document.querySelector('#panel-xor').dataset.runId !== '{old}'"
        " && Number(document.querySelector('#panel-xor').dataset.iteration) >= 170",
        timeout=20_000,
    )
    run = run_of(live_server, page, "xor")
    assert run["learning_rate"] == 2 and run["loss"] < 0.02
    page.click("#xor-pause")
    expect(page.locator("#panel-xor .lab-state")).to_have_text("paused")
    expect(page.locator("#xor-step")).to_be_enabled()
    before = int(page.get_attribute("#panel-xor", "data-iteration"))
    page.click("#xor-step")
    page.wait_for_function(
        f"() => Number(document.querySelector('#panel-xor').dataset.iteration) === {before + 1}"
    )
    still(page, shots(tmp_path) / "lab-xor.png")


def test_the_circle_follows_the_pointer(
    make_page: Any, live_server: Server, tmp_path: Path
) -> None:
    page, _ = make_page(f"{live_server.url}/lab#circle")
    expect(page.locator("#panel-circle .lab-state")).to_have_text("waiting for the pointer")
    box = page.locator("#circle-pad").bounding_box()
    assert box is not None

    def at(u: float, v: float) -> tuple[float, float]:
        """[-1, 1] coordinates (y up) -> page pixels."""
        return box["x"] + (u + 1) / 2 * box["width"], box["y"] + (1 - v) / 2 * box["height"]

    for k in range(160):  # a loop around the square, as a person would move the mouse
        t = k / 160 * 2 * math.pi
        page.mouse.move(*at(0.8 * math.sin(t), 0.7 * math.sin(2 * t + 0.5)))
        page.wait_for_timeout(12)
    end = (0.55, -0.35)
    page.mouse.move(*at(*end), steps=8)

    def distance() -> float | None:
        attrs = page.evaluate(
            "(() => { const d = document.querySelector('#circle-pad').dataset;"
            " return [d.circleX, d.circleY, d.pointerX, d.pointerY]; })()"
        )
        if None in attrs:
            return None
        cx, cy, px, py = map(float, attrs)
        return math.hypot(cx - px, cy - py)

    def close() -> bool:
        d = distance()
        return d is not None and d < 0.03

    wait_for(close, timeout=20)
    px, py = (
        float(page.get_attribute("#circle-pad", a)) for a in ("data-pointer-x", "data-pointer-y")
    )
    assert math.hypot(px - end[0], py - end[1]) < 0.01  # the pointer is where the mouse is
    run = run_of(live_server, page, "circle")
    assert run["loss"] < 0.01 and len(run["inputs"]) > 50

    # Another network: tanh, two layers; pre-training fills the square in the background.
    page.fill("#circle-layers", "8, 4")
    page.press("#circle-layers", "Enter")
    expect(page.locator("#circle-acts select")).to_have_count(2)
    page.select_option("#circle-acts select >> nth=0", "tanh")
    page.click("#circle-pretrain")  # acts on the run that change started
    expect(page.locator("#panel-circle .lab-state")).to_contain_text("pre-training")
    page.wait_for_function(
        "() => Number(document.querySelector('#panel-circle').dataset.iteration) >= 200"
        " && document.querySelector('#panel-circle .lab-state').textContent"
        " === 'waiting for the pointer'",
        timeout=20_000,
    )
    run = run_of(live_server, page, "circle")
    assert run["network"]["sizes"] == [2, 8, 4, 2]
    assert run["network"]["activations"] == ["tanh", "linear", "linear"]
    assert run["iteration"] >= 200 and run["loss"] < 0.05
    for k in range(60):
        t = k / 60 * 2 * math.pi
        page.mouse.move(*at(0.6 * math.cos(t), 0.6 * math.sin(t)))
        page.wait_for_timeout(12)
    page.mouse.move(*at(-0.3, 0.4), steps=5)
    page.wait_for_function(
        "() => document.querySelector('#circle-pad').dataset.circleX !== undefined"
    )
    wait_for(close, timeout=20)
    page.fill("#circle-layers", "6")
    page.press("#circle-layers", "Enter")
    expect(page.locator("#circle-acts select")).to_have_count(1)
    page.select_option("#circle-acts select", "linear")
    for k in range(120):
        t = k / 120 * 2 * math.pi
        page.mouse.move(*at(0.8 * math.sin(t), 0.7 * math.sin(2 * t + 0.5)))
        page.wait_for_timeout(12)
    page.mouse.move(*at(0.3, 0.45), steps=4)
    wait_for(close, timeout=20)
    still(page, shots(tmp_path) / "lab-circle.png")  # the crosshair stays where it left


def test_infections_shows_the_documented_0_749(
    make_page: Any, live_server: Server, tmp_path: Path
) -> None:
    page, _ = make_page(f"{live_server.url}/lab#infections")
    expect(page.locator('#panel-infections [data-field="reference"]')).to_have_text(
        "0.749", timeout=20_000
    )
    expect(page.locator('#panel-infections [data-field="documented"]')).to_have_text(
        "the demo documented 0.749 ✓"
    )
    expect(page.locator("#inf-rows tr")).to_have_count(4)
    linear = run_of(live_server, page, "infections")
    assert linear["network"]["sizes"] == [2, 1] and linear["reference"]["documented"] == 0.749
    tanh_id = page.get_attribute("#panel-infections", "data-tanh-run-id")
    tanh = httpx.get(f"{live_server.url}/api/lab/runs/{tanh_id}", timeout=10).json()
    assert tanh["network"]["sizes"] == [2, 3, 1]

    # Normalised, the tanh net fits the table quickly; its rate is 100x the raw one.
    page.check("#inf-normalize")
    expect(page.locator('#panel-infections [data-field="rates"]')).to_have_text(
        "rates: linear 0.1 · tanh net 0.1"
    )
    tanh_id = page.get_attribute("#panel-infections", "data-tanh-run-id")
    wait_for(
        lambda: httpx.get(f"{live_server.url}/api/lab/runs/{tanh_id}").json()["loss"] < 0.05,
        timeout=20,
    )
    expect(page.locator("#inf-why")).to_contain_text("[−1, 1]")
    page.uncheck("#inf-normalize")
    page.wait_for_function(
        "() => Number(document.querySelector('#panel-infections [data-field=iteration]')"
        ".textContent.replace(/,/g, '')) >= 400",
        timeout=20_000,
    )
    still(page, shots(tmp_path) / "lab-infections.png")


def test_dark_theme_phone_width_and_crisp_canvases(
    make_page: Any, live_server: Server, tmp_path: Path
) -> None:
    page, _ = make_page(
        f"{live_server.url}/lab#xor",
        color_scheme="dark",
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        has_touch=True,
        is_mobile=True,
    )
    page.wait_for_function(
        "() => Number(document.querySelector('#panel-xor').dataset.iteration) >= 150",
        timeout=20_000,
    )
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide at a 390 px viewport"
    for canvas in ("#xor-boundary", "#xor-loss", "#xor-net"):
        backing, css = page.evaluate(
            f"(() => {{ const c = document.querySelector('{canvas}');"
            " return [c.width, c.getBoundingClientRect().width]; })()"
        )
        assert backing == round(css * 2), (canvas, backing, css)
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(14, 17, 23)"  # app.css's dark --bg
    still(page, shots(tmp_path) / "lab-phone.png")

    # Touch on the pad trains the circle too (phone).
    page.click("#tab-circle")
    expect(page.locator("#panel-circle .lab-state")).to_have_text("waiting for the pointer")
    box = page.locator("#circle-pad").bounding_box()
    assert box is not None
    page.touchscreen.tap(box["x"] + box["width"] * 0.7, box["y"] + box["height"] * 0.3)
    page.wait_for_function(
        "() => document.querySelector('#circle-pad').dataset.circleX !== undefined"
    )
    assert float(page.get_attribute("#circle-pad", "data-pointer-x")) == pytest.approx(
        0.4, abs=0.02
    )

    dark = make_page(f"{live_server.url}/lab#xor", color_scheme="dark")[0]
    dark.wait_for_function(
        "() => Number(document.querySelector('#panel-xor').dataset.iteration) >= 150",
        timeout=20_000,
    )
    still(dark, shots(tmp_path) / "lab-dark.png")


def test_the_lab_survives_a_run_dropped_on_the_server(make_page: Any, live_server: Server) -> None:
    """A run deleted behind the page's back (as the server does after lab_idle_seconds) is
    started again by the page, with the same settings."""
    page, _ = make_page(f"{live_server.url}/lab#xor")
    page.wait_for_function("() => document.querySelector('#panel-xor').dataset.runId")
    old = page.get_attribute("#panel-xor", "data-run-id")
    assert httpx.delete(f"{live_server.url}/api/lab/runs/{old}").status_code == 204
    page.wait_for_function(f"() => document.querySelector('#panel-xor').dataset.runId !== '{old}'")
    expect(page.locator("#panel-xor .lab-state")).to_have_text("training")
    # Switching demos deletes the old demo's run.
    page.click("#tab-infections")
    new = page.get_attribute("#panel-xor", "data-run-id")
    wait_for(lambda: httpx.get(f"{live_server.url}/api/lab/runs/{new}").status_code == 404)


def test_a_restart_while_a_run_is_being_created_keeps_the_new_settings(
    make_page: Any, live_server: Server
) -> None:
    """Changing the layers and, at once, an activation: the second change must win even
    though the first change's run is still being created (it is dropped)."""
    page, _ = make_page(f"{live_server.url}/lab#xor")
    result = page.evaluate(
        """async () => {
          const { LiveRun } = await import('/static/js/lab/run.js');
          const base = { task: 'identity', hidden_layers: [8, 4] };
          const live = new LiveRun({ ...base, activation: ['linear', 'linear'] },
                                   { onRun: () => {} });
          const first = live.start();  // its POST is in flight ...
          const second = live.restart({ ...base, activation: ['tanh', 'linear'] });
          const [old, run] = await Promise.all([first, second]);
          live.close();
          return { old, run };
        }"""
    )
    assert result["old"] is None  # created with the old settings, then dropped
    assert result["run"]["network"]["activations"] == ["tanh", "linear", "linear"]


CIRCLE = "[role=tabpanel][aria-labelledby=tab-circle]"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_the_circle_refuses_bad_layers_at_their_field(
    make_page: Any, live_server: Server, phone: bool
) -> None:
    """As the main page refuses its fields: marked, explained just below (tied to the field by
    aria-describedby), focused; no banner, and the run goes on."""
    page, _ = make_page(f"{live_server.url}/lab#circle", **(PHONE if phone else {}))
    expect(page.locator(f"{CIRCLE} .lab-state")).to_have_text("waiting for the pointer")
    run_id = page.get_attribute(CIRCLE, "data-run-id")
    layers = page.locator("#circle-layers")
    layers.fill("8, 40")
    page.keyboard.press("Tab")  # leaving the field checks it
    expect(layers).to_have_attribute("aria-invalid", "true")
    expect(layers).to_be_focused()
    expect(page.locator("#lab-message")).to_be_hidden()
    message = "Hidden layers: up to 4 numbers of 1 to 32 units, e.g. 6 or 8, 4."
    described = (layers.get_attribute("aria-describedby") or "").split()
    shown = [i for i in described if page.locator(f"#{i}").is_visible()]
    texts = {i: page.locator(f"#{i}").inner_text() for i in shown}
    assert message in texts.values(), texts
    error = page.locator(f"#{next(i for i, t in texts.items() if t == message)}")
    field, note = layers.bounding_box(), error.bounding_box()
    assert field is not None and note is not None
    assert 0 <= note["y"] - (field["y"] + field["height"]) < 40, (field, note)  # just below it
    assert note["x"] < field["x"] + field["width"] and field["x"] < note["x"] + note["width"]
    assert page.get_attribute(CIRCLE, "data-run-id") == run_id

    layers.fill("8, 4")
    layers.press("Enter")
    expect(page.locator("#circle-acts select")).to_have_count(2)
    expect(layers).not_to_have_attribute("aria-invalid", "true")
    expect(error).to_be_hidden()
    assert error.get_attribute("id") not in (layers.get_attribute("aria-describedby") or "")


def test_the_circles_samples_are_a_count_while_it_pre_trains(
    make_page: Any, live_server: Server
) -> None:
    page, _ = make_page(f"{live_server.url}/lab#circle")
    samples = page.locator(f'{CIRCLE} [data-field="samples"]')
    expect(page.locator(f"{CIRCLE} .lab-state")).to_have_text("waiting for the pointer")
    expect(samples).to_have_text("0")
    box = page.locator("#circle-pad").bounding_box()
    assert box is not None
    for k in range(12):
        page.mouse.move(box["x"] + box["width"] * (0.2 + k / 20), box["y"] + box["height"] / 2)
    expect(samples).not_to_have_text("0")
    page.click("#circle-pretrain")
    during = page.wait_for_function(
        f"""() => {{
          const state = document.querySelector('{CIRCLE} .lab-state').textContent;
          const n = document.querySelector('{CIRCLE} [data-field="samples"]').textContent;
          return state.startsWith('pre-training') && n;
        }}"""
    ).json_value()
    assert during.isdigit() and int(during) > 0, during
    expect(page.locator(f"{CIRCLE} .lab-state")).to_have_text("training", timeout=20_000)
    assert samples.inner_text().isdigit()
