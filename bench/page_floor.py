"""what a fresh page costs the browser: voila's own floor against the dashboard, on this machine.

usage: python bench/page_floor.py [--repeats N]

voila and its kernels run on core 0 (`taskset -c 0`), chromium on core 1, as in
dashboard_latency.py. three notebooks are served by three voila servers with the repo's
voila.json (pre-heated kernels) and opened as fresh pages in turn, N times each, interleaved:
  - floor: one HTML widget (voila's page, its JupyterLab core, the widget manager);
  - floor + bqplot: the same and one bqplot figure (bqplot's code loaded, one figure drawn);
  - the dashboard, its default setting replayed from the server's store.
for each it prints the seconds from goto() until the status reads done and chromium's cpu
seconds for the page, then the medians. what the dashboard adds to the bqplot floor is its own
share; a page no lighter than the floor needs at least floor cpu x pages / 2 seconds for 8
pages drawn on this machine's 2 cores (tests/serve/bench_crowd.py), before any server work.
prints one json line per page, then one with the medians (the first round warms chromium's
caches and is left out).
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

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests" / "serve"))

from bench_crowd import cpu_by_process, cpu_used  # noqa: E402
from dashboard_latency import ARGS, CHROMIUM, TIMEOUT, settle  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from support.voila_server import VoilaServer  # noqa: E402

DONE = "() => !!document.querySelector('.sv-status.sv-done')"
# the floor pages say done at once, in the dashboard's own words (its status widget's classes)
STATUS = """import ipywidgets as W
status = W.HTML("done")
status.add_class("sv-status")
status.add_class("sv-done")
"""
ONE_FIGURE = """import bqplot as bq
xs, ys = bq.LinearScale(), bq.LinearScale()
line = bq.Lines(x=[0, 1, 2], y=[1, 0.1, 0.01], scales={"x": xs, "y": ys})
figure = bq.Figure(marks=[line], axes=[bq.Axis(scale=xs), bq.Axis(scale=ys, side="left")],
                   layout={"width": "330px", "height": "260px"})
"""
PAGES = {
    "floor": STATUS + "display(W.VBox([status]))",
    "floor_bqplot": STATUS + ONE_FIGURE + "display(W.VBox([status, figure]))",
}


def notebook(source: str, folder: Path, name: str) -> str:
    """a one-cell notebook in `folder`; its path."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)], metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return str(path)


def fresh_page(browser, server) -> dict:
    page = browser.new_page(viewport={"width": 1450, "height": 1000})
    cpu, start = cpu_by_process(server.proc.pid), time.perf_counter()
    page.goto(server.url, timeout=TIMEOUT)
    page.wait_for_function(DONE, timeout=TIMEOUT, polling=50)
    seen = time.perf_counter() - start
    # per process: a renderer of an earlier page that exits meanwhile takes nothing off
    used = cpu_used(cpu, cpu_by_process(server.proc.pid), digits=2)
    row = {"seen_s": seen, "chromium_cpu_s": used["chromium"],
           "dom_nodes": page.evaluate("document.querySelectorAll('*').length")}
    page.close(run_before_unload=True)
    return row


def main(repeats: int):
    os.environ.update({"OMP_NUM_THREADS": "1"})  # the servers inherit it
    os.sched_setaffinity(0, {1})  # this process and chromium on core 1
    folder = Path(tempfile.mkdtemp(prefix="skipviz-floor-"))
    paths = {name: notebook(source, folder, name) for name, source in PAGES.items()}
    paths["dashboard"] = "notebooks/dashboard.ipynb"
    servers = {}
    try:
        for name, path in paths.items():
            os.environ["SKIPVIZ_STORE"] = tempfile.mkdtemp(prefix="skipviz-floor-store-")
            server = VoilaServer(notebook=path)
            server.cmd = ["taskset", "-c", "0", *server.cmd]  # voila and its kernels on core 0
            servers[name] = (server.start(), [0])
        rows = {name: [] for name in paths}
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for server, fills in servers.values():
                settle(server, fills)
            for i in range(repeats + 1):
                for name, (server, fills) in servers.items():
                    row = fresh_page(browser, server)
                    print(json.dumps({"page": name, "round": i,
                                      **{k: round(v, 2) for k, v in row.items()}}), flush=True)
                    if i:
                        rows[name].append(row)
                    settle(server, fills)
            browser.close()
    finally:
        for server, _ in servers.values():
            server.stop()
    med = {name: {k: round(statistics.median(r[k] for r in rs), 2) for k in rs[0]}
           for name, rs in rows.items()}
    floor = med["floor_bqplot"]["chromium_cpu_s"]
    print(json.dumps({"medians": med,
                      "dashboard_share_cpu_s": round(med["dashboard"]["chromium_cpu_s"] - floor, 2),
                      "eight_pages_two_cores_at_least_s": {
                          name: round(8 * m["chromium_cpu_s"] / 2, 1) for name, m in med.items()}}))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    main(parser.parse_args().repeats)
