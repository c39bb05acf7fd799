import numpy as np
import torch
from torch.autograd.functional import jacobian

import skipviz as sv


def test_block_jacobian_is_plain_twin_plus_identity_float64():
    torch.manual_seed(0)
    for act in sv.ACTIVATIONS:
        block = sv.ResidualBlock(10, act).double()
        x = torch.randn(10, dtype=torch.float64)
        j = sv.block_jacobian(block, x)
        # oracle: torch.autograd.functional.jacobian, independent of torch.func
        np.testing.assert_allclose(j, jacobian(block, x), atol=1e-12)
        j_plain = sv.block_jacobian(sv.plain_twin(block), x)
        assert torch.allclose(j - j_plain, torch.eye(10, dtype=torch.float64), atol=1e-10, rtol=0)
        assert sv.identity_gap(block, x) < 1e-10


def test_end_to_end_jacobian_matches_autograd():
    torch.manual_seed(2)
    net = sv.make_mlp(5, width=6).double()
    x = torch.randn(6, dtype=torch.float64)

    def stack(v):
        for b in net.blocks:
            v = b(v)
        return v

    np.testing.assert_allclose(sv.end_to_end_jacobian(net, x), jacobian(stack, x), atol=1e-12)
    sv_ = sv.jacobian_singular_values(net, x)
    assert sv_.shape == (6,) and np.all(np.diff(sv_) <= 1e-12)


def test_singular_values_collapse_without_skip():
    out = {}
    for skip in (False, True):
        torch.manual_seed(0)
        net = sv.make_mlp(30, width=16, skip=skip).double()
        out[skip] = sv.jacobian_singular_values(net, torch.randn(16, dtype=torch.float64))
    assert out[False].max() < 1e-3
    assert out[True].min() > 1e-2


def test_scalar_and_random_chains():
    c = sv.scalar_chain(0.5, 20)
    assert c["plain"][-1] == 0.5**20 and c["residual"][-1] == 1.5**20
    s = sv.random_chain_singular_values(30, width=16, gain=0.5, seed=0)
    assert s["plain"].shape == (31, 16)
    assert s["plain"][-1].max() < 1e-4
    assert s["residual"][-1].min() > 1e-3


def test_loss_landscape_passes_through_trained_loss(spirals):
    X, y = spirals
    net = sv.make_mlp(4)
    r = sv.train(net, X, y, steps=30)
    coords, losses = sv.loss_landscape(net, X, y, dims=1, points=11)
    assert coords[5] == 0.0
    with torch.no_grad():
        here = torch.nn.functional.cross_entropy(net(X), y).item()
    assert abs(losses[5] - here) < 1e-6 and r.steps_run == 30
    coords, grid = sv.loss_landscape(net, X, y, dims=2, points=5)
    assert grid.shape == (5, 5) and np.isfinite(grid).all()
