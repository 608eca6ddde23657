"""Playwright's `expect`, importable even where playwright is not installed: the `browser`
fixture then skips every test (or fails it under CI=true) and says why."""

from typing import Any

expect: Any
try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - the browser fixture reports it
    expect = None
