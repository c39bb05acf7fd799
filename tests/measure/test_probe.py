import copy
import itertools
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import skipviz as sv
from skipviz.measure.probes import (
    break_block,
    break_each,
    deletion_curve,
    layer_inputs,
    without_blocks,
)


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


def _deleted_by_hand(net, X, y, gone):
    """a plain pytorch loop: copy the net, drop the blocks from its ModuleList, score it."""
    broken = copy.deepcopy(net)
    broken.blocks = torch.nn.ModuleList(
        [b for i, b in enumerate(broken.blocks) if i not in gone])
    with torch.no_grad():
        return (broken(X).argmax(1) == y).float().mean().item()


def test_without_blocks_is_the_net_with_those_blocks_dropped(spirals):
    X, y = spirals
    torch.manual_seed(0)
    net = sv.make_mlp(5, width=8, skip=0.7)
    torch.testing.assert_close(without_blocks(net, X, []), net(X))
    broken = copy.deepcopy(net)
    broken.blocks = torch.nn.ModuleList([broken.blocks[i] for i in (0, 2, 4)])
    torch.testing.assert_close(without_blocks(net, X, (1, 3)), broken(X))


@pytest.mark.parametrize("skip", [False, True])
def test_deletion_curve_matches_deleting_by_hand(spirals, skip):
    X, y = spirals
    torch.manual_seed(1)
    net = sv.make_mlp(5, width=8, skip=skip)
    curve = deletion_curve(net, X, y)
    assert curve.deleted.tolist() == list(range(6))
    assert curve.subsets.tolist() == [1, 5, 10, 10, 5, 1] and curve.exhaustive.all()
    for k in range(6):
        accs = [_deleted_by_hand(net, X, y, set(s)) for s in itertools.combinations(range(5), k)]
        assert curve.mean[k] == pytest.approx(np.mean(accs), abs=1e-6)
        assert curve.low[k] == pytest.approx(min(accs)) and curve.high[k] == pytest.approx(
            max(accs))
    assert curve.mean[0] == pytest.approx(sv.core.accuracy(net, X, y))


def test_deletion_curve_samples_distinct_subsets_when_there_are_many(spirals):
    X, y = spirals
    net = sv.make_mlp(8, width=4)
    curve = deletion_curve(net, X, y, max_subsets=10, seed=3)
    # C(8, k) > 10 for k = 2 .. 6: ten subsets drawn; the rest are tried in full
    assert curve.subsets.tolist() == [1, 8, 10, 10, 10, 10, 10, 8, 1]
    assert curve.exhaustive.tolist() == [True, True] + [False] * 5 + [True, True]
    again = deletion_curve(net, X, y, max_subsets=10, seed=3)
    np.testing.assert_array_equal(curve.mean, again.mean)
    assert (curve.low <= curve.mean + 1e-12).all() and (curve.mean <= curve.high + 1e-12).all()


@pytest.mark.parametrize("call, name", [
    (lambda net, X, y: without_blocks(net, X, [4]), "deleted"),
    (lambda net, X, y: without_blocks(net, X, [1, 1]), "deleted"),
    (lambda net, X, y: without_blocks(net, X, 3), "deleted"),
    (lambda net, X, y: deletion_curve(net, X, y, max_subsets=0), "max_subsets"),
    (lambda net, X, y: deletion_curve(net, X, y, seed=-1), "seed"),
    (lambda net, X, y: deletion_curve(net, X, y[:-1]), "y"),
])
def test_deletion_refuses(call, name):
    X, y = sv.make_dataset("moons", n=16)
    with pytest.raises(ValueError, match=name):
        call(sv.make_mlp(4), X, y)
