import numpy as np
import pytest
import torch
import torch.nn.functional as F

import skipviz as sv


def _autograd_norms(net, X, y):
    """the oracle: keep every block input with retain_grad and read .grad after backward."""
    net.zero_grad()
    inputs = []
    x = net.stem(X)
    for block in net.blocks:
        x.retain_grad()
        inputs.append(x)
        x = block(x)
    F.cross_entropy(net.head(x), y).backward()
    # float64 norms: exact where float32's sum of squares would overflow
    gx = np.array([t.grad.double().norm().item() for t in inputs])
    gw = np.array([b.fc.weight.grad.double().norm().item() for b in net.blocks])
    return gx, gw, inputs


def test_recorder_matches_autograd(spirals):
    X, y = spirals
    for skip in (0.0, 0.5, 1.0):
        torch.manual_seed(3)
        net = sv.make_mlp(12, width=16, skip=skip)
        with sv.GradientRecorder(net) as rec:
            F.cross_entropy(net(X), y).backward()
        gx, gw, _ = _autograd_norms(net, X, y)
        assert rec.grad_norms.shape == (1, 12)
        np.testing.assert_allclose(rec.grad_norms[0], gx, rtol=1e-5)
        np.testing.assert_allclose(rec.weight_grad_norms[0], gw, rtol=1e-5)


def test_recorder_one_row_per_backward_and_unhooks(spirals):
    X, y = spirals
    net = sv.make_mlp(4)
    with sv.GradientRecorder(net) as rec:
        for _ in range(3):
            net.zero_grad()
            F.cross_entropy(net(X), y).backward()
        with torch.no_grad():
            net(X)  # an evaluation pass must not add a row
    assert rec.grad_norms.shape == (3, 4)
    assert rec.weight_grad_norms.shape == (3, 4)
    assert all(not b._forward_pre_hooks for b in net.blocks)
    assert all(not b.fc.weight._backward_hooks for b in net.blocks)
    F.cross_entropy(net(X), y).backward()
    assert rec.grad_norms.shape == (3, 4)


def test_plain_gradient_vanishes_residual_does_not(spirals):
    X, y = spirals
    ratios = {}
    for skip in (False, True):
        torch.manual_seed(0)
        net = sv.make_mlp(30, skip=skip, activation="tanh")
        with sv.GradientRecorder(net) as rec:
            F.cross_entropy(net(X), y).backward()
        g = rec.grad_norms[0]
        ratios[skip] = g[0] / g[-1]
    assert ratios[False] < 1e-3
    assert ratios[True] > 1e-2


def test_recorded_norms_do_not_overflow_where_the_gradients_are_finite(spirals):
    """relu, weights x6, depth 60: dL/dx reaches ~1e21, every element finite. float32's sum
    of squares would overflow to inf; the recorder's norms equal float64 autograd's."""
    X, y = spirals
    torch.manual_seed(0)
    net = sv.make_mlp(60, skip=False, activation="relu", init_scale=6.0)
    with sv.GradientRecorder(net) as rec:
        F.cross_entropy(net(X), y).backward()
    gx, gw, inputs = _autograd_norms(net, X, y)
    assert all(torch.isfinite(t.grad).all() for t in inputs)
    assert not torch.isfinite(inputs[0].grad.norm())  # what a float32 norm would record
    np.testing.assert_allclose(rec.grad_norms[0], gx, rtol=1e-6)
    np.testing.assert_allclose(rec.weight_grad_norms[0], gw, rtol=1e-6)
    assert rec.grad_norms[0, 0] > 1e20


def test_norm_helpers_agree_with_float64():
    from skipviz.core.capture import norm, norms

    big = torch.full((100,), 3e37)  # float32 squares overflow; float64 does not
    small = torch.randn(7)
    assert norm(big) == pytest.approx(3e38, rel=1e-6)
    np.testing.assert_allclose(norms([big, small]), [3e38, small.double().norm().item()],
                               rtol=1e-6)
    assert norm(torch.tensor([1.0, float("inf")])) == float("inf")
