"""Make the README screenshot: a trained recognizer, a checked drawing, the loss curve.

    .venv/bin/python -m tests.browser.screenshot docs/screenshot.png [--dark] [--width 1200]

Starts its own server on a temporary folder and drives Debian's chromium like the tests do.
"""

import argparse
import shutil
import tempfile
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

from tests.browser.conftest import CHROMIUM_ARGS
from tests.browser.drawing import draw_letter, seed_samples
from tests.helpers import Server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--dark", action="store_true")
    parser.add_argument("--width", type=int, default=1200)
    parser.add_argument("--height", type=int, default=750)
    parser.add_argument("--scale", type=float, default=1.0, help="device pixel ratio")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        server = Server(Path(tmp) / "data").start()
        try:
            seed_samples(server.url, "default", ["L", "O", "X"], per_label=6)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=shutil.which("chromium"), headless=True, args=CHROMIUM_ARGS
                )
                page = browser.new_page(
                    viewport={"width": args.width, "height": args.height},
                    device_scale_factor=args.scale,
                    color_scheme="dark" if args.dark else "light",
                )
                page.goto(f"{server.url}/?r=default")
                page.wait_for_selector("body[data-ready=true]")
                page.click("#settings summary")
                page.fill("#max_iterations", "1500")
                page.fill("#target_mse", "0")
                page.click("#settings summary")
                page.click("#train")
                expect(page.locator("#train-state")).to_have_text("Trained", timeout=60_000)
                draw_letter(page, "O", seed=99)
                page.click("#check")
                expect(page.locator("#result-label")).to_have_text("O")
                page.mouse.move(0, 0)
                page.evaluate("window.scrollTo(0, 0)")
                page.screenshot(path=args.out, animations="disabled", caret="hide")
                browser.close()
        finally:
            server.stop()
    print(f"{args.out}: {args.out.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
