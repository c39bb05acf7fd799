"""compare's slower path (norm layers, branch scales): each result is train() alone."""

import numpy as np
import pytest
import torch

import skipviz as sv

X, y = sv.make_dataset("spirals", n=64, seed=0)


@pytest.mark.parametrize("norm, branch", [("batch", "standard"), ("layer", "standard"),
                                          ("none", "rezero"), ("layer", "scaled")])
def test_each_variant_is_train_alone(norm, branch):
    results = sv.compare(X, y, depth=4, width=8, norm=norm, branch=branch, steps=6, seed=3)
    assert [r.alpha for r in results] == [0.0, 1.0]
    for r in results:
        torch.manual_seed(3)
        net = sv.make_mlp(4, 8, r.alpha, norm=norm, branch=branch)
        alone = sv.train(net, X, y, steps=6, seed=3)
        np.testing.assert_array_equal(r.losses, alone.losses)
        np.testing.assert_array_equal(r.grad_norms, alone.grad_norms)
        assert r.config["norm"] == norm and r.config["branch"] == branch
        assert r.net.norm_name == norm and r.net.branch == branch


def test_default_path_is_unchanged_and_says_so():
    batched = sv.compare(X, y, depth=3, width=8, steps=4)
    assert all(r.config["norm"] == "none" and r.config["branch"] == "standard"
               for r in batched)


def test_callback_sees_every_variant_and_can_cancel():
    seen = []

    def callback(results):
        seen.append([r.steps_run for r in results])
        return len(seen) < 3

    results = sv.compare(X, y, depth=3, width=8, norm="layer", skips=(0.0, 0.5, 1.0),
                         steps=20, callback=callback, callback_every=5)
    assert all(len(s) == 3 for s in seen)
    assert seen[0] == [1, 0, 0]  # the first step of the first net; the rest not started
    assert all(r.cancelled for r in results)
    assert results[0].steps_run == 10 and results[1].steps_run == 0


def test_bad_norm_and_branch_name_the_parameter():
    with pytest.raises(ValueError, match="norm must be one of"):
        sv.compare(X, y, depth=3, norm="group", steps=2)
    with pytest.raises(ValueError, match="branch must be one of"):
        sv.compare(X, y, depth=3, branch="1/sqrt(L)", steps=2)
