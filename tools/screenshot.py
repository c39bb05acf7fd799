"""refresh the readme's picture: serve the dashboard, let it train, photograph it.

usage: python tools/screenshot.py docs/dashboard.png [query]   (run by `make screenshot`)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from playwright.sync_api import sync_playwright  # noqa: E402
from support.voila_server import VoilaServer  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def main(out: str, query: str = "") -> None:
    with VoilaServer() as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        page.goto(server.url + query, timeout=240_000)
        page.wait_for_selector(".sv-status.sv-done", timeout=240_000)
        time.sleep(2)  # the browser draws the last frame's marks
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        page.locator(".sv-app").screenshot(path=out)
        browser.close()
    print(f"wrote {out}")


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    main(*sys.argv[1:])
