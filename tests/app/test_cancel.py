"""cancelling a run, as the dashboard does when a slider moves: prompt, tidy, and final.

the dashboard runs `compare` in a worker thread and cancels a stale run by returning False
from its callback. the run must stop within a few callbacks, hand back results marked
cancelled whose arrays agree in length, and leave no thread, hook or state behind.
"""

import threading

import numpy as np
import psutil
import pytest
from support.waiting import settles

import skipviz as sv

X, Y = sv.make_dataset("spirals", n=128, seed=0)
# long enough that a run which ignores the cancel is obvious, short enough if it does
STEPS = 2000
KW = dict(depth=6, width=16, steps=STEPS, seed=1, callback_every=1)


class Watcher:
    """a callback that checks every partial result and cancels on request."""

    def __init__(self, cancel_at: int | None = None, depth: int = KW["depth"]):
        self.depth = depth
        self.calls = 0
        self.cancel_at = cancel_at  # cancel on this call (1 = the first)
        self.cancel = threading.Event()  # or when another thread sets this
        self.calls_at_cancel = None  # the call that first saw the request
        self.started = threading.Event()
        self.problems: list[str] = []

    def __call__(self, results):
        # compare passes the list of results, train its one result
        results = results if isinstance(results, list) else [results]
        self.calls += 1
        for r in results:
            n = len(r.losses)
            if not r.grad_norms.shape == r.weight_grad_norms.shape == (n, self.depth):
                self.problems.append(f"call {self.calls}: lengths {n}, {r.grad_norms.shape}")
        if self.calls >= 2:
            self.started.set()
        if self.cancel_at is not None and self.calls >= self.cancel_at:
            self.cancel.set()
        if self.cancel.is_set():
            if self.calls_at_cancel is None:
                self.calls_at_cancel = self.calls
            return False
        return None


def in_worker(fn):
    """start fn in a thread, as the dashboard does; return the thread and a result box."""
    box = {}

    def work():
        try:
            box["results"] = fn()
        except BaseException as err:  # noqa: B036 - the test reads it back
            box["error"] = err

    worker = threading.Thread(target=work, name="trainer")
    worker.start()
    return worker, box


def assert_cancelled(results, watcher: Watcher, skips):
    assert watcher.problems == []
    assert 1 <= len(results) <= len(skips)
    assert [r.alpha for r in results] == [float(s) for s in skips[: len(results)]]
    for r in results:
        assert r.cancelled
        n = len(r.losses)
        assert 1 <= n < STEPS
        assert r.grad_norms.shape == r.weight_grad_norms.shape == (n, KW["depth"])
        assert np.isfinite(r.losses).all() and np.isfinite(r.grad_norms).all()
    # no callback after the one that said False (a couple in flight at most)
    assert watcher.calls - watcher.calls_at_cancel <= 2


@pytest.fixture(scope="module")
def warm():
    # torch starts a few pools lazily on first use in a new thread: not a leak, so run once
    worker, _ = in_worker(lambda: (sv.compare(X, Y, **dict(KW, steps=2)),
                                   sv.train(sv.make_mlp(2), X, Y, steps=2)))
    worker.join(timeout=60)


@pytest.fixture
def baseline(warm):
    """threads before the test; the test must end with no more, python's or the os's."""
    proc = psutil.Process()
    before = threading.active_count(), proc.num_threads()
    yield
    assert threading.active_count() == before[0]
    assert settles(lambda: proc.num_threads() <= before[1]), (proc.num_threads(), before)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("cancel_at", [1, 3, 10])
def test_callback_cancels_from_a_worker_thread(cancel_at, baseline):
    skips = (0.0, 0.5, 1.0)
    watcher = Watcher(cancel_at=cancel_at)
    worker, box = in_worker(lambda: sv.compare(X, Y, skips=skips, callback=watcher, **KW))
    worker.join(timeout=60)
    assert not worker.is_alive(), "cancelled run still training"
    assert "error" not in box, box.get("error")
    assert_cancelled(box["results"], watcher, skips)
    # with a callback every step, the run stopped where it was told to
    assert max(len(r.losses) for r in box["results"]) <= cancel_at + 2


@pytest.mark.timeout(120)
def test_another_thread_cancels_a_running_compare(baseline):
    # the dashboard's main thread sees a new slider value and flags the running worker
    skips = (0.0, 1.0)
    watcher = Watcher()
    worker, box = in_worker(lambda: sv.compare(X, Y, skips=skips, callback=watcher, **KW))
    assert watcher.started.wait(timeout=60), "no callback arrived"
    calls_when_asked = watcher.calls
    watcher.cancel.set()
    worker.join(timeout=60)
    assert not worker.is_alive()
    assert "error" not in box, box.get("error")
    assert_cancelled(box["results"], watcher, skips)
    # the request was seen at the next callback or the one after
    assert watcher.calls_at_cancel - calls_when_asked <= 2


@pytest.mark.timeout(120)
def test_train_cancels_too(baseline):
    watcher = Watcher(cancel_at=4)
    net = sv.make_mlp(KW["depth"], KW["width"])
    worker, box = in_worker(lambda: [sv.train(net, X, Y, steps=STEPS, callback=watcher,
                                              callback_every=1)])
    worker.join(timeout=60)
    assert not worker.is_alive()
    assert_cancelled(box["results"], watcher, (1.0,))
    # train's gradient hooks are gone: the net is a plain module again
    for block in net.blocks:
        assert not block._forward_pre_hooks
        assert not block.fc.weight._backward_hooks


@pytest.mark.timeout(120)
def test_a_cancelled_run_changes_nothing_for_the_next(baseline):
    # cancel one run half way, then run the same setting to the end: it must match a run
    # that never saw a cancel (nothing carried over: no weights, no optimizer state)
    short = dict(KW, steps=30)
    clean = sv.compare(X, Y, **short)
    sv.compare(X, Y, callback=Watcher(cancel_at=5), **short)
    after = sv.compare(X, Y, **short)
    for a, b in zip(clean, after, strict=True):
        assert np.array_equal(a.losses, b.losses)
        assert np.array_equal(a.grad_norms, b.grad_norms)


@pytest.mark.timeout(120)
def test_a_callback_error_reaches_the_caller_and_leaves_nothing(baseline):
    # a bug in the caller's callback must surface, not be swallowed or leave a run going
    def broken(results):
        raise RuntimeError("drawing failed")

    worker, box = in_worker(lambda: sv.compare(X, Y, callback=broken, **KW))
    worker.join(timeout=60)
    assert not worker.is_alive()
    assert isinstance(box.get("error"), RuntimeError)
    # and the next run is whole
    results = sv.compare(X, Y, **dict(KW, steps=5))
    assert all(len(r.losses) == 5 and not r.cancelled for r in results)


@pytest.mark.timeout(120)
def test_cancel_after_one_variant_diverged(baseline):
    # sgd at lr 1 on a 20-block relu net: the residual net explodes at step 2, the plain one
    # (its gradient vanishing) trains on until the cancel; each keeps its own ending
    kw = dict(KW, depth=20, activation="relu", optimizer="sgd", lr=1.0)
    watcher = Watcher(cancel_at=6, depth=20)
    plain, residual = sv.compare(X, Y, skips=(0.0, 1.0), callback=watcher, **kw)
    assert watcher.problems == [] and watcher.calls == 6
    assert residual.diverged and residual.diverged_at == 2, "pick a setting that still diverges"
    assert len(residual.losses) == 3 and np.isfinite(residual.losses[:2]).all()
    assert plain.cancelled and not plain.diverged
    assert 3 < len(plain.losses) <= 8 and np.isfinite(plain.losses).all()
    for r in (plain, residual):
        assert r.grad_norms.shape == r.weight_grad_norms.shape == (len(r.losses), 20)
