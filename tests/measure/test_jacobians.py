import math

import numpy as np
import pytest
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


# -- the chain over depth, walked block by block ---------------------------------------------

def _prefix_jacobian(net, x, n):
    def stack(v):
        for b in net.blocks[:n]:
            v = b(v)
        return v

    return jacobian(stack, x)


def test_chain_singular_values_match_autograd_for_every_prefix():
    from skipviz.measure.jacobians import chain_singular_values

    torch.manual_seed(3)
    for skip in (0.0, 0.5, 1.0):
        net = sv.make_mlp(6, width=5, skip=skip, activation="gelu").double()
        x = torch.randn(5, dtype=torch.float64)
        rows = chain_singular_values(net, x)
        assert rows.shape == (7, 5)
        np.testing.assert_allclose(rows[0], np.ones(5), atol=1e-15)
        for n in range(1, 7):
            # oracle: autograd's jacobian of the first n blocks, independent of the walk
            want = torch.linalg.svdvals(_prefix_jacobian(net, x, n)).numpy()
            np.testing.assert_allclose(rows[n], want, rtol=1e-9, atol=1e-14)
        np.testing.assert_allclose(rows[-1], sv.jacobian_singular_values(net, x), rtol=1e-9)


def test_chain_singular_values_leaves_the_net_alone():
    from skipviz.measure.jacobians import chain_singular_values

    net = sv.make_mlp(3, width=4)
    before = [p.detach().clone() for p in net.parameters()]
    chain_singular_values(net, torch.randn(4))
    assert all(p.dtype == torch.float32 for p in net.parameters())
    assert all(torch.equal(a, b) for a, b in zip(before, net.parameters(), strict=True))


def test_mlp_chain_vanishes_plain_and_keeps_residual():
    from skipviz.measure.jacobians import mlp_chain_singular_values

    out = mlp_chain_singular_values(40, width=16, gain=0.5, seed=0)
    assert out["plain"].shape == out["residual"].shape == (41, 16)
    assert out["plain"][-1, 0] < 1e-8
    assert out["residual"][-1, -1] > 1e-3
    # seeded: the same call gives the same numbers
    torch.manual_seed(0)
    again = mlp_chain_singular_values(40, width=16, gain=0.5, seed=0)
    np.testing.assert_array_equal(out["plain"], again["plain"])


def test_init_scale_for_gain_gives_that_stretch():
    from skipviz.core.scales import init_scale_for_gain

    torch.manual_seed(0)
    width = 400
    for gain in (0.25, 1.0, 2.0):
        net = sv.make_mlp(1, width=width, skip=False, activation="linear",
                          init_scale=init_scale_for_gain(gain))
        W = net.blocks[0].fc.weight.detach()
        v = torch.randn(width, 50)
        stretch = (W @ v).norm(dim=0) / v.norm(dim=0)
        assert abs(float(stretch.mean()) - gain) < 0.05 * gain


@pytest.mark.parametrize("call, name", [
    (lambda f: f["chain"](object(), torch.zeros(3)), "net"),
    (lambda f: f["chain"](sv.make_mlp(2, width=3), torch.zeros(4)), "x"),
    (lambda f: f["chain"](sv.make_mlp(2, width=3), "abc"), "x"),
    (lambda f: f["mlp"](0), "depth"),
    (lambda f: f["mlp"](3, width=0), "width"),
    (lambda f: f["mlp"](3, gain=0.0), "gain"),
    (lambda f: f["mlp"](3, gain=math.nan), "gain"),
    (lambda f: f["mlp"](3, gain=11.0), "gain"),
    (lambda f: f["mlp"](3, activation="swish"), "activation"),
    (lambda f: f["mlp"](3, seed=-1), "seed"),
    (lambda f: f["mlp"](3, x=[math.nan, 1.0]), "x"),
    (lambda f: f["mlp"](3, x=torch.zeros(0)), "x"),
    (lambda f: f["gain"](0.0), "gain"),
    (lambda f: f["gain"](-1.0), "gain"),
    (lambda f: f["gain"](math.inf), "gain"),
    (lambda f: f["gain"]("big"), "gain"),
])
def test_chain_helpers_refuse(call, name):
    from skipviz.core.scales import init_scale_for_gain
    from skipviz.measure.jacobians import chain_singular_values, mlp_chain_singular_values

    fns = {"chain": chain_singular_values, "mlp": mlp_chain_singular_values,
           "gain": init_scale_for_gain}
    with pytest.raises(ValueError, match=name):
        call(fns)
