"""the bare pytorch loop of the check cells computes what make_mlp + train compute."""

import numpy as np
import pytest
import torch

import skipviz as sv
from skipviz.measure.reference import bare_run

X, y = sv.make_dataset("spirals", n=64, seed=0)


@pytest.mark.parametrize("norm, branch, alpha, act", [
    ("none", "standard", 0.0, "tanh"), ("none", "standard", 1.0, "relu"),
    ("batch", "standard", 0.0, "relu"), ("layer", "standard", 1.0, "tanh"),
    ("none", "scaled", 1.0, "relu"), ("none", "rezero", 1.0, "relu"),
    ("layer", "fixup", 1.0, "gelu"),
])
def test_bare_loop_is_make_mlp_and_train(norm, branch, alpha, act):
    torch.manual_seed(5)
    net = sv.make_mlp(6, width=8, skip=alpha, activation=act, norm=norm, branch=branch,
                      init_scale=1.5)
    r = sv.train(net, X, y, steps=8, seed=5)
    b = bare_run(X, y, depth=6, width=8, alpha=alpha, activation=act, norm=norm, branch=branch,
                 init_scale=1.5, steps=8, seed=5)
    np.testing.assert_allclose(b.losses, r.losses, rtol=1e-5)
    np.testing.assert_allclose(b.grad_norms, r.grad_norms[0], rtol=1e-5)
    assert b.gradient_ratio == pytest.approx(r.grad_norms[0][0] / r.grad_norms[0][-1], rel=1e-5)


def test_bare_loop_sees_divergence():
    b = bare_run(X, y, depth=50, width=8, activation="relu", init_scale=6.0, steps=20,
                 lr=1.0, optimizer="sgd")
    assert b.diverged_at is not None and len(b.losses) == b.diverged_at + 1


def test_steps_0_only_measures():
    b = bare_run(X, y, depth=3, width=8)
    assert b.losses == [] and b.grad_norms.shape == (3,) and b.variance.shape == (4,)


def test_bare_sgd_is_train_sgd():
    from skipviz.core.train import SGD_MOMENTUM

    torch.manual_seed(2)
    net = sv.make_mlp(6, width=8, activation="relu", branch="scaled")
    r = sv.train(net, X, y, steps=8, seed=2, optimizer="sgd")
    b = bare_run(X, y, depth=6, width=8, activation="relu", branch="scaled", steps=8, seed=2,
                 optimizer="sgd", momentum=SGD_MOMENTUM)
    np.testing.assert_allclose(b.losses, r.losses, rtol=1e-5)
