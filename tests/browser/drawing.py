"""Drive the drawing pad like a person: app.synth letters, scaled into the pad, drawn with
real mouse movements or touch events."""

from typing import Any

import httpx
import numpy as np

from app import scribbles
from app.synth import dataset, draw

Path2D = list[list[tuple[float, float]]]
# Chromium takes about one frame (16 ms) per mouse event: a point every ~20 px keeps a letter
# to about a second of movements; `steps=2` adds the moves in between.
STEP = 20.0


def letter(label: str, seed: int) -> list[list[list[float]]]:
    """A jittered drawing of `label` from app.synth, in its own pixel box."""
    return draw(label, np.random.default_rng(seed), step=STEP)


def scribble(kind: str, seed: int, step: float = 12.0) -> list[list[list[float]]]:
    """A generated scribble (app.scribbles) thinned to a point every `step` px of its own box
    scaled to 300 px, so the mouse draws it in about a second."""
    strokes = scribbles.draw(kind, np.random.default_rng(seed))
    points = np.array([p[:2] for s in strokes for p in s])
    span = max(float((points.max(axis=0) - points.min(axis=0)).max()), 1.0)
    gap = step * span / 300
    thinned = []
    for stroke in strokes:
        kept = [stroke[0]]
        for point in stroke[1:]:
            if np.hypot(point[0] - kept[-1][0], point[1] - kept[-1][1]) >= gap:
                kept.append(point)
        if len(stroke) > 1 and kept[-1] is not stroke[-1]:
            kept.append(stroke[-1])
        thinned.append([list(map(float, p[:2])) for p in kept])
    return thinned


def fit(strokes: list[list[list[float]]], box: dict[str, float], margin: float = 0.15) -> Path2D:
    """Scale synth strokes (any box) into the page rectangle `box`, centred, keeping shape."""
    points = np.array([p[:2] for s in strokes for p in s])
    lo, hi = points.min(axis=0), points.max(axis=0)
    span = max(float((hi - lo).max()), 1.0)
    inner = min(box["width"], box["height"]) * (1 - 2 * margin)
    scale = inner / span
    centre = (lo + hi) / 2
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    return [
        [(cx + (x - centre[0]) * scale, cy + (y - centre[1]) * scale) for x, y, *_ in stroke]
        for stroke in strokes
    ]


def pad_box(page: Any) -> dict[str, float]:
    """The pad's rectangle in the viewport, scrolled into view first (mouse events need it)."""
    pad = page.locator("#pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    assert box is not None
    return dict(box)


def mouse_draw(page: Any, strokes: Path2D) -> None:
    for stroke in strokes:
        page.mouse.move(*stroke[0])
        page.mouse.down()
        for x, y in stroke[1:]:
            page.mouse.move(x, y, steps=2)
        page.mouse.up()


def draw_letter(page: Any, label: str, seed: int) -> int:
    """Draw one jittered `label` on the pad with the mouse; returns the number of strokes."""
    strokes = fit(letter(label, seed), pad_box(page))
    mouse_draw(page, strokes)
    return len(strokes)


def touch_draw(page: Any, cdp: Any, strokes: Path2D) -> None:
    """One finger per stroke through CDP: Chromium turns these into touch pointer events."""
    for stroke in strokes:
        x, y = stroke[0]
        cdp.send(
            "Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]}
        )
        for x, y in stroke[1:]:
            cdp.send(
                "Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]}
            )
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def seed_samples(url: str, recognizer: str, labels: list[str], per_label: int) -> None:
    """Add synthetic samples through the API (fast), for tests about training and checking."""
    for label, strokes in dataset(labels, per_label, seed=7):
        r = httpx.post(
            f"{url}/api/recognizers/{recognizer}/samples",
            json={"label": label, "strokes": strokes},
            timeout=10,
        )
        assert r.status_code == 201, r.text
