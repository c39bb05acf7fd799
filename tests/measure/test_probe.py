import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import skipviz as sv
from skipviz.measure.probes import break_block, break_each, layer_inputs


def _oracle(net, X, y):
    """autograd the long way: retain_grad on every x_l, one backward, read .grad."""
    net.zero_grad()
    xs = [net.stem(X)]
    for block in net.blocks:
        xs.append(block(xs[-1]))
    for x in xs:
        x.retain_grad()
    F.cross_entropy(net.head(xs[-1]), y).backward()
    std = np.array([x.detach().std(0).mean().item() for x in xs])
    grad = np.array([x.grad.norm().item() for x in xs])
    return std, grad


@pytest.mark.parametrize("skip", [0.0, 0.5, 1.0])
def test_signals_match_autograd(spirals, skip):
    X, y = spirals
    torch.manual_seed(3)
    net = sv.make_mlp(9, width=16, skip=skip)
    fwd, bwd = sv.forward_signal(net, X), sv.backward_signal(net, X, y)
    std, grad = _oracle(net, X, y)
    assert fwd.shape == bwd.shape == (10,)
    np.testing.assert_allclose(fwd, std, rtol=1e-6)
    np.testing.assert_allclose(bwd, grad, rtol=1e-5)


def test_backward_signal_agrees_with_recorder_and_leaves_grads_alone(spirals):
    X, y = spirals
    net = sv.make_mlp(6, width=8)
    bwd = sv.backward_signal(net, X, y)
    assert all(p.grad is None for p in net.parameters())
    with sv.GradientRecorder(net) as rec:
        F.cross_entropy(net(X), y).backward()
    # the recorder sees block inputs x_0 .. x_{L-1}; the probe adds x_L, the head's input
    np.testing.assert_allclose(bwd[:-1], rec.grad_norms[0], rtol=1e-5)


def test_plain_signal_fades_residual_signal_does_not(spirals):
    X, y = spirals
    out = {}
    for skip in (False, True):
        torch.manual_seed(0)
        net = sv.make_mlp(30, skip=skip)
        out[skip] = sv.forward_signal(net, X), sv.backward_signal(net, X, y)
    (pf, pb), (rf, rb) = out[False], out[True]
    # plain tanh at depth 30: every input ends up at (nearly) the same point, gradients fade
    assert pf[-1] / pf[0] < 1e-4 and pb[0] / pb[-1] < 1e-3
    assert rf[-1] / rf[0] > 1.0 and rb[0] / rb[-1] > 1.0


def test_zeroed_residual_block_is_the_identity_and_equals_deletion():
    torch.manual_seed(1)
    net = sv.make_mlp(5, width=8, skip=True)
    X = torch.randn(20, 2)
    zeroed, deleted = break_block(net, 2, "zero"), break_block(net, 2, "delete")
    assert len(zeroed.blocks) == 5 and len(deleted.blocks) == 4
    xs, _ = layer_inputs(zeroed, X)
    assert torch.equal(xs[3], xs[2])
    torch.testing.assert_close(zeroed(X), deleted(X))


def test_zeroed_plain_block_outputs_a_constant():
    torch.manual_seed(1)
    net = sv.make_mlp(5, width=8, skip=False)
    out = break_block(net, 1, "zero")(torch.randn(20, 2))
    assert torch.allclose(out, out[:1].expand_as(out))


def test_delete_skips_the_block_and_leaves_the_original_alone():
    torch.manual_seed(2)
    net = sv.make_mlp(4, width=8, skip=False)
    before = [p.clone() for p in net.parameters()]
    deleted = break_block(net, 0, "delete")
    zeroed = break_block(net, 3, "zero")
    X = torch.randn(7, 2)
    x = net.stem(X)
    for block in list(net.blocks)[1:]:
        x = block(x)
    torch.testing.assert_close(deleted(X), net.head(x))
    assert len(net.blocks) == 4 and all(
        torch.equal(p, q) for p, q in zip(before, net.parameters(), strict=True))
    assert zeroed.blocks[3].fc.weight.abs().sum() == 0


def test_break_each_matches_breaking_one_at_a_time(spirals):
    X, y = spirals
    net = sv.make_mlp(4, width=8)
    for mode in ("zero", "delete"):
        acc = break_each(net, X, y, mode)
        assert acc.shape == (4,)
        for k in range(4):
            pred = break_block(net, k, mode)(X).argmax(1)
            assert acc[k] == pytest.approx((pred == y).float().mean().item())


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda net, X, y: break_block(net, 4), "block"),
        (lambda net, X, y: break_block(net, -1), "block"),
        (lambda net, X, y: break_block(net, 1.0), "block"),
        (lambda net, X, y: break_block(net, 0, "drop"), "mode"),
        (lambda net, X, y: break_each(net, X, y, "drop"), "mode"),
        (lambda net, X, y: break_block("net", 0), "net"),
        (lambda net, X, y: sv.forward_signal(net, X[:, :1]), "X"),
        (lambda net, X, y: sv.forward_signal(net, None), "X"),
        (lambda net, X, y: sv.forward_signal(net, X[:1]), "X"),
        (lambda net, X, y: sv.forward_signal(net, torch.full((3, 2), math.nan)), "X"),
        (lambda net, X, y: sv.backward_signal(net, X, y[:-1]), "y"),
        (lambda net, X, y: sv.backward_signal(net, X, y + 7), "y"),
        (lambda net, X, y: sv.backward_signal(torch.nn.Linear(2, 2), X, y), "net"),
    ],
)
def test_probe_refuses(call, name):
    X, y = sv.make_dataset("moons", n=16)
    with pytest.raises(ValueError, match=name):
        call(sv.make_mlp(4), X, y)
