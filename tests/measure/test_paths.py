import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import skipviz as sv
from skipviz.core import MLP, PreActResidualBlock
from skipviz.measure.paths import (
    enumerate_path_gradients,
    path_counts,
    path_gradient_profile,
    path_gradients,
    path_length_distribution,
)


def _input_grad(net, X, y):
    """dL/dx_0 with plain autograd: the whole net, no paths."""
    x0 = net.stem(X).detach().requires_grad_(True)
    x = x0
    for block in net.blocks:
        x = block(x)
    return torch.autograd.grad(F.cross_entropy(net.head(x), y), x0)[0]


def _preact_net(n, width=8, activation="relu"):
    return MLP(torch.nn.Linear(2, width),
               [PreActResidualBlock(width, activation) for _ in range(n)],
               torch.nn.Linear(width, 2))


def test_binomial_counts_and_distribution():
    assert path_counts(4).tolist() == [1, 4, 6, 4, 1]
    d = path_length_distribution(10)
    assert d.sum() == pytest.approx(1.0) and d.argmax() == 5
    assert d[3] == pytest.approx(math.comb(10, 3) / 1024)


@pytest.mark.parametrize("build", [
    lambda: sv.make_mlp(6, width=8, skip=True, activation="tanh"),
    lambda: sv.make_mlp(5, width=8, skip=0.5, activation="relu"),
    lambda: _preact_net(6),
])
def test_paths_sum_to_autograd_and_match_brute_force(spirals, build):
    X, y = spirals
    torch.manual_seed(4)
    net = build()
    rows = path_gradients(net, X, y)
    n = len(net.blocks)
    assert rows.shape == (n + 1, X.shape[0], 8)
    # every path together is the whole gradient (exact: the jacobians are the forward's), up
    # to float32 rounding of the 2^n terms
    total = _input_grad(net, X, y)
    tol = 1e-5 * total.abs().max().item()
    torch.testing.assert_close(rows.sum(0), total, rtol=1e-4, atol=tol)
    # and the fast sweep agrees with walking each of the 2^n paths alone
    torch.testing.assert_close(rows, enumerate_path_gradients(net, X, y), rtol=1e-4, atol=tol)
    # no length is empty: the split is not all in one row
    assert (rows.flatten(1).norm(dim=1) > 0).all()


def test_plain_net_has_one_path_the_longest(spirals):
    X, y = spirals
    net = sv.make_mlp(4, width=8, skip=False)
    rows = path_gradients(net, X, y)
    assert torch.count_nonzero(rows[:-1]) == 0
    torch.testing.assert_close(rows[-1], _input_grad(net, X, y))


def test_one_block_paths_by_hand(spirals):
    # n = 1: length 0 is the shortcut (dL/dx_1 itself), length 1 the branch's vjp
    X, y = spirals
    torch.manual_seed(2)
    net = sv.make_mlp(1, width=4, skip=True)
    x0 = net.stem(X).detach().requires_grad_(True)
    x1 = net.blocks[0](x0)
    g1 = torch.autograd.grad(F.cross_entropy(net.head(x1), y), x1, retain_graph=True)[0]
    branch = torch.tanh(net.blocks[0].fc(x0))
    via_branch = torch.autograd.grad(branch, x0, g1)[0]
    rows = path_gradients(net, X, y)
    torch.testing.assert_close(rows[0], g1)
    torch.testing.assert_close(rows[1], via_branch)


def test_profile_samples_single_paths(spirals):
    X, y = spirals
    torch.manual_seed(0)
    net = sv.make_mlp(6, width=8)
    prof = path_gradient_profile(net, X, y, samples=4, seed=0)
    assert prof.lengths.tolist() == list(range(7))
    np.testing.assert_array_equal(prof.counts, path_counts(6))
    # lengths with few paths are walked in full, the others sampled
    assert prof.samples.tolist() == [1, 4, 4, 4, 4, 4, 1]
    np.testing.assert_allclose(prof.total, prof.counts * prof.per_path)
    # length 0 and n are single paths: the norm of that path's gradient is the summed one
    rows = path_gradients(net, X, y)
    assert prof.per_path[0] == pytest.approx(rows[0].norm().item(), rel=1e-6)
    assert prof.per_path[6] == pytest.approx(rows[6].norm().item(), rel=1e-6)
    np.testing.assert_allclose(prof.summed, rows.flatten(1).norm(dim=1).numpy(), rtol=1e-6)
    lo, hi = prof.effective
    share = prof.total / prof.total.sum()
    assert 0 <= lo <= np.argmax(share) <= hi <= 6 and share[lo:hi + 1].sum() >= 0.9


def test_profile_is_reproducible_from_its_seed(spirals):
    X, y = spirals
    net = sv.make_mlp(8, width=8)
    a, b = (path_gradient_profile(net, X, y, samples=3, seed=5) for _ in range(2))
    np.testing.assert_array_equal(a.per_path, b.per_path)


@pytest.mark.parametrize("call, name", [
    (lambda net, X, y: path_counts(-1), "n"),
    (lambda net, X, y: path_gradients("net", X, y), "net"),
    (lambda net, X, y: path_gradients(net, X, y[:-1]), "y"),
    (lambda net, X, y: path_gradient_profile(net, X, y, samples=0), "samples"),
    (lambda net, X, y: path_gradient_profile(net, X, y, seed=-1), "seed"),
    (lambda net, X, y: enumerate_path_gradients(sv.make_mlp(15, width=2), X, y), "net"),
])
def test_paths_refuse(call, name):
    X, y = sv.make_dataset("moons", n=16)
    with pytest.raises(ValueError, match=name):
        call(sv.make_mlp(3, width=4), X, y)


def test_measurements_leave_a_batchnorm_net_as_it_was(spirals):
    from skipviz.measure import deletion_curve

    X, y = spirals
    torch.manual_seed(0)
    net = sv.make_mlp(3, width=8, norm="batch")
    net.train()
    stats = [b.clone() for b in net.buffers()]
    path_gradients(net, X, y)
    deletion_curve(net, X, y)
    assert net.training and all(m.training for m in net.modules())
    for before, after in zip(stats, net.buffers(), strict=True):
        assert torch.equal(before, after)
    # and the split still adds up against autograd on the net in eval mode
    net.eval()
    torch.testing.assert_close(path_gradients(net, X, y).sum(0), _input_grad(net, X, y),
                               rtol=1e-4, atol=1e-6)


def test_single_paths_by_hand(spirals):
    # n = 2: the profile walks single paths; each length-1 path checked with plain autograd,
    # so a walk that took the wrong block's branch could not hide inside a correct sum
    X, y = spirals
    torch.manual_seed(3)
    net = sv.make_mlp(2, width=4, skip=True)
    x0 = net.stem(X).detach().requires_grad_(True)
    x1 = net.blocks[0](x0)
    x1_leaf = x1.detach().requires_grad_(True)
    x2 = net.blocks[1](x1_leaf)
    g2 = torch.autograd.grad(F.cross_entropy(net.head(x2), y), x2)[0]
    # through branch 1 only: the shortcut of block 2 passes g2, then F_1's vjp at x0
    via_1 = torch.autograd.grad(torch.tanh(net.blocks[0].fc(x0)), x0, g2)[0]
    # through branch 2 only: F_2's vjp at x1, then the shortcut of block 1
    via_2 = torch.autograd.grad(torch.tanh(net.blocks[1].fc(x1_leaf)), x1_leaf, g2)[0]
    prof = path_gradient_profile(net, X, y, samples=5, seed=0)
    assert prof.samples.tolist() == [1, 2, 1]
    mean_norm = (via_1.norm().item() + via_2.norm().item()) / 2
    assert prof.per_path[1] == pytest.approx(mean_norm, rel=1e-5)
    assert via_1.norm().item() != pytest.approx(via_2.norm().item(), rel=1e-3)
