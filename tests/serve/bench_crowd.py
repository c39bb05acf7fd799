"""a class at once: N dashboard pages opened together on `skipviz serve`; when is each done?

    .venv/bin/python tests/serve/bench_crowd.py --pages 8 --pool 8 [--browsers 8]
        [--refill-delay 30] [--query "depth=12"]

prints, per page, the seconds from the first request until its status reads done, the
kernels' memory at rest (rss, and uss: what each kernel alone holds, the shared torch
libraries counted once), the worst static GET meanwhile, and the cpu seconds each side used
(chromium, the kernels, the server).

the first --browsers pages are chromium pages on this machine; the others are learners whose
browser is on a machine of their own (support/page_learner.py: the same html, static files and
kernel messages, no drawing). a class brings its own browsers, so `--browsers 0` is what the
server must do for them; the default (every page a chromium here) also charges the server's
two cores with eight browsers' drawing. a benchmark, not a test: the machine is shared, so run
it a few times and read the median.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psutil  # noqa: E402
from playwright.async_api import async_playwright  # noqa: E402
from support.browser_kit import ARGS, CHROMIUM  # noqa: E402
from support.page_learner import PageLearner, static_paths  # noqa: E402
from support.serve_kit import POOL_FILLED, SkipvizServer, StaticProbe  # noqa: E402

DONE = """() => { const s = document.querySelector('.sv-status');
                  return s && s.classList.contains('sv-done'); }"""


async def crowd(base: str, page_path: str, pages: int, browsers: int, statics: list[str],
                timeout_s: float, server_pid: int) -> tuple[list[tuple[float, str]], dict]:
    """(seconds, status) of every page, sorted, and the cpu seconds each side used meanwhile."""
    url = base + page_path
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        before = cpu_by_process(server_pid)
        start = time.monotonic()
        learners = [PageLearner(base, page_path, statics, timeout_s)
                    for _ in range(pages - browsers)]
        for learner in learners:
            learner.start_at = start
            learner.start()

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

        done = list(await asyncio.gather(*(one(i) for i in range(browsers))))
        for learner in learners:
            await asyncio.to_thread(learner.join, timeout_s)
            done.append((learner.seconds if learner.seconds is not None else float("inf"),
                         learner.error or ("done (no browser)" if learner.seconds is not None
                                           else "still waiting")))
        used = cpu_used(before, cpu_by_process(server_pid))
        for learner in learners:
            learner.close()
        await browser.close()
        return sorted(done), used


def _s(seconds: float) -> float | None:
    return round(seconds, 1) if math.isfinite(seconds) else None


def cpu_by_process(server_pid: int) -> dict:
    """pid -> (side, cpu seconds so far) of chromium (this process' descendants), the kernels
    and the rest of the server (the server process' own tree): nothing else on the machine."""
    server = psutil.Process(server_pid)
    trees = [(p, False) for p in [server, *server.children(recursive=True)]]
    trees += [(p, True) for p in psutil.Process().children(recursive=True)]
    out = {}
    for proc, ours in trees:
        try:  # a process may end while it is read
            if ours:  # this process' tree: only chromium counts (not playwright's driver)
                if "chrom" not in proc.name():
                    continue
                side = "chromium"
            else:
                side = "kernels" if "ipykernel" in " ".join(proc.cmdline()) else "server"
            t = proc.cpu_times()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        out[proc.pid] = (side, t.user + t.system)
    return out


def cpu_used(before: dict, after: dict, digits: int = 1) -> dict:
    """cpu seconds each side used between two cpu_by_process() readings, process by process
    (a process that ended in between is not counted: its last reading is lost with it)."""
    used = {"chromium": 0.0, "kernels": 0.0, "server": 0.0}
    for pid, (side, seconds) in after.items():
        used[side] += seconds - (before[pid][1] if pid in before else 0.0)
    return {k: round(v, digits) for k, v in used.items()}


async def record_statics(base: str, page_path: str, timeout_s: float) -> list[str]:
    """the static files a fresh chromium page fetches for the dashboard (then it is closed)."""
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = await browser.new_context()
        page = await context.new_page()
        urls = []
        page.on("request", lambda r: urls.append(r.url))
        await page.goto(base + page_path, timeout=timeout_s * 1000)
        await page.wait_for_function(DONE, timeout=timeout_s * 1000)
        # closed as a tab is (its beforeunload beacon shuts its kernel down), so the class
        # meets the pool alone. close(run_before_unload=True) does not wait for the page to
        # go; closing its context does (a browser.close() right after it kept the kernel)
        await page.close(run_before_unload=True)
        await context.close()
        await browser.close()
    return static_paths(urls, base)


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
    parser.add_argument("--browsers", type=int, default=None,
                        help="how many of the pages are chromium pages (default: all)")
    parser.add_argument("--refill-delay", type=float, default=30.0)
    parser.add_argument("--query", default="")
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args()
    browsers = args.pages if args.browsers is None else min(args.browsers, args.pages)
    with SkipvizServer(extra=[f"--pool={args.pool}",
                              f"--refill-delay={args.refill_delay}"]) as server:
        assert server.wait_for_log(POOL_FILLED, timeout=300), server.output()
        rest(server, args.pool)  # the pool's kernels finish running the notebook
        page_path = "voila/render/dashboard.ipynb" + (f"?{args.query}" if args.query else "")
        statics = []
        if browsers < args.pages:
            # one real page tells which files a browser fetches; it takes a kernel, so wait
            # for the pool to refill and come to rest before the class arrives
            fills = server.output(tail=None).count(POOL_FILLED)
            statics = asyncio.run(record_statics(server.url, page_path, args.timeout))
            end = time.monotonic() + args.refill_delay + 300
            while server.output(tail=None).count(POOL_FILLED) <= fills and \
                    time.monotonic() < end:
                time.sleep(0.5)
            rest(server, args.pool)
        at_rest = memory(server)
        with StaticProbe(server.port) as probe:
            done, used = asyncio.run(crowd(server.url, page_path, args.pages, browsers, statics,
                                           args.timeout, server.proc.pid))
        seconds = [d for d, _ in done]
        report = {"pages": args.pages, "browsers": browsers, "pool": args.pool,
                  "query": args.query, "static_files_per_page": len(statics),
                  "cpu_s": used,
                  # null: a page not done before --timeout (json has no infinity)
                  "done_s": [_s(d) for d in seconds], "all_done_s": _s(seconds[-1]),
                  "median_done_s": _s(statistics.median(seconds)),
                  "statuses": sorted({status for _, status in done}),
                  "static_worst_ms": round(probe.worst * 1000),
                  "pool_kernels_at_rest": at_rest, "kernels_after": memory(server)}
        print(json.dumps(report))


if __name__ == "__main__":
    main()
