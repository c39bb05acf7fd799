"""the dashboard over a lesson: the same numbers every time, and nothing piles up.

determinism: one setting and seed give the same status line, reading and plotted numbers
run after run, in a fresh process, and in a jupyter kernel before and after a restart.
long session: 200 retrains in one app leave memory, widgets, figures and threads as they were.
(the package layer's own checks are in test_determinism.py and test_long_session.py.)
"""

import gc
import hashlib
import json
import os
import re
import subprocess
import sys
import threading
import warnings
from dataclasses import asdict
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import psutil
import pytest
from support.app_checks import record, render, trainer_threads

from skipviz.app import App
from skipviz.app.settings import PRESETS, Settings

ROOT = Path(__file__).resolve().parents[2]

# an ordinary run, one that diverges, and a single partial-skip run on other data
SETTINGS = [
    Settings(depth=12, width=8, steps=30, seed=3),
    Settings(depth=60, width=8, steps=30, activation="linear", init_scale=10.0, lr=1.0),
    Settings(depth=10, width=8, steps=30, compare=False, alpha=0.5, activation="relu",
             dataset="moons", seed=7, lang="zh"),
]


def fingerprint(app: App) -> dict:
    """what a learner sees, as text, and every number behind the plots, as one hash."""
    h = hashlib.sha256()
    for s in app.runner.last.snaps:
        for a in (s.losses, s.grad_norms, s.boundary):
            h.update(b"-" if a is None else np.ascontiguousarray(a, np.float64).tobytes())
        h.update(repr((s.alpha, s.diverged, s.diverged_at, s.accuracy)).encode())
    # the status ends with the run's wall time ("— 1.2 s"): the one number that may differ
    status = re.sub(r" — [0-9.]+ (s|秒)$", "", app.status.value)
    return {"status": status, "reading": app.reading.value, "numbers": h.hexdigest()}


def fingerprints() -> list[dict]:
    """each setting trained twice in one app, the cache emptied in between."""
    app = App(SETTINGS[-1])
    try:
        out = []
        for _ in range(2):
            for s in SETTINGS:
                app.set(**asdict(s))
                assert app.wait(300) is not None
                assert app.status_state in ("done", "diverged") and not app.runner.last.cached
                out.append(fingerprint(app))
            app.runner.cache.clear()
            app.runner.store.clear()  # and the server's store: retrained, not replayed
            app.set(depth=2)  # move away, so the next pass retrains the first setting
            app.wait(300)
        return out
    finally:
        app.close()


PROBE = ("import json, sys; sys.path[:0] = ['tests', 'tests/app']; "
         "from test_app_session import fingerprints; print(json.dumps(fingerprints()))")


def in_a_fresh_process() -> list[dict]:
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True,
                          text=True, timeout=600, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def in_a_kernel_restarted_once() -> tuple[list[dict], list[dict]]:
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="python3", cwd=str(ROOT))
    try:
        def run() -> list[dict]:
            lines = []

            def hook(msg):
                if msg["msg_type"] == "stream" and msg["content"]["name"] == "stdout":
                    lines.append(msg["content"]["text"])
                if msg["msg_type"] == "error":
                    lines.append("ERROR " + "\n".join(msg["content"]["traceback"]))

            reply = kc.execute_interactive(PROBE.replace("; ", "\n"), timeout=600,
                                           output_hook=hook)
            assert reply["content"]["status"] == "ok", "".join(lines)[-3000:]
            return json.loads("".join(lines).strip().splitlines()[-1])

        before = run()
        km.restart_kernel(now=True)
        kc.wait_for_ready(timeout=120)
        return before, run()
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


@pytest.mark.timeout(900)
def test_same_setting_and_seed_give_the_same_numbers_everywhere():
    here = fingerprints()
    n = len(SETTINGS)
    assert here[:n] == here[n:]  # run after run, in any order, cache emptied
    assert len({f["numbers"] for f in here[:n]}) == n  # and the settings do differ
    assert any("diverged" in f["status"] for f in here) and any("损失" in f["status"]
                                                               for f in here)
    assert in_a_fresh_process() == here
    before, after = in_a_kernel_restarted_once()
    assert before == here and after == here


RETRAINS = 200
WARMUP = 20
RSS_BUDGET_MB = 50


def setting(i: int) -> Settings:
    """the i-th slider move of a long lesson: every control, new data each time, some blow-ups."""
    return Settings(
        depth=(1, 3, 8, 20, 60)[i % 5],  # 60: a linear net at init x10 diverges
        width=(4, 8, 16)[i % 3],
        steps=10,
        skip=i % 4 != 1,
        alpha=(1.0, 0.5, 0.0, 0.25)[i % 4],
        activation=("tanh", "relu", "sigmoid", "gelu", "linear")[i % 5 if i % 7 else 4],
        init_scale=PRESETS["init_scale"][i % len(PRESETS["init_scale"])],
        lr=PRESETS["lr"][i % len(PRESETS["lr"])],
        dataset=("spirals", "moons", "circles", "xor")[i % 4],
        seed=i,  # a new seed each time: no run comes from the cache
        lang="zh" if i % 9 == 0 else "en",
        compare=i % 3 != 2,
    )


def live_widgets() -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from ipywidgets import Widget

        widgets = list(Widget.widgets.values())
    kinds: dict = {}
    for w in widgets:
        kinds[type(w).__name__] = kinds.get(type(w).__name__, 0) + 1
    return kinds


def rss_mb(proc) -> float:
    gc.collect()
    return proc.memory_info().rss / 2**20


@pytest.mark.timeout(600)
def test_200_retrains_leak_no_memory_widgets_figures_or_threads():
    proc = psutil.Process()
    app = App(setting(0))
    try:
        for i in range(WARMUP):  # allocator pools, lazy imports, the first renders
            app.set(**asdict(setting(i)))
            assert app.wait(120) is not None
            render(app)
        rss_before, widgets_before = rss_mb(proc), live_widgets()
        threads_before, figures_before = threading.active_count(), plt.get_fignums()
        states = {}
        for i in range(WARMUP, WARMUP + RETRAINS):
            app.set(**asdict(setting(i)))
            assert app.wait(120) is not None, f"retrain {i} never finished"
            states[app.status_state] = states.get(app.status_state, 0) + 1
            if i % 10 == 0:
                render(app)  # now and then the browser asks for the figures
            assert len(trainer_threads()) == 1
        rss_after, widgets_after = rss_mb(proc), live_widgets()
        growth = rss_after - rss_before
        record("long-session", retrains=RETRAINS, rss_before_mb=rss_before,
               rss_after_mb=rss_after, rss_growth_mb=growth, widgets=sum(widgets_after.values()),
               threads=threading.active_count(), states=states)
        assert states.get("done") and states.get("diverged") and "error" not in states
        assert growth < RSS_BUDGET_MB
        assert widgets_after == widgets_before
        assert plt.get_fignums() == figures_before == []
        assert threading.active_count() == threads_before
        assert len(app.runner.cache) <= app.runner.cache.max_items
    finally:
        app.close()


def test_closing_apps_leaves_no_widget_or_thread_behind():
    # a learner re-running the dashboard cell in jupyterlab makes a new app each time
    widgets, threads = live_widgets(), threading.active_count()
    for i in range(5):
        app = App(setting(i))
        app.wait(120)
        app.close()
    assert live_widgets() == widgets
    assert threading.active_count() == threads and trainer_threads() == []
