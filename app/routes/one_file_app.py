"""The one-file web app (GET /api/recognizers/{r}/app.html): templates/one-file-app.html with
hwr-recognizer.js, the drawing pad and the app's own code inlined in one module script, its CSS
in a <style>, and a model document as data, under a Content-Security-Policy that allows exactly
that script and that style (by their hashes) and no request of any kind.

The code and the style are read once (they change only with hwr); the model changes per file.
"""

import base64
import hashlib
import json
import posixpath
import re
from functools import cache
from typing import Any

from markupsafe import Markup

from app import __version__
from app.routes.pages import TEMPLATES, frontend_dir

TEMPLATE = "one-file-app.html"
STYLES = ("css/shared.css", "css/one-file-app.css")  # shared.css: what the page's style shares
APP_CODE = "js/one-file-app.js"  # imports the MODULES below, nothing else
MODULES = ("hwr-recognizer.js", "js/pad.js")  # dependency-free ES modules, inlined as they are
IMPORT = re.compile(r'^import \{[^}]*\} from "([^"]+)";\n', re.MULTILINE)
# Text that ends a script element early ("</script") or makes "</script>" not end it ("<!--"
# before a "<script"): neither may appear in inlined code, whatever the quoting in the code.
SCRIPT_BREAKERS = ("</script", "<!--")
# The only characters of a JSON text that HTML reads inside a script element (ensure_ascii
# already writes U+2028 and U+2029, and every other non-ASCII character, as \u escapes).
JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"}


def script_safe(text: str, name: str) -> str:
    """`text` if it can sit inside a <script> element as it is; ValueError naming `name` if not
    (a bug of hwr's own files, so a 500 with its log, never a broken download)."""
    lowered = text.lower()
    for breaker in SCRIPT_BREAKERS:
        if breaker in lowered:
            raise ValueError(f"{name} contains {breaker!r}: it cannot be inlined in a script")
    return text


def _read(path: str) -> str:
    # The HTML parser turns CRLF into LF, and the CSP hash is of the parsed text.
    return (frontend_dir("static") / path).read_text(encoding="utf-8").replace("\r\n", "\n")


def module_script(modules: dict[str, str], app_code: str) -> str:
    """One module script: the modules as they are, then the app's code without its import
    lines, in a block of its own so that its names never clash with the modules' names."""
    folder = posixpath.dirname(APP_CODE)
    imported = {posixpath.normpath(posixpath.join(folder, s)) for s in IMPORT.findall(app_code)}
    if imported != set(modules):
        raise ValueError(f"{APP_CODE} imports {sorted(imported)}, not {sorted(modules)}")
    for path, source in modules.items():
        if IMPORT.search(source):
            raise ValueError(f"{path} imports something: only dependency-free modules are inlined")
    own = IMPORT.sub("", app_code)
    code = "\n".join([*modules.values(), "{", own, "}"])
    return script_safe(code, " + ".join([*modules, APP_CODE]))


@cache
def inlined() -> tuple[str, str, str]:
    """(script, style, Content-Security-Policy): the same for every file this hwr writes."""
    script = module_script({path: _read(path) for path in MODULES}, _read(APP_CODE))
    style = "\n".join(_read(path) for path in STYLES)
    if "</style" in style.lower():
        raise ValueError(f"{' + '.join(STYLES)} contains '</style'")
    csp = (
        f"default-src 'none'; script-src {source_hash(script)}; style-src {source_hash(style)}; "
        "connect-src 'none'; img-src 'none'; form-action 'none'; base-uri 'none'"
    )
    return script, style, csp


def source_hash(text: str) -> str:
    """A CSP source that allows exactly the inline element whose text is `text`."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def json_for_script(document: Any) -> str:
    """JSON text that can sit inside a <script> element and parses back to `document`: no
    label or value can end the element (`</script>` becomes `\\u003c/script\\u003e`)."""
    text = json.dumps(document, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
    for char, escape in JSON_ESCAPES.items():
        text = text.replace(char, escape)
    return text


def render(name: str, document: dict[str, Any]) -> str:
    """The whole file for recognizer `name` and its model document (GET .../model's JSON)."""
    script, style, csp = inlined()
    # Markup: inserted as they are. The code and the style passed the checks of inlined(), the
    # model is escaped by json_for_script; the name and the labels are escaped by the template.
    return TEMPLATES.env.get_template(TEMPLATE).render(
        name=name,
        labels=document["labels"],
        version=__version__,
        csp=csp,
        style=Markup(style),
        script=Markup(script),
        model=Markup(json_for_script(document)),
    )
