"""how fast the dashboard's page keeps up with its engine, on one cpu (as binder gives).

usage: python bench/dashboard_latency.py [--repeats N] [--base DIR]

voila and its kernels run on core 0 (`taskset -c 0`), chromium on core 1. in one run it
measures, each as a median over N repeats, interleaved:
  - depth 20 -> 60 typed into the page, until the finished result is seen in the page,
    against compare() alone for the same setting in a fresh process on core 0;
  - visible updates a second while training (animation frames in which a figure changed);
  - a fresh page on a warm server (pre-heated kernel, the setting in the server's store)
    until its first trained result is seen, and the same with an empty store;
  - a storm of 50 typed depths: the page must end on the last one;
  - the kernel's memory (rss) after all that.
--base DIR serves DIR/notebooks/dashboard.ipynb with PYTHONPATH=DIR instead (e.g. a checkout
of an older commit), to compare the figures with it. prints one json line per measure.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from playwright.sync_api import sync_playwright  # noqa: E402
from support.voila_server import VoilaServer  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT = 600_000
POOL_FILLED = "Kernel pool of"
ENGINE = """
import sys, time, torch
torch.set_num_threads(1)
from skipviz.core.compare import compare
from skipviz.core.data import make_dataset
X, y = make_dataset("spirals", n=400, seed=0)
compare(X, y, depth=3, steps=5)  # imports and first calls, as a warm kernel has them
start = time.perf_counter()
compare(X, y, depth=60, skips=(0.0, 1.0), steps=200, lr=0.01, seed=0)
print(time.perf_counter() - start)
"""
ENGINE_BASE = ENGINE.replace("skipviz.core.compare", "skipviz.compare").replace(
    "skipviz.core.data", "skipviz.data")
# counts animation frames in which anything inside a figure changed
OBSERVE = """() => {
  window.__frames = []; let pending = false;
  const mark = () => { if (!pending) { pending = true; requestAnimationFrame(() => {
      pending = false; window.__frames.push(performance.now()); }); } };
  window.__observer && window.__observer.disconnect();
  window.__observer = new MutationObserver(mark);
  document.querySelectorAll('.sv-app .bqplot, .sv-app .jupyter-matplotlib').forEach(f =>
    window.__observer.observe(f, {subtree: true, childList: true, attributes: true,
                                  characterData: true}));
}"""
DONE = """(text) => { const s = document.querySelector('.sv-status');
  return s && s.classList.contains('sv-done') && s.innerText.includes(text); }"""


def engine_alone(env: dict, base: bool) -> float:
    out = subprocess.run(["taskset", "-c", "0", sys.executable, "-c",
                          ENGINE_BASE if base else ENGINE], env=env, capture_output=True,
                         text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def type_depth(page, depth: int):
    box = page.locator(".sv-depth-text input")
    box.fill(str(depth))
    box.press("Enter")


def depth_change(page) -> dict:
    """20 -> 60: seconds until the finished result is in the page, and frames while training."""
    type_depth(page, 20)
    page.wait_for_function(DONE, arg="depth 20 ", timeout=TIMEOUT)
    time.sleep(0.5)
    page.evaluate(OBSERVE)
    t0 = page.evaluate("performance.now()")
    start = time.perf_counter()
    type_depth(page, 60)
    page.wait_for_function(DONE, arg="depth 60 ", timeout=TIMEOUT, polling=50)
    seen = time.perf_counter() - start
    frames = [(f - t0) / 1000 for f in page.evaluate("window.__frames")]
    span = (frames[-1] - frames[0]) if len(frames) > 1 else 0.0
    # the status ends with the kernel's own training time: what is left is the page's lag
    said = re.findall(r"([0-9.]+) s\s*$", page.inner_text(".sv-status"))
    return {"seen_s": seen, "frames": len(frames), "kernel_said_s": float(said[-1]) if said
            else float("nan"), "updates_per_s": (len(frames) - 1) / span if span > 0 else 0.0}


def fresh_page(browser, url: str) -> float:
    page = browser.new_page(viewport={"width": 1450, "height": 1000})
    start = time.perf_counter()
    page.goto(url, timeout=TIMEOUT)
    page.wait_for_function(DONE, arg="depth", timeout=TIMEOUT)
    took = time.perf_counter() - start
    page.close(run_before_unload=True)
    return took


def storm(page) -> dict:
    start = time.perf_counter()
    for depth in range(11, 61):
        type_depth(page, depth)
    fired = time.perf_counter() - start
    page.wait_for_function(DONE, arg="depth 60 ", timeout=TIMEOUT)
    value = page.input_value(".sv-depth-text input")
    return {"fire_s": fired, "settle_s": time.perf_counter() - start - fired,
            "ends_on_last": value == "60" and "depth 60 " in page.inner_text(".sv-status")}


def settle(server, fills: list) -> None:
    """wait until voila has refilled its pool once more and every kernel is at rest: the
    kernel a page took is replaced on the same core, and the new one runs the notebook (its
    app and default run) after voila logs the pool filled; measured meanwhile, the page
    would share the core with it."""
    fills[0] += 1
    end = time.monotonic() + 300
    while server.output(tail=None).count(POOL_FILLED) < fills[0] and time.monotonic() < end:
        time.sleep(0.2)
    while time.monotonic() < end:
        procs = [c for c in psutil.Process(server.proc.pid).children(recursive=True)
                 if "ipykernel" in " ".join(c.cmdline())]
        before = [sum(p.cpu_times()[:2]) for p in procs]
        time.sleep(1.0)
        try:
            busy = max((sum(p.cpu_times()[:2]) - b for p, b in zip(procs, before,
                                                                     strict=True)), default=0)
        except psutil.NoSuchProcess:
            continue
        if busy < 0.05:
            return


def kernel_rss_mb(server) -> list[float]:
    out = []
    for child in psutil.Process(server.proc.pid).children(recursive=True):
        try:
            if "ipykernel" in " ".join(child.cmdline()):
                out.append(child.memory_info().rss / 2**20)
        except psutil.NoSuchProcess:
            continue
    return sorted(out)


def main(repeats: int, base: str | None):
    env = {**os.environ, "OMP_NUM_THREADS": "1",
           "SKIPVIZ_STORE": tempfile.mkdtemp(prefix="skipviz-bench-store-")}
    notebook = "notebooks/dashboard.ipynb"
    if base:
        env["PYTHONPATH"] = base
        notebook = str(Path(base) / "notebooks" / "dashboard.ipynb")
    os.environ.update(env)  # the server inherits it
    os.sched_setaffinity(0, {1})  # this process and chromium on core 1
    server = VoilaServer(notebook=notebook)
    server.cmd = ["taskset", "-c", "0", *server.cmd]  # voila and every kernel on core 0
    with server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        fills = [0]
        settle(server, fills)
        cold_store = fresh_page(browser, server.url)
        settle(server, fills)
        page = browser.new_page(viewport={"width": 1450, "height": 1000})
        page.goto(server.url + "?steps=200", timeout=TIMEOUT)
        page.wait_for_function(DONE, arg="depth 20 ", timeout=TIMEOUT)
        settle(server, fills)
        runs, engines = [], []
        for i in range(repeats):
            engines.append(engine_alone(env, bool(base)))
            # a new seed each repeat: the page trains, it does not replay an earlier repeat
            page.goto(server.url + f"?seed={i + 1}", timeout=TIMEOUT)
            page.wait_for_function(DONE, arg="depth 20 ", timeout=TIMEOUT)
            settle(server, fills)
            runs.append(depth_change(page))
        engines.append(engine_alone(env, bool(base)))
        storm_result = storm(page)
        rss = kernel_rss_mb(server)
        warm = []
        for _ in range(repeats):
            warm.append(fresh_page(browser, server.url))
            settle(server, fills)
        browser.close()
    seen = statistics.median(r["seen_s"] for r in runs)
    engine = statistics.median(engines)
    report = {
        "code": base or "this checkout",
        "depth_20_to_60_seen_s": round(seen, 2), "engine_alone_s": round(engine, 2),
        "page_over_engine": round(seen / engine, 2),
        "updates_per_s": round(statistics.median(r["updates_per_s"] for r in runs), 1),
        "frames": [r["frames"] for r in runs],
        "fresh_page_warm_server_s": round(statistics.median(warm), 2),
        "fresh_page_empty_store_s": round(cold_store, 2),
        "storm": {k: round(v, 2) if isinstance(v, float) else v
                  for k, v in storm_result.items()},
        "kernel_rss_mb": [round(r) for r in rss],
        "runs": [{k: round(v, 2) for k, v in r.items()} for r in runs],
        "engines_s": [round(e, 2) for e in engines],
    }
    print(json.dumps(report))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--base", default=None)
    args = parser.parse_args()
    main(args.repeats, args.base)
