"""fair smoothness comparisons: trained or not, finite-difference input gradients, saturation."""

import math

import numpy as np
import pytest
import torch

import skipviz as sv
from skipviz.core.scales import init_scale_for_gain
from skipviz.measure.smoothness import (
    compare_smoothness,
    finite_difference_input_gradients,
    input_gradients,
    input_line,
    mean_wiggle,
    saturation_by_block,
    trained,
    wiggle,
)


@pytest.mark.parametrize("activation", ["tanh", "gelu", "sigmoid"])
def test_finite_difference_input_gradients_agree_with_autograd(activation):
    torch.manual_seed(1)
    net = sv.make_mlp(5, 8, True, activation, 1.5)
    pts = input_line(n=40)
    fd = finite_difference_input_gradients(net, pts)
    auto = input_gradients(net, pts)
    assert np.abs(fd - auto).max() < 1e-5 * max(1.0, np.abs(auto).max())


def test_finite_difference_input_gradients_see_a_known_slope():
    # the oracle must be able to fail: logit_1 - logit_0 = 3 x_0 - x_1 exactly
    net = torch.nn.Linear(2, 2).double()
    with torch.no_grad():
        net.weight.copy_(torch.tensor([[0.0, 1.0], [3.0, 0.0]]))
    fd = finite_difference_input_gradients(net, torch.randn(7, 2))
    np.testing.assert_allclose(fd, np.tile([3.0, -1.0], (7, 1)), atol=1e-8)


def test_saturation_by_block_counts_preactivations_by_hand():
    torch.manual_seed(0)
    net = sv.make_mlp(3, 6, True, "tanh", 4.0)
    pts = input_line(n=50)
    with torch.no_grad():
        h, want = net.stem(pts), []
        for block in net.blocks:
            want.append(float((block.fc(h).abs() > 2.0).float().mean()))
            h = block(h)
    np.testing.assert_allclose(saturation_by_block(net, pts), want)


def test_a_deep_tanh_residual_stream_saturates_and_the_plain_one_does_not():
    pts = input_line(n=128)
    sat = {}
    for skip in (0.0, 1.0):
        torch.manual_seed(0)
        net = sv.make_mlp(100, 32, skip, "tanh", init_scale_for_gain(math.sqrt(2)))
        sat[skip] = saturation_by_block(net, pts)[-1]
    assert sat[1.0] > 0.5 > 0.1 > sat[0.0]


def test_trained_is_half_of_chance():
    assert trained(0.3) and trained(math.log(2) / 2)
    assert not trained(0.684) and not trained(math.log(2))
    with pytest.raises(ValueError, match="final_loss"):
        trained(math.nan)


def test_compare_smoothness_holds_the_numbers_it_draws(spirals):
    X, y = spirals
    results = sv.compare(X, y, depth=3, width=8, steps=30)
    out = compare_smoothness(results, X, y, span=0.5, direction=2, points=11, points_2d=5)
    n = out["numbers"]
    for name, r in zip(("plain", "residual"), results, strict=True):
        assert n["final loss"][name] == r.final_loss
        assert n["trained"][name] == trained(r.final_loss)
        assert n["wiggle 1-d"][name] == pytest.approx(
            mean_wiggle(r.net, X, y, seeds=(2, 3, 4), span=0.5, points=11))
        assert n["wiggle 2-d"][name] == pytest.approx(wiggle(out["two"][name]))
        coords, losses = sv.loss_landscape(r.net, X, y, span=0.5, points=11, seed=2)
        np.testing.assert_allclose(out["one"][name], losses)
    assert out["two"]["plain"].shape == (5, 5) and len(out["coords"]) == 11


@pytest.mark.parametrize("call, name", [
    (lambda X, y: compare_smoothness([], X, y), "results"),
    (lambda X, y: compare_smoothness(sv.compare(X, y, depth=1, steps=2), X, y, direction=-1),
     "direction"),
    (lambda X, y: finite_difference_input_gradients("net", input_line(n=4)), "net"),
    (lambda X, y: finite_difference_input_gradients(sv.make_mlp(1), input_line(n=4), eps=0),
     "eps"),
    (lambda X, y: finite_difference_input_gradients(sv.make_mlp(1), [[math.inf, 0.0]]),
     "points"),
    (lambda X, y: finite_difference_input_gradients(sv.make_mlp(1, out_features=1),
                                                    input_line(n=4)), "net"),
    (lambda X, y: saturation_by_block(torch.nn.Linear(2, 2), input_line(n=4)), "net"),
    (lambda X, y: saturation_by_block(sv.make_mlp(1), input_line(n=4), threshold=0), "threshold"),
])
def test_fair_helpers_refuse(spirals, call, name):
    with pytest.raises(ValueError, match=name):
        call(*spirals)
