"""a long classroom session at the package level: 200 retrains in one process leak nothing.

the dashboard retrains on every slider move, each time in a worker thread that calls
`compare` with a callback, sometimes cancelling, sometimes on a net that explodes. after
200 such runs the process must hold no more memory than a little allocator slack, no extra
threads (python's or the os's), and no result, net or recorder the caller has dropped.
"""

import gc
import itertools
import threading
import time
import weakref

import psutil
import pytest
import torch
from support.waiting import settles

import skipviz as sv

RUNS = 200
WARMUP = 20
RSS_BUDGET_MB = 50

# slider positions a class might visit: depths, skips, activations, scales, a cancel, a blow-up
DEPTHS = (1, 4, 12, 30)
SKIPS = ((0.0, 1.0), (0.0, 0.5, 1.0), (1.0,))
ACTIVATIONS = ("tanh", "relu", "sigmoid", "gelu", "linear")
SCALES = (1.0, 0.1, 3.0, 1e3)


def settings(i: int) -> dict:
    return dict(
        depth=DEPTHS[i % len(DEPTHS)],
        skips=SKIPS[i % len(SKIPS)],
        activation=ACTIVATIONS[i % len(ACTIVATIONS)],
        init_scale=SCALES[i % len(SCALES)],
        width=12,
        steps=10,
        seed=i % 7,
        callback_every=2,
    )


def retrain(X, y, i: int):
    """one slider move: a worker thread trains, the caller keeps only the final results."""
    box = {}
    cancel_at = 2 if i % 5 == 0 else None  # every fifth run is cancelled by a newer setting
    calls = itertools.count(1)

    def on_progress(results):
        return not (cancel_at is not None and next(calls) >= cancel_at)

    def work():
        kwargs = settings(i)
        if i % 4 == 3:
            # now and then a lesson-style single run: train() with its gradient hooks
            torch.manual_seed(kwargs["seed"])
            net = sv.make_mlp(kwargs["depth"], kwargs["width"], kwargs["skips"][0],
                              kwargs["activation"], kwargs["init_scale"])
            box["results"] = [sv.train(net, X, y, steps=kwargs["steps"], seed=kwargs["seed"],
                                       callback=on_progress, callback_every=2)]
        else:
            box["results"] = sv.compare(X, y, callback=on_progress, **kwargs)

    worker = threading.Thread(target=work, name=f"retrain-{i}")
    worker.start()
    worker.join(timeout=120)
    assert not worker.is_alive(), f"run {i} did not finish"
    return box["results"]


def rss_mb(proc: psutil.Process) -> float:
    gc.collect()
    return proc.memory_info().rss / 2**20


@pytest.mark.timeout(300)
def test_200_retrains_leak_no_memory_threads_or_objects():
    proc = psutil.Process()
    X, y = sv.make_dataset("spirals", n=128, seed=0)

    # warm up: first calls fill allocator pools and import lazily loaded modules
    for i in range(WARMUP):
        retrain(X, y, i)
    threads_before = threading.active_count()
    # the warm-up's last thread may still be leaving the os's list: take the quiet count
    os_threads_before = min(proc.num_threads() for _ in range(30) if time.sleep(0.01) is None)
    rss_before = rss_mb(proc)

    watched = []  # weak references to some results and nets the caller then drops
    outcomes = {"diverged": 0, "cancelled": 0, "finished": 0}
    for i in range(RUNS):
        results = retrain(X, y, i)
        assert results and all(len(r.losses) == len(r.grad_norms) for r in results)
        for r in results:
            key = "diverged" if r.diverged else "cancelled" if r.cancelled else "finished"
            outcomes[key] += 1
        if i % 20 == 0:
            watched += [weakref.ref(results[0]), weakref.ref(results[0].net)]
        del results

    rss_after = rss_mb(proc)
    growth = rss_after - rss_before
    print(f"\nrss {rss_before:.1f} -> {rss_after:.1f} MB (+{growth:.1f} MB) over {RUNS} runs; "
          f"threads {threads_before} -> {threading.active_count()}, "
          f"os threads {os_threads_before} -> {proc.num_threads()}; outcomes {outcomes}")

    # the session really did visit every kind of ending
    assert all(outcomes.values()), outcomes
    assert growth < RSS_BUDGET_MB
    assert threading.active_count() == threads_before
    assert settles(lambda: proc.num_threads() <= os_threads_before)
    assert [ref for ref in watched if ref() is not None] == []
    # and the package left torch as it found it: one intra-op thread
    assert torch.get_num_threads() == 1
