"""hwr-recognizer.js: its size, and Check in Chromium against the server's HTTP Check.

The module as served (bytes, and gzip -9 bytes); then, in a blank page of the server's origin,
the Check recognizer of item 3 (default settings, 10 letters) loaded from GET .../model, and its
Check on the 50 unseen drawings of item 3 (36-149 points): after a warm-up, rounds of all 50,
each round's mean per drawing, alternating with the same 50 through `POST .../check` as item 3
sends them (its lean client, one connection, back to back for half a second: the median
latency); medians over rounds.

    .venv/bin/python -m bench.js_module   # this section alone, on a server of its own
"""

import gzip
import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from bench import client, server
from bench.common import Row, log, median
from bench.quality import CHECK_NAME, check_requests, ensure_check_recognizer

ROUNDS = 15
BLANK = "/blank-page-for-the-benchmark"
TIMED = """async ([model, drawings, first]) => {
  if (first) {
    const { load } = await import("/hwr-recognizer.js");
    const document = await (await fetch(model)).json();
    const loads = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      window.recognizer = await load(document);
      loads.push(performance.now() - t);
    }
    for (let i = 0; i < 10; i++) drawings.forEach((d) => window.recognizer.check(d)); // the JIT
    window.loads = loads;
  }
  const r = window.recognizer;
  let t = performance.now();
  drawings.forEach((d) => r.check(d));
  const check = (performance.now() - t) / drawings.length;
  t = performance.now();
  drawings.forEach((d) => r.rasterize(d));
  const grid = (performance.now() - t) / drawings.length;
  return { check, grid, loads: window.loads };
}"""


def run(url: str, rounds: int = ROUNDS) -> list[Row]:
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        raise RuntimeError("no `chromium` on PATH")
    drawings = [strokes for _, strokes in server.drawings(server.ALPHABET, 5, seed=1234)]
    with httpx.Client(base_url=url, timeout=60) as api:
        ensure_check_recognizer(api)
        module = api.get("/hwr-recognizer.js").content
        document = api.get(f"/api/recognizers/{CHECK_NAME}/model").content
        browser_ms: list[float] = []
        grid_ms: list[float] = []
        http_ms: list[float] = []
        loads: list[float] = []
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=executable, args=["--no-sandbox", "--disable-gpu"]
            )
            page = chromium.new_page()
            html = "<!doctype html><title>blank</title>"
            page.route(f"**{BLANK}", lambda r: r.fulfill(body=html, content_type="text/html"))
            page.goto(url + BLANK)
            model = f"/api/recognizers/{CHECK_NAME}/model"
            for rnd in range(rounds):
                timed: dict[str, Any] = page.evaluate(TIMED, [model, drawings, rnd == 0])
                browser_ms.append(timed["check"])
                grid_ms.append(timed["grid"])
                loads = timed["loads"]
                http_ms.append(_http_check_ms(url))
            chromium.close()
    row: Row = {
        "bench": "js-module",
        "bytes": len(module),
        "gzip_bytes": len(gzip.compress(module, 9)),
        "model_bytes": len(document),
        "sizes": json.loads(document)["network"]["sizes"],
        "load_ms": median(loads),
        "check_ms": median(browser_ms),
        "grid_ms": median(grid_ms),
        "http_check_ms": median(http_ms),
        "drawings": len(drawings),
        "rounds": rounds,
    }
    log(
        f"hwr-recognizer.js: {row['bytes']:,} bytes ({row['gzip_bytes']:,} gzipped); Check "
        f"{row['check_ms']:.3f} ms in Chromium (grid {row['grid_ms']:.3f} ms), "
        f"{row['http_check_ms']:.3f} ms over HTTP; load {row['load_ms']:.1f} ms"
    )
    return [row]


def _http_check_ms(url: str) -> float:
    """Check's median latency over HTTP, one client (item 3's), in ms. On a thread of its own:
    Playwright's sync API keeps an event loop running in this one."""
    with ThreadPoolExecutor(1) as pool:
        result = pool.submit(client.load, url, check_requests(), 1, 0.5).result()
    if result.errors:
        raise RuntimeError(f"{result.errors} Checks failed")
    return server.percentile(result.latencies, 50) * 1e3


if __name__ == "__main__":
    from bench.report_js import js_section

    with server.running() as s:
        found = run(s.url)
    print("\n".join(js_section(found, [])))
