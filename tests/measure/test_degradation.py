import math

import numpy as np
import pytest

import skipviz as sv
from skipviz.measure.degradation import check_depths, depth_sweep, parse_depths

X, Y = sv.make_dataset("moons", n=32, seed=0)


def test_parse_depths():
    assert parse_depths("2, 8, 24") == (2, 8, 24)
    assert parse_depths(" 24 8,2 ,8") == (2, 8, 24)
    assert check_depths([3, 1]) == (1, 3)


def test_depth_sweep_is_compare_at_every_depth():
    seen = []
    sweep = depth_sweep(X, Y, (1, 3), seeds=(0, 1), tail=2, width=4, steps=5,
                        callback=lambda done, total: seen.append((done, total)))
    assert sweep["final_loss"].shape == (2, 2, 2) and sweep["alphas"] == (0.0, 1.0)
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]
    # oracle: the same run through compare, averaged over its last two steps
    r = sv.compare(X, Y, depth=3, seed=1, width=4, steps=5)
    for i in range(2):
        assert sweep["final_loss"][i, 1, 1] == pytest.approx(np.mean(r[i].losses[-2:]))
    assert not sweep["diverged"].any()


def test_a_diverged_run_scores_nan():
    sweep = depth_sweep(X, Y, (30,), width=4, steps=2, activation="relu", init_scale=1e3)
    assert sweep["diverged"].all() and np.isnan(sweep["final_loss"]).all()


@pytest.mark.parametrize("call, name", [
    (lambda: parse_depths("2, x"), "depths"),
    (lambda: parse_depths(""), "depths"),
    (lambda: parse_depths("-3"), "depths"),
    (lambda: parse_depths("0, 4"), "depths"),
    (lambda: parse_depths("9999"), "depths"),
    (lambda: parse_depths(None), "depths"),
    (lambda: check_depths(5), "depths"),
    (lambda: check_depths([]), "depths"),
    (lambda: check_depths(range(1, 20)), "depths"),
    (lambda: check_depths([2.5]), "depths"),
    (lambda: depth_sweep(X, Y, (2,), seeds=()), "seeds"),
    (lambda: depth_sweep(X, Y, (2,), seeds=(-1,)), "seeds"),
    (lambda: depth_sweep(X, Y, (2,), seeds=3), "seeds"),
    (lambda: depth_sweep(X, Y, (2,), tail=0), "tail"),
    (lambda: depth_sweep(X, Y, (2,), steps=0), "steps"),
    (lambda: depth_sweep(X, Y, (2,), lr=math.nan), "lr"),
])
def test_depth_sweep_refuses(call, name):
    with pytest.raises(ValueError, match=name):
        call()
