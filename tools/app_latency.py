"""how fast the dashboard answers a change, without a browser: first plot, finished run, cache hit.

usage: python tools/app_latency.py [depth ...]     (default: 20 50 100)
prints one line per depth; numbers vary with the machine's load.
"""

from __future__ import annotations

import sys
import threading
import time

from skipviz.app import App
from skipviz.app.settings import Settings


def measure(app: App, depth: int) -> dict:
    shown = threading.Event()
    render = app._render

    def spy(progress):
        render(progress)
        if progress.settings.depth == depth:
            shown.set()

    app._render = spy
    start = time.perf_counter()
    app.set(depth=depth)
    shown.wait(120)
    first = time.perf_counter() - start
    app.wait(600)
    done = time.perf_counter() - start
    app.set(depth=3)
    app.wait(600)
    start = time.perf_counter()
    app.set(depth=depth)
    app.wait(600)
    cached = time.perf_counter() - start
    app._render = render
    return {"depth": depth, "first_plot_s": round(first, 3), "finished_s": round(done, 2),
            "cache_hit_s": round(cached, 3), "cached": app.runner.last.cached}


def main(depths):
    app = App(Settings(depth=3))
    app.wait(120)
    try:
        for depth in depths:
            print(measure(app, depth))
    finally:
        app.close()


if __name__ == "__main__":
    main([int(d) for d in sys.argv[1:]] or [20, 50, 100])
