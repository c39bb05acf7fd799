import math

import numpy as np
import pytest
import torch

import skipviz as sv
from skipviz.measure.identity import block_pair, identity_distance, scale_branch, through


def test_block_pair_shares_f_and_differs_by_the_shortcut():
    plain, residual = block_pair(depth=3, width=4, activation="gelu", seed=1)
    x = torch.randn(5, 4)
    for p, r in zip(plain, residual, strict=True):
        assert p.fc is r.fc
    # block by block: residual(x) = plain(x) + x
    torch.testing.assert_close(residual[0](x), plain[0](x) + x)


def test_block_pair_is_seeded():
    a = block_pair(depth=2, width=3, seed=5)[1]
    b = block_pair(depth=2, width=3, seed=5)[1]
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(p, q)


def test_scale_branch_scales_weights_and_bias_only_in_the_copy():
    plain, residual = block_pair(depth=2, width=3)
    half = scale_branch(residual, 0.5)
    for old, new in zip(residual.parameters(), half.parameters(), strict=True):
        torch.testing.assert_close(new, 0.5 * old)
    assert half is not residual and half[0].alpha == 1.0


@pytest.mark.parametrize("activation", ["tanh", "relu", "gelu", "linear"])
def test_with_f_off_the_residual_block_is_the_identity_and_the_plain_block_is_zero(activation):
    X, _ = sv.make_dataset("spirals", n=64, seed=0)
    plain, residual = block_pair(depth=5, width=2, activation=activation)
    assert identity_distance(scale_branch(residual, 0.0), X) == 0.0
    torch.testing.assert_close(through(scale_branch(plain, 0.0), X), torch.zeros_like(X))
    assert identity_distance(scale_branch(plain, 0.0), X) == pytest.approx(1.0)


def test_identity_distance_matches_its_definition():
    X, _ = sv.make_dataset("moons", n=32, seed=0)
    plain, _ = block_pair(width=2)
    with torch.no_grad():
        want = float(np.linalg.norm(plain(X).numpy() - X.numpy()) / np.linalg.norm(X.numpy()))
    assert identity_distance(plain, X) == pytest.approx(want, rel=1e-6)


@pytest.mark.parametrize("call, name", [
    (lambda: block_pair(depth=0), "depth"),
    (lambda: block_pair(depth=2.5), "depth"),
    (lambda: block_pair(width=0), "width"),
    (lambda: block_pair(activation="swish"), "activation"),
    (lambda: block_pair(seed=-1), "seed"),
    (lambda: scale_branch("net", 1.0), "blocks"),
    (lambda: scale_branch(block_pair()[1], -0.1), "scale"),
    (lambda: scale_branch(block_pair()[1], math.nan), "scale"),
    (lambda: scale_branch(block_pair()[1], None), "scale"),
    (lambda: identity_distance(None, torch.zeros(3, 2)), "blocks"),
    (lambda: identity_distance(block_pair()[1], torch.zeros(3, 2)), "X"),
    (lambda: identity_distance(block_pair()[1], torch.ones(2)), "X"),
    (lambda: identity_distance(block_pair()[1], torch.full((3, 2), math.inf)), "X"),
    (lambda: through(3, torch.zeros(3, 2)), "blocks"),
    (lambda: through(block_pair()[1], torch.zeros(3, 5)), "X"),  # the blocks take width 2
    (lambda: through(block_pair()[1], "abc"), "X"),
    (lambda: through(block_pair()[1], 10**400), "X"),
])
def test_identity_helpers_refuse(call, name):
    with pytest.raises(ValueError, match=name):
        call()
