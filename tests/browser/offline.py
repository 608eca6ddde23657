"""A page opened as on a machine without internet: every request to another host is refused
(and remembered), and the page's Content-Security-Policy refusals are collected."""

from dataclasses import dataclass, field
from typing import Any

# Installed before any script of the page runs; a refusal while the HTML is parsed counts too.
WATCH_CSP = """
window.__cspRefusals = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspRefusals.push(`${e.effectiveDirective} refused ${e.blockedURI || 'inline'}`);
});
"""


@dataclass
class Offline:
    """Lets through what goes to `origin`, refuses the rest as a disconnected machine would."""

    origin: str
    refused: list[str] = field(default_factory=list)

    def __call__(self, route: Any) -> None:
        url = route.request.url
        if url == self.origin or url.startswith(self.origin + "/"):
            route.continue_()
        else:
            self.refused.append(url)
            route.abort("internetdisconnected")


def open_offline(make_page: Any, origin: str, path: str, **options: Any) -> tuple[Any, Offline]:
    """`make_page`'s page (its console and script errors fail the test) on `origin + path`,
    offline; returns (page, offline) once the document has loaded."""
    page, _ = make_page("about:blank", ready=False, **options)
    offline = Offline(origin)
    page.context.route("**/*", offline)
    page.add_init_script(WATCH_CSP)
    response = page.goto(origin + path)
    assert response is not None and response.status == 200, path
    return page, offline


def csp_refusals(page: Any) -> list[str]:
    return list(page.evaluate("window.__cspRefusals"))
