"""thirty learners open the dashboard on the class JupyterHub at once: how long, how much memory?

    python bench/hub_crowd.py                  # 30 learners, the teacher opened it first
    python bench/hub_crowd.py --learners 10 --cold

a real jupyterhub (deploy/hub/: dummy login, one local server per learner, one shared result
store) on free local ports. each learner logs in with its own name and opens
/user/NAME/voila/render/notebooks/dashboard.ipynb, where it waits for a trained default result:
the first --browsers of them are chromium pages following the class link, the others do the
same over http and the kernel's websocket (deploy/hub/learners.py: SocketLearner), since thirty
chromium pages would take ~7 GB on the machine that also runs the hub. by default the
teacher's page trains the default first (as a teacher opens the page before class), so the
learners' kernels replay it from the store; --cold lets every learner meet an empty store.
memory is sampled while they load: rss per learner server and kernel, the unique memory of all
hub processes together, and the drop of the machine's available memory. it stops early (and
says so) if available memory falls below --min-free-mb. the last line is json.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil
from tqdm import tqdm

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "deploy" / "hub"))
from hubctl import Hub  # noqa: E402
from learners import ARGS, CHROMIUM, SocketLearner, arrive, problems, wait_done  # noqa: E402


def available_mb() -> float:
    return psutil.virtual_memory().available / 2**20


def chromium_mb() -> float:
    total = 0.0
    for p in psutil.Process().children(recursive=True):
        try:
            if "chrom" in p.name():
                total += p.memory_full_info().uss / 2**20
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return total


def spawn_seconds(log: str) -> list[float]:
    """how long each learner's server took to start, from the hub's log."""
    return [float(s) for s in re.findall(r"User \S+ took ([0-9.]+) seconds to start", log)]


def crowd(browser, hub, names, browsers, timeout_s, min_free_mb):
    """the learners arrive together (the first `browsers` in chromium, the rest over http and
    the kernel's websocket); returns their done times, memory and anything that went wrong."""
    before = available_mb()
    lowest, peak_uss, stopped = before, 0.0, None
    start = time.monotonic()
    sockets = {n: SocketLearner(hub.url, n, timeout_s) for n in names[browsers:]}
    for learner in sockets.values():
        learner.start()
    pages = {n: arrive(browser, hub.url, n) for n in tqdm(names[:browsers], desc="chromium")}
    done: dict[str, float] = {}
    bar = tqdm(total=len(names), desc="trained dashboards")
    while len(done) < len(names) and time.monotonic() - start < timeout_s:
        new = wait_done({n: p for n, p in pages.items() if n not in done}, timeout_s=5)
        new.update({n: s.seconds for n, s in sockets.items()
                    if n not in done and s.seconds is not None})
        done.update(new)
        bar.update(len(new))
        lowest = min(lowest, available_mb())
        peak_uss = max(peak_uss, hub.memory()["total_uss_mb"])
        if lowest < min_free_mb:
            stopped = f"available memory fell to {lowest:.0f} MB"
            break
        if all(s.error or s.seconds is not None for s in sockets.values()) and all(
                n in done for n in pages) and any(s.error for s in sockets.values()):
            break
    bar.close()
    failed = {n: s.error for n, s in sockets.items() if s.error}
    return dict(pages=pages, sockets=sockets, done=done, all_done_s=time.monotonic() - start,
                before_mb=before, lowest_mb=lowest, peak_uss_mb=peak_uss, stopped=stopped,
                failed=failed)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=30)
    parser.add_argument("--browsers", type=int, default=3,
                        help="how many of them are chromium pages (each costs ~250 MB here)")
    parser.add_argument("--cold", action="store_true",
                        help="no teacher run first: every learner meets an empty result store")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds for all to finish")
    parser.add_argument("--min-free-mb", type=float, default=1500)
    parser.add_argument("--chromium", default=CHROMIUM)
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright

    names = [f"learner{i:02d}" for i in range(1, args.learners + 1)]
    with tempfile.TemporaryDirectory(prefix="skipviz-hub-") as state, \
            Hub(Path(state) / "hub") as hub, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium, args=ARGS)
        teacher_s = None
        if not args.cold:
            teacher = {"teacher": arrive(browser, hub.url, "teacher")}
            teacher_s = wait_done(teacher, timeout_s=args.timeout).get("teacher")
            if teacher_s is None:
                print(f"the teacher's page never finished:\n{hub.output()}")
                return 1
        run = crowd(browser, hub, names, args.browsers, args.timeout, args.min_free_mb)
        memory = hub.memory()
        browser_mb = chromium_mb()
        bad = {n: problems(page, n) for n, page in run["pages"].items() if n in run["done"]}
        bad = {n: b for n, b in bad.items() if b} | run["failed"]
        log = hub.output(tail=10**9)
        for learner in run["sockets"].values():
            learner.close()
        browser.close()

    times = sorted(run["done"].values())
    learners = [m for n, m in memory["learners"].items() if n in names]
    kernels = [k for m in learners for k in m["kernel_mb"]]
    servers = [m["server_mb"] for m in learners]
    spawns = spawn_seconds(log)
    summary = dict(
        learners=args.learners, in_chromium=min(args.browsers, args.learners),
        reached_done=len(times), store="cold" if args.cold else "warm",
        teacher_first_s=teacher_s, first_done_s=times[0] if times else None,
        median_done_s=statistics.median(times) if times else None,
        last_done_s=times[-1] if times else None, all_done_s=run["all_done_s"],
        server_start_median_s=statistics.median(spawns) if spawns else None,
        server_start_max_s=max(spawns) if spawns else None,
        kernel_mb_median=statistics.median(kernels) if kernels else None,
        kernel_mb_max=max(kernels) if kernels else None,
        server_mb_median=statistics.median(servers) if servers else None,
        hub_total_uss_mb=memory["total_uss_mb"], hub_peak_uss_mb=run["peak_uss_mb"],
        per_learner_uss_mb=memory["total_uss_mb"] / max(1, len(memory["learners"])),
        available_drop_mb=run["before_mb"] - run["lowest_mb"], chromium_uss_mb=browser_mb,
        cores=psutil.cpu_count(), stopped=run["stopped"], problems=bad)
    print(f"\n{len(times)}/{args.learners} learners reached a trained dashboard"
          f" ({summary['store']} store); all done {run['all_done_s']:.1f} s after the first"
          f" login")
    if times:
        print(f"  per learner, login -> trained: first {times[0]:.1f} s, median"
              f" {summary['median_done_s']:.1f} s, last {times[-1]:.1f} s")
    if kernels:
        print(f"  memory: kernel {summary['kernel_mb_median']:.0f} MB rss (max"
              f" {summary['kernel_mb_max']:.0f}), learner server {summary['server_mb_median']:.0f}"
              f" MB rss; all hub processes {memory['total_uss_mb']:.0f} MB unique"
              f" ({summary['per_learner_uss_mb']:.0f} MB a learner); available memory fell"
              f" {summary['available_drop_mb']:.0f} MB (chromium's pages:"
              f" {browser_mb:.0f} MB of it)")
    if run["stopped"] or bad:
        print(f"  stopped: {run['stopped']}; problems: {bad}")
    print(json.dumps({k: round(v, 1) if isinstance(v, float) else v for k, v in summary.items()}))
    return 0 if len(times) == args.learners and not bad else 1


if __name__ == "__main__":
    sys.exit(main())
