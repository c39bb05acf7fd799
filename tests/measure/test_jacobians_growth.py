"""finite differences as autograd's independent oracle, and the mean-zero growth law."""

import math

import numpy as np
import pytest
import torch

import skipviz as sv
from skipviz.core.models import ResidualBlock
from skipviz.measure.jacobians import (
    finite_difference_jacobian,
    mean_zero_growth,
    random_chain_singular_values,
    rms_singular_value,
)


@pytest.mark.parametrize("activation", ["tanh", "gelu", "sigmoid", "linear"])
def test_finite_differences_agree_with_autograd(activation):
    torch.manual_seed(3)
    block = sv.ResidualBlock(6, activation).double()
    x = torch.randn(6, dtype=torch.float64)
    fd = finite_difference_jacobian(block, x)
    assert float((fd - sv.block_jacobian(block, x)).abs().max()) < 1e-8
    # and they see the +1 on their own, without autograd
    twin = finite_difference_jacobian(sv.plain_twin(block), x)
    assert float((fd - twin - torch.eye(6, dtype=torch.float64)).abs().max()) < 1e-8


def test_finite_differences_catch_a_wrong_jacobian():
    # the oracle must be able to fail: a function whose jacobian is 2I, not I
    x = torch.randn(4, dtype=torch.float64)
    fd = finite_difference_jacobian(lambda v: 2 * v, x)
    assert float((fd - torch.eye(4, dtype=torch.float64)).abs().max()) > 0.9


@pytest.mark.parametrize("kwargs", [dict(norm="layer"), dict(scale=0.5),
                                    dict(scale=0.2, learn_scale=True)])
def test_plain_twin_keeps_norm_and_branch_scale(kwargs):
    torch.manual_seed(0)
    block = ResidualBlock(5, "tanh", **kwargs).double()
    x = torch.randn(5, dtype=torch.float64)
    twin = sv.plain_twin(block)
    torch.testing.assert_close(twin(x) + x, block(x))
    assert sv.identity_gap(block, x) < 1e-12


def test_mean_zero_growth_is_the_average_of_many_random_chains():
    g, depth, width = 0.8, 12, 16
    rms2 = [rms_singular_value(random_chain_singular_values(depth, width, g, s)["residual"]) ** 2
            for s in range(200)]
    mean = np.mean(rms2, 0)  # E[|P_l|_F^2 / n], estimated
    want = mean_zero_growth(g, depth) ** 2
    np.testing.assert_allclose(mean, want, rtol=0.15)
    assert want[-1] == pytest.approx((1 + g * g) ** depth)
    # not an isometry: the largest singular value leaves 1 far behind
    assert random_chain_singular_values(50, 32, 3**-0.5)["residual"][-1, 0] > 100


def test_rms_singular_value_by_hand():
    np.testing.assert_allclose(rms_singular_value([[3.0, 4.0], [1.0, 1.0]]),
                               [math.sqrt(12.5), 1.0])


def test_scalar_chain_vanishes_for_a_negative_gain():
    chain = sv.scalar_chain(-0.5, 50)
    assert abs(chain["residual"][-1]) < 1e-10
    assert sv.scalar_chain(-1.0, 3)["residual"][-1] == 0.0
    assert sv.scalar_chain(3**-0.5, 50)["residual"][-1] > 1e9


@pytest.mark.parametrize("call, name", [
    (lambda: finite_difference_jacobian("f", torch.zeros(2)), "f"),
    (lambda: finite_difference_jacobian(lambda v: v, torch.zeros(2), eps=0.0), "eps"),
    (lambda: finite_difference_jacobian(lambda v: v, torch.zeros(2), eps=2.0), "eps"),
    (lambda: finite_difference_jacobian(lambda v: v, torch.zeros(2, 2)), "x"),
    (lambda: finite_difference_jacobian(lambda v: v, torch.tensor([math.nan])), "x"),
    (lambda: mean_zero_growth(11.0, 3), "gain"),
    (lambda: mean_zero_growth(0.5, -1), "depth"),
    (lambda: rms_singular_value("abc"), "values"),
    (lambda: rms_singular_value(np.zeros((3, 0))), "values"),
])
def test_growth_helpers_refuse(call, name):
    with pytest.raises(ValueError, match=name):
        call()
