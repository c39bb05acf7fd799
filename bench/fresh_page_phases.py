"""where a fresh page's first seconds go, on one cpu (as binder gives).

usage: python bench/fresh_page_phases.py [--repeats N]

voila and its kernels run on core 0 (`taskset -c 0`), chromium on core 1, as in
dashboard_latency.py. for N fresh pages on a warm server (pre-heated kernel, the default
setting in the server's store) it prints, in seconds after page.goto():
  - the page's own milestones (first byte, html received, DOMContentLoaded, load);
  - when the kernel's websocket opened and when the widget state (the largest message) arrived;
  - when the dashboard appeared in the page and when its status said done;
and the median of each over the pages after the first (the first warms chromium's caches).
prints one json line per page, then one with the medians.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from dashboard_latency import ARGS, CHROMIUM, DONE, TIMEOUT, settle  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from support.voila_server import VoilaServer  # noqa: E402

# marks, in the page's clock, the first animation frame in which each milestone is present
WATCH = """() => { window.__marks = {};
  const mark = (k) => { if (!(k in window.__marks)) window.__marks[k] = performance.now(); };
  const poll = () => {
    if (document.querySelector('.sv-app')) mark('app_shown');
    const s = document.querySelector('.sv-status');
    if (s && s.classList.contains('sv-done')) { mark('status_done'); return; }
    requestAnimationFrame(poll); };
  requestAnimationFrame(poll); }"""


def one_page(browser, url: str) -> dict:
    page = browser.new_page(viewport={"width": 1450, "height": 1000})
    page.add_init_script(f"window.addEventListener('DOMContentLoaded', () => ({WATCH})())")
    frames = []  # (seconds after goto, size): the kernel socket's opening, then its frames

    def on_socket(ws):
        if "/channels" not in ws.url:  # voila's request-info socket is not the kernel's
            return
        frames.append((time.perf_counter() - start, 0))
        ws.on("framereceived", lambda f: frames.append((time.perf_counter() - start, len(f))))

    page.on("websocket", on_socket)
    start = time.perf_counter()
    page.goto(url, timeout=TIMEOUT)
    page.wait_for_function(DONE, arg="depth", timeout=TIMEOUT, polling=50)
    seen = time.perf_counter() - start
    # the page's clock starts at navigation, a little after goto(): shift it onto goto's
    nav = json.loads(page.evaluate(
        "JSON.stringify(performance.getEntriesByType('navigation')[0])"))
    marks = page.evaluate("window.__marks")
    page.close(run_before_unload=True)
    shift = seen - marks["status_done"] / 1000  # goto -> navigation start, as seen here
    state_at, state_bytes = max(frames[1:], key=lambda f: f[1]) if len(frames) > 1 else (0, 0)
    row = {"first_byte": nav["responseStart"], "html_received": nav["responseEnd"],
           "dom_content_loaded": nav["domContentLoadedEventEnd"], "load": nav["loadEventEnd"]}
    row = {k: round(shift + v / 1000, 2) for k, v in row.items()}
    row.update({"kernel_socket_open": round(frames[0][0], 2) if frames else None,
                "widget_state_received": round(state_at, 2), "widget_state_kb": state_bytes // 1024,
                "app_shown": round(shift + marks["app_shown"] / 1000, 2),
                "status_done": round(seen, 2)})
    return row


def main(repeats: int):
    env = {"OMP_NUM_THREADS": "1", "SKIPVIZ_STORE": tempfile.mkdtemp(prefix="skipviz-bench-")}
    os.environ.update(env)  # the server inherits it
    os.sched_setaffinity(0, {1})  # this process and chromium on core 1
    server = VoilaServer()
    server.cmd = ["taskset", "-c", "0", *server.cmd]  # voila and every kernel on core 0
    rows = []
    with server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        fills = [0]
        settle(server, fills)
        for _ in range(repeats + 1):
            rows.append(one_page(browser, server.url))
            print(json.dumps(rows[-1]), flush=True)
            settle(server, fills)
        browser.close()
    print(json.dumps({"median_of_pages_2_on": {
        k: statistics.median(r[k] for r in rows[1:]) for k in rows[0]}}))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=4)
    main(parser.parse_args().repeats)
