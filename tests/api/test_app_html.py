"""GET /api/recognizers/{r}/app.html: the one-file web app, parsed as a browser parses it."""

import base64
import hashlib
import json
from html.parser import HTMLParser
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.routes import one_file_app
from app.routes.pages import frontend_dir
from app.synth import draw
from tests.api.conftest import train_until_done

# Labels that would end the data's script element, open a comment inside it, or end a line of
# JavaScript (U+2028), were they written as they are.
HOSTILE = ["</script><script>alert(1)", "<!--<script>", "a\u2028&b</SCRIPT >"]


class Parsed(HTMLParser):
    """The parts of a page that matter here: its scripts, metas, list items, every attribute."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[dict[str, Any]] = []
        self.metas: list[dict[str, str | None]] = []
        self.items: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self._open: dict[str, Any] | None = None
        self._item: list[str] | None = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attributes += attrs
        if tag == "script":
            self._open = {**dict(attrs), "text": ""}
            self.scripts.append(self._open)
        elif tag == "meta":
            self.metas.append(dict(attrs))
        elif tag == "li":
            self._item = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._open = None
        elif tag == "li" and self._item is not None:
            self.items.append("".join(self._item))
            self._item = None

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open["text"] += data
        elif self._item is not None:
            self._item.append(data)


def sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def policy(page: Parsed) -> dict[str, list[str]]:
    """The file's Content-Security-Policy meta, as directive -> sources."""
    (meta,) = [m for m in page.metas if m.get("http-equiv") == "Content-Security-Policy"]
    content = meta["content"]
    assert content is not None
    return {
        name: sources
        for name, *sources in (part.split() for part in content.split(";") if part.strip())
    }


def train(client: TestClient, labels: dict[str, str]) -> None:
    """Samples of each label (drawn as the letter it maps to), then a short default training."""
    rng = np.random.default_rng(5)
    for label, shape in labels.items():
        for _ in range(5):
            body = {"label": label, "strokes": draw(shape, rng)}
            assert client.post("/api/recognizers/default/samples", json=body).status_code == 201
    status = train_until_done(client, {"network": {"hidden_layers": [8]}, "max_iterations": 5})
    assert status["state"] == "finished", status


def test_unknown_recognizer_and_no_model_are_404(client: TestClient) -> None:
    assert client.get("/api/recognizers/nobody/app.html").status_code == 404
    r = client.get("/api/recognizers/default/app.html")
    assert r.status_code == 404
    assert "no trained model" in r.json()["detail"]


def test_the_file_inlines_the_model_and_the_code_and_forbids_every_request(
    client: TestClient,
) -> None:
    train(client, {"L": "L", "O": "O", "X": "X"})
    r = client.get("/api/recognizers/default/app.html")
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert r.headers["content-disposition"] == 'attachment; filename="default.html"'
    page = Parsed(r.text)

    data, code = page.scripts  # nothing else runs, nothing is loaded
    assert data["type"] == "application/json" and data["id"] == "hwr-model"
    assert json.loads(data["text"]) == client.get("/api/recognizers/default/model").json()
    assert code["type"] == "module" and "src" not in code
    module = (frontend_dir("static") / "hwr-recognizer.js").read_text(encoding="utf-8")
    assert code["text"].startswith(module)
    assert not [a for a in page.attributes if a[0] in ("src", "href", "action", "srcset")]

    csp = policy(page)
    assert csp["default-src"] == ["'none'"] and csp["connect-src"] == ["'none'"]
    assert csp["script-src"] == [sha256(code["text"])]  # exactly this script, no other
    style = one_file_app.inlined()[1]
    assert f"<style>{style}</style>" in r.text and csp["style-src"] == [sha256(style)]
    assert page.items[:3] == ["L", "O", "X"]  # the labels, under the recognizer's name
    assert "<h1>default</h1>" in r.text


def test_no_label_can_break_out_of_the_script(client: TestClient) -> None:
    train(client, dict(zip(HOSTILE, "LOX", strict=True)))
    expected = client.get("/api/recognizers/default/model").json()
    assert expected["labels"] == HOSTILE
    text = client.get("/api/recognizers/default/app.html").text
    page = Parsed(text)
    assert [s.get("type") for s in page.scripts] == ["application/json", "module"]
    assert json.loads(page.scripts[0]["text"]) == expected
    for char in "<>&\u2028":
        assert char not in page.scripts[0]["text"]
    assert page.items[:3] == HOSTILE  # shown as text (escaped), never as markup


@pytest.mark.parametrize("breaker", ["x = '</script>';", "// </SCRIPT", "s = '<!--';"])
def test_code_that_would_end_its_script_is_refused(breaker: str) -> None:
    with pytest.raises(ValueError, match="cannot be inlined"):
        one_file_app.script_safe(f"let a = 1;\n{breaker}\n", "hwr-recognizer.js")
    modules = {"hwr-recognizer.js": breaker, "js/pad.js": ""}
    app_code = 'import { load } from "../hwr-recognizer.js";\nimport { Pad } from "./pad.js";\n'
    with pytest.raises(ValueError, match="cannot be inlined"):
        one_file_app.module_script(modules, app_code)


def test_the_app_code_imports_exactly_the_inlined_modules() -> None:
    modules = {"hwr-recognizer.js": "export const a = 1;", "js/pad.js": "export const b = 2;"}
    with pytest.raises(ValueError, match="imports"):
        one_file_app.module_script(modules, 'import { a } from "../hwr-recognizer.js";\n')
    code = 'import { a } from "../hwr-recognizer.js";\nimport { b } from "./pad.js";\nf(a, b);\n'
    assert one_file_app.module_script(modules, code) == (
        "export const a = 1;\nexport const b = 2;\n{\nf(a, b);\n\n}"
    )
    # The files hwr ships pass, and are read once.
    script, _, _ = one_file_app.inlined()
    assert "</script" not in script.lower() and one_file_app.inlined()[0] is script
