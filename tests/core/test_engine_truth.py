"""what train() and compare() record, against plain pytorch loops that know nothing of skipviz.

sgd (with momentum) and adam runs, the distance each block's weights moved, and the
meaning of "diverged": the training itself non-finite, never a norm that only overflowed.
"""

import numpy as np
import pytest
import torch

import skipviz as sv
from skipviz.lessons.vanishing import torch_run

FLOAT32_NORM_LIMIT = float(np.sqrt(np.finfo(np.float32).max))  # a norm past this overflows


# the oracle: a plain pytorch loop (torch.optim, torch.autograd.grad, float64 norms, every
# step tested for inf/nan) that shares nothing with train() or the engine but make_mlp
torch_loop = torch_run


@pytest.mark.parametrize("activation, depth", [("tanh", 30), ("relu", 8)])
def test_sgd_runs_equal_a_plain_torch_sgd_loop(spirals, activation, depth):
    """compare(optimizer='sgd') is torch.optim.SGD(momentum=0.9), variant by variant."""
    X, y = spirals
    results = sv.compare(X, y, depth=depth, skips=(0.0, 0.5, 1.0), activation=activation,
                         steps=60, lr=1e-2, optimizer="sgd")
    for r in results:
        want = torch_loop(X, y, r.alpha, depth, optimizer="sgd", lr=1e-2, steps=60,
                          activation=activation)
        assert not r.diverged and want["finite"]
        np.testing.assert_allclose(r.losses, want["losses"], rtol=1e-4)
        np.testing.assert_allclose(r.grad_norms, want["grad_norms"], rtol=1e-3)
        np.testing.assert_allclose(r.weight_moved, want["moved"], rtol=1e-3, atol=1e-9)
        for p, q in zip(r.net.parameters(), want["net"].parameters(), strict=True):
            torch.testing.assert_close(p, q, rtol=1e-4, atol=1e-6)


def test_sgd_freezes_the_plain_net_s_first_layers_adam_moves_them(spirals):
    """the lesson's claim, measured by the plain loop: plain depth 30 tanh, 150 steps."""
    X, y = spirals
    sgd = torch_loop(X, y, 0.0, 30, optimizer="sgd", lr=1e-2, steps=150)
    adam = torch_loop(X, y, 0.0, 30, optimizer="adam", lr=1e-2, steps=150)
    assert sgd["moved"][-1, 0] < 1e-5 < 1e-1 < adam["moved"][-1, 0]
    # and compare() records the same distances
    for name, want in (("sgd", sgd), ("adam", adam)):
        (plain,) = sv.compare(X, y, depth=30, skips=(0.0,), steps=150, optimizer=name)
        np.testing.assert_allclose(plain.weight_moved[-1, 0], want["moved"][-1, 0],
                                   rtol=1e-3 if name == "sgd" else 0.1)


def test_train_records_the_distance_moved(spirals):
    X, y = spirals
    for optimizer in ("adam", "sgd"):
        torch.manual_seed(0)
        r = sv.train(sv.make_mlp(6), X, y, steps=12, optimizer=optimizer)
        want = torch_loop(X, y, 1.0, 6, optimizer=optimizer, lr=1e-2, steps=12)
        assert r.weight_moved.shape == (12, 6)
        np.testing.assert_allclose(r.weight_moved, want["moved"], rtol=1e-4, atol=1e-9)


def test_finite_training_with_huge_gradients_is_not_diverged(spirals):
    """relu, weights x6, depth 60: every number of the training is finite, the norms pass
    float32's range. plain pytorch adam runs all steps; so must train() and compare()."""
    X, y = spirals
    steps = 20
    for alpha in (0.0, 1.0):
        want = torch_loop(X, y, alpha, 60, optimizer="adam", lr=1e-2, steps=steps,
                          activation="relu", init_scale=6.0)
        assert want["finite"] and want["grad_norms"][0, 0] > FLOAT32_NORM_LIMIT
        torch.manual_seed(0)
        alone = sv.train(sv.make_mlp(60, 32, alpha, "relu", 6.0), X, y, steps=steps)
        (together,) = sv.compare(X, y, depth=60, skips=(alpha,), activation="relu",
                                 init_scale=6.0, steps=steps)
        for r in (alone, together):
            assert not r.diverged and r.diverged_at is None and r.steps_run == steps
            assert np.isfinite(r.grad_norms).all() and np.isfinite(r.weight_grad_norms).all()
            np.testing.assert_allclose(r.grad_norms[0], want["grad_norms"][0], rtol=1e-5)
            np.testing.assert_allclose(r.losses[:3], want["losses"][:3], rtol=1e-5)
            assert np.isfinite(r.accuracy)


@pytest.mark.parametrize("kwargs", [
    dict(activation="linear", init_scale=10.0, depth=100),  # the forward overflows: inf loss
    dict(activation="tanh", init_scale=1e39, depth=3),  # the weights start at inf
])
def test_non_finite_training_is_diverged(spirals, kwargs):
    X, y = spirals
    depth = kwargs.pop("depth")
    torch.manual_seed(0)
    alone = sv.train(sv.make_mlp(depth, 32, 1.0, **kwargs), X, y, steps=5)
    (together,) = sv.compare(X, y, depth=depth, skips=(1.0,), steps=5, **kwargs)
    for r in (alone, together):
        assert r.diverged and r.diverged_at == 0 and r.steps_run == 1
        assert r.weight_moved.shape == (1, depth)


def test_a_weight_that_overflows_mid_run_is_diverged(spirals):
    """sgd at a huge learning rate pushes a weight to inf: diverged, at the step that sees it."""
    X, y = spirals
    torch.manual_seed(0)
    alone = sv.train(sv.make_mlp(4, 8, 1.0, "relu"), X, y, steps=10, lr=1e9, optimizer="sgd")
    (together,) = sv.compare(X, y, depth=4, width=8, skips=(1.0,), activation="relu",
                             steps=10, lr=1e9, optimizer="sgd")
    assert alone.diverged and together.diverged
    assert alone.diverged_at == together.diverged_at


@pytest.mark.parametrize("optimizer", ["lbfgs", "SGD", None, 1])
def test_an_unknown_optimizer_is_refused_by_name(spirals, optimizer):
    X, y = spirals
    with pytest.raises(ValueError, match="optimizer"):
        sv.train(sv.make_mlp(2), X, y, steps=1, optimizer=optimizer)
    with pytest.raises(ValueError, match="optimizer"):
        sv.compare(X, y, depth=2, steps=1, optimizer=optimizer)
