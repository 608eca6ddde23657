"""Labels on the main page: a long label stays on one line wherever it shows (an ellipsis when
there is no room, the whole label on hover and for screen readers), the confusion matrix's cells
all show their drawings, a new sample comes into view, and what the page says about labels."""

import re
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.drawing import draw_letter
from tests.browser.helpers import add_samples, summary
from tests.browser.pw import expect
from tests.helpers import Server, wait_for

pytestmark = pytest.mark.browser

LONG = "abcdefghijklmnopqrstuvwxyz012345"  # 32 characters: the longest label the server takes
WORDS = "a very long label with words ok"
SHORT = "brandnew"
WIDE = "M" * 32  # the widest letters: the network drawing must measure, not count
SHAPES = {LONG: "L", WORDS: "O", SHORT: "X", WIDE: "V"}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}

# Every element that shows one label, as the page has it: its text, its title, how many lines it
# takes (line boxes of its text, and its content height against its line height), whether the
# text is cut (an ellipsis), and where it sits against its card and the viewport.
LABELS = """(selectors) => selectors.flatMap((selector) =>
  [...document.querySelectorAll(selector)].map((node) => {
    const style = getComputedStyle(node);
    const range = document.createRange();
    range.selectNodeContents(node);
    const rects = [...range.getClientRects()].filter((r) => r.width > 0);
    const size = parseFloat(style.fontSize);
    const line = style.lineHeight === 'normal' ? size * 1.25 : parseFloat(style.lineHeight);
    const box = node.getBoundingClientRect();
    const card = node.closest('.card, .dialog').getBoundingClientRect();
    return {
      selector, text: node.textContent, title: node.title,
      lines: new Set(rects.map((r) => Math.round(r.top))).size,
      content: node.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom),
      line, cut: node.scrollWidth > node.clientWidth + 1,
      inside: box.left >= card.left - 0.5 && box.right <= card.right + 0.5,
      right: box.right,
    };
  }))"""


def shown_labels(page: Any, selectors: list[str]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = page.evaluate(LABELS, selectors)
    for selector in selectors:
        assert any(f["selector"] == selector for f in found), f"nothing matches {selector}"
    return found


def no_wider_than_the_viewport(page: Any) -> None:
    width = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert width[0] <= width[1], f"the page is {width[0]} px wide in a {width[1]} px viewport"


@pytest.fixture(scope="module")
def trained(live_server: Server) -> str:
    """The module's recognizer: long labels, the widest one, a short word; trained."""
    name = f"long-{uuid.uuid4().hex[:8]}"
    api = f"{live_server.url}/api/recognizers"
    assert httpx.post(api, json={"name": name}, timeout=10).status_code == 201
    add_samples(live_server.url, name, SHAPES, 8)
    r = httpx.post(f"{api}/{name}/training", json={"network": {"seed": 3}}, timeout=10)
    assert r.status_code == 202, r.text
    wait_for(lambda: summary(live_server.url, name)["model"]["trained"], timeout=120)
    return name


def network_text_right_edge(page: Any) -> float:
    """How far right (CSS px) the network drawing has ink beside its output units: the output
    names are the rightmost things drawn, and a name cut by the edge has ink in its last column."""
    return float(
        page.evaluate(
            """() => {
              const canvas = document.querySelector('#net');
              const { width, height } = canvas;
              const data = canvas.getContext('2d').getImageData(0, 0, width, height).data;
              const ratio = width / canvas.getBoundingClientRect().width;
              const top = Math.round(20 * ratio);
              let right = 0;
              for (let y = top; y < height; y += 1) {
                for (let x = width - 1; x > right; x -= 1) {
                  if (data[(y * width + x) * 4 + 3] > 60) { right = x; break; }
                }
              }
              return (right + 1) / ratio;
            }"""
        )
    )


@pytest.mark.parametrize("kind", ["desktop", "phone"])
def test_long_labels_take_one_line_everywhere_and_keep_their_full_text(
    make_page: Any, live_server: Server, trained: str, kind: str, tmp_path: Path
) -> None:
    page, _ = make_page(f"{live_server.url}/?r={trained}", **(PHONE if kind == "phone" else {}))
    draw_letter(page, "L", 5)
    page.click("#check")
    expect(page.locator("#result")).to_have_attribute("data-verdict", "known")
    expect(page.locator("#result-label")).to_have_text(LONG)
    expect(page.locator("#bars li")).to_have_count(len(SHAPES))
    # The network card: its drawing, the path of this Check, and a unit's favourite drawings.
    page.locator("#network-card").scroll_into_view_if_needed()
    expect(page.locator("#units")).to_have_attribute("data-tiles", "144")
    expect(page.locator("#path .bar")).to_have_count(len(SHAPES) + 1)  # and "none"
    page.locator("#units").click(position={"x": 8, "y": 8})
    expect(page.locator("#unit-top-list li").first).to_be_visible()
    expect(page.locator("#replay-guesses li").first).to_be_visible()

    selectors = [
        "#result-label",
        "#bars .bar-label",
        ".gallery-label",
        "#confusion th.col-head",
        "#confusion th.row-head",
        "#path .bar-label",
        "#replay-guesses .guess-label",
        "#unit-top-list .unit-fav-label",
    ]
    found = shown_labels(page, selectors)
    for shown in found:
        where = f"{kind} {shown['selector']} {shown['text']!r}"
        assert shown["lines"] == 1, f"{where} takes {shown['lines']} lines"
        if not shown["selector"].startswith("#confusion"):  # a cell is as high as its row
            assert shown["content"] <= 1.5 * shown["line"], f"{where}: {shown}"
            # (and the matrix scrolls sideways inside its card)
            assert shown["inside"], f"{where} sticks out of its card: {shown}"
        if shown["text"] == SHORT and not shown["selector"].startswith("#replay"):
            assert not shown["cut"], f"{where}: a short word is shown whole"
    # The whole label on hover (title) where the text may be cut; the text itself is whole, so
    # it is what a screen reader says. A replay guess says its whole sentence in its item's.
    for shown in found:
        if shown["selector"] != "#replay-guesses .guess-label":
            assert shown["text"] in [*SHAPES, "none"]  # the path's outputs end with "none"
            assert shown["text"] in shown["title"], f"{kind}: no full title on {shown}"
    titles = page.locator("#replay-guesses li").evaluate_all("(li) => li.map((i) => i.title)")
    assert titles and all(any(label in t for label in SHAPES) for t in titles), titles
    assert {s["text"] for s in found if s["selector"] == ".gallery-label"} == set(SHAPES)
    no_wider_than_the_viewport(page)

    # The network drawing: each output's name fits inside the canvas (measured, then cut with
    # an ellipsis), and the whole names are in its accessible description.
    net = page.locator("#net")
    width = net.evaluate("(canvas) => canvas.getBoundingClientRect().width")
    assert network_text_right_edge(page) <= width - 4
    described = net.get_attribute("aria-description") or ""
    assert all(label in described for label in SHAPES), described

    # Pictures to look at: the page and each card with labels, light and dark.
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.evaluate("window.scrollTo(0, 0)")
        page.mouse.move(0, 0)
        page.screenshot(
            path=tmp_path / f"labels-{kind}-{scheme}.png", full_page=True, animations="disabled"
        )
        for card in ("draw", "samples", "validation", "network"):
            selector = {
                "draw": ".draw-card",
                "samples": "section:has(> .card-head #samples-title)",
                "validation": "#validation-card",
                "network": "#network-card",
            }[card]
            page.locator(selector).screenshot(
                path=tmp_path / f"labels-{kind}-{scheme}-{card}.png", animations="disabled"
            )


def test_a_right_answer_cell_shows_its_drawings_like_the_others(
    make_page: Any, live_server: Server, trained: str
) -> None:
    page, _ = make_page(f"{live_server.url}/?r={trained}")
    validation = summary(live_server.url, trained)["model"]["validation"]
    labels, confusion = validation["labels"], validation["confusion"]
    expect(page.locator(".confusion-help")).to_contain_text("Click a number to see those samples")
    for i, label in enumerate(labels):
        page.click(f'#confusion td[data-row="{i}"][data-col="{i}"] button')
        detail = page.locator("#confusion-detail")
        expect(detail).to_have_attribute("data-row", str(i))
        expect(detail).to_have_attribute("data-col", str(i))
        right = {h["id"] for h in validation["held_out"] if h["label"] == h["recognised"] == label}
        assert len(right) == confusion[i][i] > 0
        thumbs = page.locator("#confusion-thumbs li")
        expect(thumbs).to_have_count(confusion[i][i])
        assert set(thumbs.evaluate_all("(items) => items.map((li) => +li.dataset.id)")) == right
        expect(page.locator("#confusion-detail-text")).to_contain_text(
            f"{confusion[i][i]} of {sum(confusion[i])} out-of-fold samples of “{label}”"
            " were recognised right"
        )
    # A thumbnail points at its drawing among the samples.
    first = page.locator("#confusion-thumbs li").first
    sample_id = first.get_attribute("data-id")
    first.locator("button").click()
    expect(page.locator(f'#galleries .thumb-item[data-id="{sample_id}"]')).to_have_class(
        re.compile(r"\bfresh\b")
    )


def add_drawn(page: Any, label: str, shape: str, seed: int) -> None:
    """Draw `shape`, type `label` in the label field and press Add sample."""
    draw_letter(page, shape, seed)
    page.fill("#label", label)
    page.click("#add-sample")
    expect(page.locator("#preview")).to_have_attribute("data-strokes", "0")  # added: cleared


def test_a_new_sample_of_a_label_far_down_the_box_is_scrolled_into_view(
    seeded_page: Any, live_server: Server, recognizer: str
) -> None:
    letters = ["I", "L", "T", "O", "X", "V", "Z", "N", "H", "C", "U", "E"]
    page, _ = seeded_page(letters, per_label=3)
    box = page.locator("#galleries")
    assert box.evaluate("(g) => g.scrollHeight > g.clientHeight + 200"), "the box should scroll"
    assert box.evaluate("(g) => g.scrollTop") == 0
    add_drawn(page, "E", "E", seed=3)
    expect(page.locator('.gallery[data-label="E"] .thumb-item')).to_have_count(4)
    new_id = max(
        s["id"]
        for s in httpx.get(
            f"{live_server.url}/api/recognizers/{recognizer}/samples", timeout=10
        ).json()
    )
    # Within the box's visible part and the viewport (a smooth scroll takes a moment).
    page.wait_for_function(
        """(id) => {
          const item = document.querySelector(`#galleries .thumb-item[data-id="${id}"]`);
          const a = document.querySelector('#galleries').getBoundingClientRect();
          const b = item.getBoundingClientRect();
          // (a pixel's leeway: the boxes sit at fractions of a pixel)
          return b.top >= a.top - 1 && b.bottom <= a.bottom + 1
            && b.top >= 0 && b.bottom <= innerHeight;
        }""",
        arg=new_id,
    )


def test_the_added_message_counts_this_label_and_all(
    seeded_page: Any, live_server: Server, recognizer: str
) -> None:
    page, _ = seeded_page(["L", "X"], per_label=2)
    add_drawn(page, "0", "O", seed=4)
    expect(page.locator("#notice-text")).to_have_text(
        "Added a sample of “0”: 1 of this label, 5 in all."
    )
    add_drawn(page, "0", "O", seed=5)
    expect(page.locator("#notice-text")).to_have_text(
        "Added a sample of “0”: 2 of this label, 6 in all."
    )


def ok(page: Any, value: str) -> None:
    """Type `value` in the open dialog's field and press its OK."""
    expect(page.locator("#ask-dialog")).to_be_visible()
    page.fill("#ask-input", value)
    page.click("#ask-ok")


def test_renaming_onto_an_existing_label_says_merged_and_the_label_field_follows(
    app_page: Any, live_server: Server, recognizer: str
) -> None:
    add_samples(live_server.url, recognizer, {"zero": "O", "0": "O", "tmp": "L"}, 2)
    page, _ = app_page
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    page.fill("#label", "tmp")
    page.get_by_role("button", name="Rename label tmp").click()
    ok(page, "temp")
    expect(page.locator("#ask-dialog")).to_be_hidden()
    expect(page.locator("#notice-text")).to_have_text("Renamed “tmp” to “temp” (2 samples).")
    # The label field held the old name: it holds the new one, a label that exists.
    expect(page.locator("#label")).to_have_value("temp")
    expect(page.locator("#label-new")).to_be_hidden()

    page.fill("#label", "zero")
    page.get_by_role("button", name="Rename label zero").click()
    ok(page, "0")
    expect(page.locator("#ask-dialog")).to_be_hidden()
    expect(page.locator("#notice-text")).to_have_text(
        "Merged “zero” into “0” (2 samples, 4 in all)."
    )
    expect(page.locator(".gallery[data-label='0'] .gallery-count")).to_have_text("4 samples")
    expect(page.locator("#label")).to_have_value("0")
    expect(page.locator("#label-new")).to_be_hidden()


def test_the_label_dialogs_take_what_the_server_takes_and_say_why_not(
    app_page: Any, live_server: Server, recognizer: str
) -> None:
    add_samples(live_server.url, recognizer, {"A": "A", "L": "L"}, 1)
    page, _ = app_page
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    limit = page.locator("#label").get_attribute("maxlength")
    assert limit == "32"
    for opener in ("Rename label A", "Move sample 1 of A to another label"):
        page.get_by_role("button", name=opener).click()
        expect(page.locator("#ask-input")).to_have_attribute("maxlength", limit)
        page.fill("#ask-input", "")
        page.locator("#ask-input").press_sequentially("x" * 40)
        expect(page.locator("#ask-input")).to_have_value("x" * 32)
        page.click("#ask-cancel")

    # What the server refuses shows at the field, in words, and the dialog stays open.
    page.get_by_role("button", name="Rename label A").click()
    ok(page, "a\u200bb")
    error = page.locator("#ask-error")
    expect(error).to_have_text("Label must not contain control or invisible characters.")
    field = page.locator("#ask-input")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_attribute("aria-describedby", re.compile(r"\bask-error\b"))
    expect(page.locator("#ask-dialog")).to_be_visible()
    field.press_sequentially("c")  # editing clears the mark
    expect(field).not_to_have_attribute("aria-invalid", "true")
    page.click("#ask-cancel")
    assert {c["label"] for c in summary(live_server.url, recognizer)["labels"]} == {"A", "L"}
    # The recognizer's rename keeps its own limit.
    page.click("#recognizer-menu summary")
    page.click("#rename-recognizer")
    expect(page.locator("#ask-input")).to_have_attribute("maxlength", "64")
