"""a class at once: N dashboard pages opened together on `skipviz serve`; when is each done?

    .venv/bin/python tests/serve/bench_crowd.py --pages 8 --pool 8 [--refill-delay 30]
        [--query "depth=12"]

prints, per page, the seconds from the first request until its status reads done, the
kernels' memory at rest (rss, and uss: what each kernel alone holds, the shared torch
libraries counted once), and the worst static GET meanwhile. a benchmark, not a test: the
machine is shared, so run it a few times and read the median.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.async_api import async_playwright  # noqa: E402
from support.browser_kit import ARGS, CHROMIUM  # noqa: E402
from support.serve_kit import POOL_FILLED, SkipvizServer, StaticProbe  # noqa: E402

DONE = """() => { const s = document.querySelector('.sv-status');
                  return s && s.classList.contains('sv-done'); }"""


async def crowd(url: str, pages: int, timeout_s: float) -> list[tuple[float, str]]:
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        start = time.monotonic()

        async def one(i: int) -> tuple[float, str]:
            context = await browser.new_context(viewport={"width": 1400, "height": 950})
            page = await context.new_page()
            try:
                await page.goto(url, timeout=timeout_s * 1000)
                await page.wait_for_function(DONE, timeout=timeout_s * 1000)
                took = time.monotonic() - start
            except Exception:  # a page not done in time is reported, not raised
                took = float("inf")
            status = await page.evaluate(
                "() => (document.querySelector('.sv-status') || {}).innerText || "
                "(document.querySelector('#loading_text') || {}).innerText || ''")
            return took, status[:90]

        done = await asyncio.gather(*(one(i) for i in range(pages)))
        await browser.close()
        return sorted(done)


def memory(server) -> list[dict]:
    out = []
    for kernel in server.kernels():
        full = kernel.memory_full_info()
        out.append({"rss_mb": round(full.rss / 2**20), "uss_mb": round(full.uss / 2**20),
                    "pss_mb": round(full.pss / 2**20)})
    return out


def rest(server, pool: int, timeout_s: float = 300) -> None:
    """wait until the pool's kernels have run the notebook (built the app, trained or
    replayed the default) and use no cpu: a class arrives at a server made ready."""
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        kernels = server.kernels()
        if len(kernels) >= pool and all(k.cpu_percent(interval=0.5) < 3 for k in kernels):
            return


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=8)
    parser.add_argument("--pool", type=int, default=1)
    parser.add_argument("--refill-delay", type=float, default=30.0)
    parser.add_argument("--query", default="")
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args()
    with SkipvizServer(extra=[f"--pool={args.pool}",
                              f"--refill-delay={args.refill_delay}"]) as server:
        assert server.wait_for_log(POOL_FILLED, timeout=300), server.output()
        rest(server, args.pool)  # the pool's kernels finish running the notebook
        at_rest = memory(server)
        url = f"{server.url}voila/render/dashboard.ipynb" + (f"?{args.query}" if args.query
                                                              else "")
        with StaticProbe(server.port) as probe:
            done = asyncio.run(crowd(url, args.pages, args.timeout))
        seconds = [d for d, _ in done]
        report = {"pages": args.pages, "pool": args.pool, "query": args.query,
                  "done_s": [round(d, 1) for d in seconds], "all_done_s": round(seconds[-1], 1),
                  "median_done_s": round(statistics.median(seconds), 1),
                  "statuses": sorted({status for _, status in done}),
                  "static_worst_ms": round(probe.worst * 1000),
                  "pool_kernels_at_rest": at_rest, "kernels_after": memory(server)}
        print(json.dumps(report))


if __name__ == "__main__":
    main()
