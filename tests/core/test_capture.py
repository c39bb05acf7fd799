import numpy as np
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
    gx = np.array([t.grad.norm().item() for t in inputs])
    gw = np.array([b.fc.weight.grad.norm().item() for b in net.blocks])
    return gx, gw


def test_recorder_matches_autograd(spirals):
    X, y = spirals
    for skip in (0.0, 0.5, 1.0):
        torch.manual_seed(3)
        net = sv.make_mlp(12, width=16, skip=skip)
        with sv.GradientRecorder(net) as rec:
            F.cross_entropy(net(X), y).backward()
        gx, gw = _autograd_norms(net, X, y)
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
