"""what a stack leaves of a cloud: spread, linear refit error, distinct outputs, block by block."""

import math

import numpy as np
import pytest
import torch

import skipviz as sv
from skipviz.measure.identity import (
    block_pair,
    distinct_outputs,
    information_by_depth,
    refit_error,
    scale_branch,
    spread,
    through,
)


@pytest.fixture(scope="module")
def cloud():
    return sv.make_dataset("spirals", n=300, noise=0.0, seed=0)[0]


def numpy_refit(x, out):
    # the oracle: numpy's least squares on centred arrays, not the package's torch lstsq
    xc, oc = x - x.mean(0), out - out.mean(0)
    fit = np.linalg.lstsq(oc, xc, rcond=None)[0]
    return np.linalg.norm(xc - oc @ fit) / np.linalg.norm(xc)


def test_refit_error_is_zero_for_an_affine_map_and_one_for_a_constant(cloud):
    A = torch.tensor([[2.0, -1.0], [0.5, 3.0]])
    assert refit_error(cloud, cloud @ A + 7.0) < 1e-6
    assert refit_error(cloud, 1e-3 * cloud) < 1e-6  # small is not lost
    assert refit_error(cloud, torch.ones_like(cloud)) == 1.0


def test_refit_error_matches_numpy_least_squares(cloud):
    bent = torch.tanh(3 * cloud) ** 3
    want = numpy_refit(cloud.double().numpy(), bent.double().numpy())
    assert 0.05 < want < 1.0  # a real bend, not a trivially linear case
    assert refit_error(cloud, bent) == pytest.approx(want, rel=1e-9)


def test_spread_ignores_shifts_and_scales_with_the_cloud(cloud):
    assert spread(cloud, cloud + 5.0) == pytest.approx(1.0)
    assert spread(cloud, 0.01 * cloud) == pytest.approx(0.01)
    assert spread(cloud, torch.zeros_like(cloud)) == 0.0


def test_distinct_outputs_counts_rows_bit_for_bit():
    Y = torch.tensor([[0.0, 1.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0 + 2**-23]])
    assert distinct_outputs(Y) == 3
    assert distinct_outputs(Y.double() + 1e-12 * torch.arange(4.0)[:, None]) == 4


def test_information_by_depth_is_the_stack_of_each_prefix(cloud):
    info = information_by_depth(cloud, depth=6, scale=0.3, activation="tanh", seed=4)
    np.testing.assert_array_equal(info["blocks"], np.arange(1, 7))
    for k in (1, 3, 6):
        plain, residual = block_pair(k, 2, "tanh", 4)
        for name, stack in (("plain", plain), ("residual", residual)):
            Y = through(scale_branch(stack, 0.3), cloud)
            assert info[name]["spread"][k - 1] == pytest.approx(spread(cloud, Y), rel=1e-12)
            assert info[name]["refit_error"][k - 1] == pytest.approx(refit_error(cloud, Y))
            assert info[name]["distinct"][k - 1] == distinct_outputs(Y)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_one_weak_plain_block_shrinks_but_keeps_x_and_many_lose_it(cloud, seed):
    info = information_by_depth(cloud, depth=10, scale=0.02, activation="tanh", seed=seed)
    plain, residual = info["plain"], info["residual"]
    # one block: shrunk near 100x, yet a linear map gets x back
    assert plain["spread"][0] < 0.03 and plain["refit_error"][0] < 1e-3
    assert plain["distinct"][0] == len(cloud)
    # ten blocks: points merged, so no method can get them back; residual keeps them all
    assert plain["distinct"][-1] < 10 and plain["refit_error"][-1] > 0.9
    assert residual["distinct"][-1] == len(cloud) and residual["refit_error"][-1] < 1e-4


def test_relu_merges_points_in_one_block_whatever_the_scale(cloud):
    a = information_by_depth(cloud, 1, 0.02, "relu", 0)["plain"]
    b = information_by_depth(cloud, 1, 1.0, "relu", 0)["plain"]
    assert a["distinct"][0] == b["distinct"][0] < len(cloud)


@pytest.mark.parametrize("call, name", [
    (lambda X: information_by_depth(X, depth=0), "depth"),
    (lambda X: information_by_depth(X, depth=2, scale=-1.0), "scale"),
    (lambda X: information_by_depth(X, depth=2, activation="swish"), "activation"),
    (lambda X: information_by_depth(X, depth=2, seed=-3), "seed"),
    (lambda X: information_by_depth(X[:1], depth=2), "X"),
    (lambda X: information_by_depth(X, depth=200, scale=100.0, activation="linear"), "scale"),
    (lambda X: refit_error(X, X[:5]), "Y"),
    (lambda X: refit_error(X[:, :1].repeat(1, 2) * 0 + 1, X), "X"),
    (lambda X: spread(X, torch.full_like(X, math.nan)), "Y"),
    (lambda X: distinct_outputs("abc"), "Y"),
    (lambda X: distinct_outputs(torch.ones(4, dtype=torch.long)), "Y"),
])
def test_information_helpers_refuse(cloud, call, name):
    with pytest.raises(ValueError, match=name):
        call(cloud)
