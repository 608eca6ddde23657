"""The API documentation (/docs, the footer's "API" link) on a machine without internet: its
Swagger UI comes from the server itself, under the pages' own Content-Security-Policy (no other
host, no inline script). FastAPI's /redoc, which fetches from a CDN whatever it is given, is off."""

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.helpers import shoot
from tests.browser.offline import csp_refusals, open_offline
from tests.browser.pw import expect
from tests.helpers import Server

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
HEALTH = "#operations-meta-health_api_health_get"


def policy(url: str) -> str:
    return httpx.get(url, timeout=10).headers["content-security-policy"]


def test_docs_render_offline_and_try_an_operation(
    make_page: Any, live_server: Server, tmp_path: Path
) -> None:
    page, offline = open_offline(make_page, live_server.url, "/docs")
    health = page.locator(HEALTH)
    expect(health.locator(".opblock-summary-path")).to_have_text("/api/health")
    expect(page.locator(".opblock")).to_have_count(page.evaluate(COUNT_OPERATIONS))
    shoot(page, tmp_path / "docs-offline.png", full_page=False)

    health.locator(".opblock-summary").first.click()
    expect(health.locator(".opblock-body")).to_be_visible()
    health.locator(".try-out__btn").click()
    health.locator(".execute").click()
    expect(health.locator(".live-responses-table tbody .response-col_status").first).to_have_text(
        "200"
    )
    expect(health.locator(".live-responses-table .microlight").first).to_contain_text('"ok"')

    assert offline.refused == []
    assert csp_refusals(page) == []
    assert policy(live_server.url + "/docs") == policy(live_server.url + "/")
    assert "http" not in policy(live_server.url + "/docs")  # no other host: CDN, favicon
    assert httpx.get(live_server.url + "/redoc", timeout=10).status_code == 404


def test_docs_on_a_phone_offline(make_page: Any, live_server: Server, tmp_path: Path) -> None:
    page, offline = open_offline(make_page, live_server.url, "/docs", **PHONE)
    expect(page.locator(HEALTH)).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways: {width} px wide"
    shoot(page, tmp_path / "docs-phone-offline.png", full_page=False)
    assert offline.refused == []
    assert csp_refusals(page) == []


# Every operation of the OpenAPI document, to compare with the blocks Swagger UI drew.
COUNT_OPERATIONS = """fetch('/openapi.json').then((r) => r.json()).then((doc) =>
  Object.values(doc.paths).reduce((n, ops) => n + Object.keys(ops).length, 0))"""
