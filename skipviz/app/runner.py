"""one worker thread: trains the latest wanted setting, cancels stale runs, caches results."""

from __future__ import annotations

import ctypes
import functools
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field

from ..core.compare import compare
from ..core.data import make_dataset
from ..measure.boundary import decision_grid
from .cache import ResultCache, Snapshot
from .settings import Settings

DATA_POINTS = 400
SETTLE = 0.04  # seconds of quiet that end a burst of changes before training starts
PUBLISH_EVERY = 0.4  # seconds between live redraws while training (at least)
DRAW_SHARE = 3.0  # ...and at least this many times the last render's time, so drawing
# (on the kernel's main thread) never takes more than about a quarter of the cpu
BOUNDARY_EVERY = 1.5  # seconds between live decision-boundary updates


@dataclass
class Progress:
    """what the worker publishes: the setting, one snapshot per variant, and the run's state."""

    settings: Settings
    snaps: list = field(default_factory=list)
    state: str = "busy"  # busy | done | diverged | error
    step: int = 0
    cached: bool = False
    error: str = ""
    elapsed: float = 0.0
    data: tuple | None = None  # (X, y) the run trained on


class Runner:
    """train the setting of the latest `want(settings)` in the background.

    `publish(progress)` is called from the worker thread with partial and final results.
    one worker thread lives as long as the runner: no thread per run, none left behind.
    """

    def __init__(self, publish, cache: ResultCache | None = None, draw_seconds=lambda: 0.0):
        self.publish = publish
        self.draw_seconds = draw_seconds
        self.cache = cache or ResultCache()
        self._wanted: Settings | None = None
        self._wake = threading.Event()
        self._idle = threading.Event()
        self._closed = False
        self._data_key = None
        self._data = None
        self.last: Progress | None = None
        self._published_at = 0.0
        self._thread = threading.Thread(target=self._loop, name="skipviz-trainer", daemon=True)
        self._thread.start()

    # the main thread's side

    def want(self, settings: Settings):
        """ask for `settings`; a run of any older setting is cancelled at its next step."""
        self._idle.clear()
        self._wanted = settings
        self._wake.set()

    def wait(self, timeout: float = 60.0) -> Progress | None:
        """block until the latest wanted setting has finished (or `timeout` s passed)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self._idle.wait(min(0.05, max(end - time.monotonic(), 0))):
                last = self.last
                if last is not None and last.settings == self._wanted and last.state != "busy":
                    return last
                time.sleep(0.01)  # idle, but a newer want() is on its way to the worker
        return None

    @property
    def wanted(self) -> Settings | None:
        """the setting the worker is on (or about to start)."""
        return self._wanted

    @property
    def busy(self) -> bool:
        return not self._idle.is_set()

    @property
    def thread(self) -> threading.Thread:
        return self._thread

    def close(self, timeout: float = 10.0):
        self._closed = True
        self._wake.set()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    # the worker's side

    def _stale(self, target: Settings) -> bool:
        return self._closed or self._wanted is not target

    def _loop(self):
        while not self._closed:
            self._wake.wait()
            # a burst of changes (a dragged slider) settles before any work starts
            while self._wake.is_set() and not self._closed:
                self._wake.clear()
                time.sleep(SETTLE)
            target = self._wanted
            if self._closed or target is None:
                break
            try:
                self._run(target)
            except Exception as err:  # never let one bad run kill the worker
                traceback.print_exc(file=sys.__stderr__)
                self._emit(Progress(target, state="error", error=f"{type(err).__name__}: {err}",
                                    data=self._data))
            if not self._stale(target):
                release_memory()  # before idling: a kernel at rest holds only what it uses
                self._idle.set()

    def _gap(self) -> float:
        """seconds to leave between two redraws, so rendering never crowds out the widgets."""
        return DRAW_SHARE * self.draw_seconds()

    def _emit(self, progress: Progress):
        """publish `progress`; during a burst of changes, partial results that come too soon
        after the last redraw are dropped and a final one waits its turn (unless outdated)."""
        self.last = progress
        wait = self._published_at + self._gap() - time.perf_counter()
        if wait > 0:
            if progress.state == "busy":
                return
            end = time.perf_counter() + wait
            while time.perf_counter() < end and not self._stale(progress.settings):
                time.sleep(0.02)
        if self._stale(progress.settings):
            return
        self._published_at = time.perf_counter()
        try:
            self.publish(progress)
        except Exception:  # a drawing bug must not stop the worker either
            traceback.print_exc(file=sys.__stderr__)

    def dataset(self, s: Settings):
        """(X, y) for a setting; the last one is kept, so a change of depth reuses it."""
        key = (s.dataset, s.seed)
        if key != self._data_key:
            self._data = make_dataset(s.dataset, n=DATA_POINTS, seed=s.seed)
            self._data_key = key
        return self._data

    def _run(self, target: Settings):
        X, y = self.dataset(target)
        alphas = target.alphas
        cached = {a: self.cache.get(target.run_key(a)) for a in alphas}
        missing = [a for a in alphas if cached[a] is None]
        if not missing:
            snaps = [cached[a] for a in alphas]
            self._emit(_finished(target, snaps, cached=True, data=(X, y)))
            return
        start = time.perf_counter()
        # step 0 of every variant first (one step each), so both profiles appear at once
        first = compare(X, y, skips=missing, **_train_args(target, steps=1))
        snaps = {a: cached[a] for a in alphas}
        for r in first:
            snaps[r.alpha] = Snapshot.of(r, target.steps)
        if self._stale(target):
            return
        self._emit(Progress(target, [snaps[a] for a in alphas], step=1, data=(X, y)))
        clock = {"boundary": time.perf_counter()}

        grids: dict = {}  # alpha -> decision grid of a finished variant
        live_grids: dict = {}  # alpha -> latest decision grid of a variant still training

        def boundary(r):
            net = getattr(r, "net", None)
            return None if net is None or r.diverged else decision_grid(net, X, n=60)[2]

        def on_progress(results):
            if self._stale(target):
                return False
            # variants may train one after another or side by side: ask each whether it is done
            done = {r.alpha: r.diverged or r.steps_run >= target.steps for r in results}
            for r in results:
                if done[r.alpha] and r.alpha not in grids:
                    grids[r.alpha] = boundary(r)
            now = time.perf_counter()
            if now - self._published_at < max(PUBLISH_EVERY, self._gap()):
                return None
            if now - clock["boundary"] > BOUNDARY_EVERY:
                clock["boundary"] = now
                live_grids.update({r.alpha: boundary(r) for r in results if not done[r.alpha]})
            for r in results:
                grid = grids.get(r.alpha, live_grids.get(r.alpha))
                snaps[r.alpha] = Snapshot.of(r, target.steps, grid, finished=done[r.alpha])
            step = max(r.steps_run for r in results)
            self._emit(Progress(target, [snaps[a] for a in alphas], step=step,
                                elapsed=now - start, data=(X, y)))
            return None

        results = compare(X, y, skips=missing, callback=on_progress, callback_every=5,
                          **_train_args(target))
        if self._stale(target) or any(r.cancelled for r in results):
            return
        for r in results:
            grid = grids[r.alpha] if r.alpha in grids else boundary(r)
            snap = Snapshot.of(r, target.steps, grid, finished=True)
            r.net = None  # drop the net: the cache holds arrays only
            self.cache.put(target.run_key(r.alpha), snap)
            snaps[r.alpha] = snap
        elapsed = time.perf_counter() - start
        self._emit(_finished(target, [snaps[a] for a in alphas], elapsed=elapsed, data=(X, y)))


def release_memory() -> bool:
    """hand the heap's free pages back to the os; true if it could (glibc only).

    a run at depth 200 leaves ~80 MB (width 32) to ~200 MB (width 128) of freed buffers in
    the process, which glibc keeps; in a classroom of kernels that adds up. trimming takes
    ~5-20 ms, once per finished setting.
    """
    try:
        return bool(_libc().malloc_trim(0))
    except (OSError, AttributeError):
        return False


@functools.lru_cache(maxsize=1)
def _libc():
    return ctypes.CDLL("libc.so.6")


def _train_args(s: Settings, steps: int | None = None) -> dict:
    return dict(depth=s.depth, width=s.width, activation=s.activation, init_scale=s.init_scale,
                steps=steps or s.steps, lr=s.lr, seed=s.seed)


def _finished(target: Settings, snaps, cached: bool = False, elapsed: float | None = None,
              data=None):
    diverged = any(s.diverged for s in snaps)
    if elapsed is None:
        elapsed = sum(s.elapsed for s in snaps)
    return Progress(target, list(snaps), state="diverged" if diverged else "done",
                    step=max(s.steps_run for s in snaps), cached=cached, elapsed=elapsed,
                    data=data)
