"""one worker thread: trains the latest wanted setting, cancels stale runs, caches results.

it publishes a frame at most every PUBLISH_EVERY seconds by handing it to `publish` (which
sets widget traits: queued messages, the worker never waits on a browser drawing). a run can
be paused, stepped and resumed; a setting already trained by any kernel of the server (the
shared ResultStore) is replayed through its steps instead of retrained.
"""

from __future__ import annotations

import ctypes
import functools
import math
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field

from ..core.compare import compare
from ..core.data import make_dataset
from ..measure.boundary import decision_grid
from .cache import ResultCache, Snapshot
from .settings import GRID, Settings, drawn_points
from .store import ResultStore

DATA_POINTS = 400
SETTLE = 0.04  # seconds of quiet that end a burst of changes before training starts
# seconds between live frames: 8 a second, which the page showed as ~19 visible updates a
# second (medians of three runs: a frame's messages land over more than one animation frame).
# every frame costs the kernel's one core ~11 widget messages to send and the server to relay
# (~0.7 ms each here): at 10 a second the page lagged the engine 1.28-1.35x at depth 60, a
# fifth fewer frames give some of that back
PUBLISH_EVERY = 0.125
BOUNDARY_EVERY = 0.75  # seconds between live decision grids (each costs a forward pass)
# a live grid is coarser than a finished run's: at depth 60 a 50 x 50 grid costs ~25 ms a
# variant, 10 % of the training core at two a second; 20 x 20 costs ~6 ms, and at one every
# 0.75 s the live maps take ~2 % of the core instead of ~4 % (24 x 24 every 0.5 s)
LIVE_GRID = 20
REPLAY_SECONDS = 1.2  # a stored run plays through its steps in about this long
PAUSE_POLL = 0.05


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
    replayed: bool = False  # shown from the server's store, not trained here
    paused: bool = False


class Runner:
    """train the setting of the latest `want(settings)` in the background.

    `publish(progress)` is called from the worker thread with partial and final results.
    one worker thread lives as long as the runner: no thread per run, none left behind.
    """

    def __init__(self, publish, cache: ResultCache | None = None,
                 store: ResultStore | None = None):
        self.publish = publish
        self.cache = cache or ResultCache()
        self.store = store if store is not None else ResultStore()
        self._wanted: Settings | None = None
        self._wake = threading.Event()
        self._idle = threading.Event()
        self._closed = False
        self._paused = False
        self._steps = 0  # steps granted while paused
        self._nudge = threading.Event()
        self._data_key = None
        self._data = None
        self.last: Progress | None = None
        self._published_at = 0.0
        self._thread = threading.Thread(target=self._loop, name="skipviz-trainer", daemon=True)
        self._thread.start()

    # the main thread's side

    def want(self, settings: Settings | None):
        """ask for `settings`; a run of any older setting is cancelled at its next step
        (None: cancel, and train nothing)."""
        self._idle.clear()
        self._wanted = settings
        self._wake.set()
        self._nudge.set()

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

    def pause(self, paused: bool = True):
        """hold the run at its next step (True) or let it go on (False)."""
        self._paused = bool(paused)
        self._nudge.set()

    def step(self, steps: int = 1):
        """while paused: let the run take `steps` more steps, then hold it again."""
        self._steps += max(int(steps), 0)
        self._nudge.set()

    @property
    def paused(self) -> bool:
        return self._paused

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
        self._nudge.set()
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
            if self._closed:
                break
            if target is None:  # want(None): nothing to train (a drawing without both classes)
                self.last = None
                self._idle.set()
                continue
            try:
                self._run(target)
            except Exception as err:  # never let one bad run kill the worker
                traceback.print_exc(file=sys.__stderr__)
                self._emit(Progress(target, state="error", error=f"{type(err).__name__}: {err}",
                                    data=self._data), force=True)
            if not self._stale(target):
                release_memory()  # before idling: a kernel at rest holds only what it uses
                self._idle.set()

    def _hold(self, target: Settings, frame) -> bool:
        """at a step boundary: wait while paused (showing `frame()` once); False if stale."""
        if not self._paused or self._stale(target):
            return not self._stale(target)
        self._emit(frame(paused=True), force=True)
        while self._paused and not self._stale(target):
            if self._steps > 0:
                self._steps -= 1
                return True
            self._nudge.wait(PAUSE_POLL)
            self._nudge.clear()
        return not self._stale(target)

    def _emit(self, progress: Progress, force: bool = False):
        """publish `progress`: partial frames at most every PUBLISH_EVERY s, finals always."""
        self.last = progress
        now = time.perf_counter()
        if not force and progress.state == "busy" and now - self._published_at < PUBLISH_EVERY:
            return
        if self._stale(progress.settings):
            return
        self._published_at = now
        try:
            self.publish(progress)
        except Exception:  # a drawing bug must not stop the worker either
            traceback.print_exc(file=sys.__stderr__)

    def dataset(self, s: Settings):
        """(X, y) for a setting; the last one is kept, so a change of depth reuses it."""
        key = (s.dataset, s.seed, s.points)
        if key != self._data_key:
            if s.dataset == "drawn":
                self._data = drawn_points(s.points)
            else:
                self._data = make_dataset(s.dataset, n=DATA_POINTS, seed=s.seed)
            self._data_key = key
        return self._data

    def _stored(self, key) -> Snapshot | None:
        snap = self.cache.get(key)
        if snap is None:
            snap = self.store.get(key)
            if snap is not None:
                self.cache.put(key, snap)
                return snap
        return snap

    def _run(self, target: Settings):
        X, y = self.dataset(target)
        alphas = target.alphas
        in_memory = {a: self.cache.get(target.run_key(a)) for a in alphas}
        if all(s is not None for s in in_memory.values()):
            self._emit(_finished(target, [in_memory[a] for a in alphas], cached=True,
                                 data=(X, y)), force=True)
            return
        stored = {a: in_memory[a] or self._stored(target.run_key(a)) for a in alphas}
        missing = [a for a in alphas if stored[a] is None]
        if not missing:
            self._replay(target, [stored[a] for a in alphas], (X, y))
            return
        self._train(target, stored, missing, (X, y))

    def _replay(self, target: Settings, snaps: list, data):
        """show stored runs through their steps, as if live, then finished."""
        steps = max(s.steps_run for s in snaps)
        frames = max(2, int(REPLAY_SECONDS / PUBLISH_EVERY))
        marks = sorted({max(1, math.ceil(steps * (i + 1) / frames)) for i in range(frames)})
        for k in marks[:-1]:
            def frame(paused=False, k=k):
                return Progress(target, [s.upto(k) for s in snaps], step=k, data=data,
                                replayed=True, paused=paused)
            if not self._hold(target, frame):
                return
            self._emit(frame(), force=True)
            end = time.perf_counter() + PUBLISH_EVERY
            while time.perf_counter() < end and not self._stale(target):
                self._nudge.wait(max(end - time.perf_counter(), 0))
                self._nudge.clear()
            if self._stale(target):
                return
        done = _finished(target, snaps, data=data)
        done.replayed = True
        self._emit(done, force=True)

    def _train(self, target: Settings, stored: dict, missing: list, data):
        run = LiveRun(target, stored, missing, data)

        def on_progress(results):
            if self._stale(target):
                return False
            done = run.observe(results)
            first = all(r.steps_run == 1 for r in results)
            if first or time.perf_counter() - self._published_at >= PUBLISH_EVERY or self._paused:
                self._emit(run.frame(results, done), force=first)
            if not self._hold(target, lambda paused: run.frame(results, done, paused)):
                return False
            return None

        results = compare(*data, skips=missing, callback=on_progress,
                          callback_every=callback_every(target), live_nets=False,
                          **train_args(target))
        if self._stale(target) or any(r.cancelled for r in results):
            return
        snaps = {r.alpha: run.finish(r) for r in results}
        for alpha, snap in snaps.items():
            self.cache.put(target.run_key(alpha), snap)
        self._emit(_finished(target, run.snapshots(), elapsed=run.elapsed(), data=data),
                   force=True)
        # shared with the server's other kernels once this page has its result
        for alpha, snap in snaps.items():
            self.store.put(target.run_key(alpha), snap)


class LiveRun:
    """what one training run has shown so far: each variant's snapshot and decision grids.

    the engine calls back with partial results; observe() records a decision grid now and
    then (each costs a forward pass) and the last one when a variant finishes, frame() turns
    the results into what the page shows, finish() makes a variant's final snapshot.
    """

    def __init__(self, target: Settings, stored: dict, missing: list, data):
        self.target, self.X = target, data[0]
        self.data = data
        self.snaps = {a: stored[a] for a in target.alphas}
        self.grids: dict = {a: [] for a in missing}  # alpha -> [(step, grid)] recorded so far
        self.final: dict = {}  # alpha -> grid of a finished variant
        self.start = time.perf_counter()
        self.last_grid_at = -math.inf

    def grid_of(self, r, n: int = GRID):
        if r.diverged:
            return None
        # the batched engine evaluates its own buffers; other paths hand a module
        net = r.live_logits or r.sync()
        return None if net is None else decision_grid(net, self.X, n=n)[2]

    def _keep_final(self, r):
        if r.alpha not in self.final:
            self.final[r.alpha] = self.grid_of(r)
            if self.final[r.alpha] is not None:
                self.grids[r.alpha].append((r.steps_run - 1, self.final[r.alpha]))

    def observe(self, results) -> dict:
        """record grids for `results`; returns alpha -> whether that variant is done."""
        # variants may train one after another or side by side: ask each whether it is done
        done = {r.alpha: r.diverged or r.steps_run >= self.target.steps for r in results}
        for r in results:
            if done[r.alpha]:
                self._keep_final(r)
        now = time.perf_counter()
        if now - self.last_grid_at > BOUNDARY_EVERY:
            self.last_grid_at = now
            for r in results:
                g = None if done[r.alpha] else self.grid_of(r, LIVE_GRID)
                if g is not None:
                    self.grids[r.alpha].append((r.steps_run - 1, g))
        return done

    def frame(self, results, done: dict, paused: bool = False) -> Progress:
        for r in results:
            history = tuple(self.grids[r.alpha])
            grid = history[-1][1] if history else None
            self.snaps[r.alpha] = Snapshot.of(r, self.target.steps, grid,
                                              finished=done[r.alpha], history=history)
        return Progress(self.target, self.snapshots(), step=max(r.steps_run for r in results),
                        elapsed=self.elapsed(), data=self.data, paused=paused)

    def finish(self, r) -> Snapshot:
        """the finished variant's snapshot; the net is dropped (the cache holds arrays)."""
        self._keep_final(r)
        snap = Snapshot.of(r, self.target.steps, self.final[r.alpha], finished=True,
                           history=tuple(self.grids[r.alpha]))
        r.net = None
        self.snaps[r.alpha] = snap
        return snap

    def snapshots(self) -> list:
        return [self.snaps[a] for a in self.target.alphas]

    def elapsed(self) -> float:
        return time.perf_counter() - self.start


def callback_every(s: Settings) -> int:
    """steps between the engine's callbacks: every step (so pause and step are exact),
    except for wide nets, where copying the weights out at every step would cost ~10%."""
    return 1 if s.width <= 64 else 5


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


def train_args(s: Settings, steps: int | None = None) -> dict:
    """the keyword arguments of compare() that a setting decides."""
    return {**s.train_options(), "steps": steps or s.steps}


def _finished(target: Settings, snaps, cached: bool = False, elapsed: float | None = None,
              data=None):
    diverged = any(s.diverged for s in snaps)
    if elapsed is None:
        elapsed = sum(s.elapsed for s in snaps)
    return Progress(target, list(snaps), state="diverged" if diverged else "done",
                    step=max(s.steps_run for s in snaps), cached=cached, elapsed=elapsed,
                    data=data)
