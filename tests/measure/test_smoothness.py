import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch.autograd.functional import jacobian

import skipviz as sv
from skipviz.measure.smoothness import (
    gradient_jitter,
    input_gradients,
    neighbour_correlation,
    total_grad_norm,
    wiggle,
)


def test_total_grad_norm_matches_autograd_over_all_block_weights(spirals):
    X, y = spirals
    net = sv.make_mlp(4, width=6)
    r = sv.train(net, X, y, steps=1)
    # oracle: a fresh net with the same start, the norm of every block weight's .grad at once
    torch.manual_seed(0)
    twin = sv.make_mlp(4, width=6)
    F.cross_entropy(twin(X), y).backward()
    want = torch.cat([b.fc.weight.grad.flatten() for b in twin.blocks]).norm().item()
    assert total_grad_norm(r.weight_grad_norms)[0] == pytest.approx(want, rel=1e-5)


def test_gradient_jitter_by_hand_and_scale_free():
    assert gradient_jitter([2.0, 2.0, 2.0, 2.0]) == 0.0
    # changes +1, -1, +1: std 0.9428, mean norm 1.5
    assert gradient_jitter([1.0, 2.0, 1.0, 2.0]) == pytest.approx(np.std([1, -1, 1]) / 1.5)
    g = np.abs(np.random.default_rng(0).standard_normal(50)) + 0.1
    assert gradient_jitter(1e-6 * g) == pytest.approx(gradient_jitter(g))


def test_wiggle_is_one_for_one_turn_and_grows_with_bumps():
    x = np.linspace(-1, 1, 41)
    for curve in (x**2, x, -x, -(x**2), (x + 0.3) ** 2, np.exp(x)):
        assert wiggle(curve) == pytest.approx(1.0)
    assert wiggle(np.zeros(5)) == 1.0
    assert wiggle(np.sin(6 * x)) > 2.0
    assert wiggle(x**2 + 0.05 * np.sin(40 * x)) > wiggle(x**2 + 0.01 * np.sin(40 * x)) > 1.0
    # by hand: 0 -> 2 -> 1 -> 3 travels 2 + 1 + 2 = 5; least is 0 -> 3 = 3
    assert wiggle([0.0, 2.0, 1.0, 3.0]) == pytest.approx(5 / 3)
    assert wiggle(np.add.outer(x**2, x**2)) == pytest.approx(1.0)
    assert wiggle(7.0 * np.sin(6 * x) + 3.0) == pytest.approx(wiggle(np.sin(6 * x)))


def test_input_gradients_match_autograd_per_point():
    torch.manual_seed(1)
    net = sv.make_mlp(3, width=5)
    pts = torch.randn(7, 2)
    grads = input_gradients(net, pts)
    for p, g in zip(pts, grads, strict=True):
        j = jacobian(lambda v: net(v[None])[0], p)  # (2 logits, 2 inputs)
        np.testing.assert_allclose(g, (j[1] - j[0]).numpy(), rtol=1e-5, atol=1e-7)


def test_neighbour_correlation_by_hand():
    same = np.tile([[1.0, 2.0]], (6, 1))
    assert neighbour_correlation(same) == pytest.approx(1.0)
    flip = np.array([[1.0, 0.0], [-1.0, 0.0]] * 3)
    assert neighbour_correlation(flip) == pytest.approx(-1.0)
    assert neighbour_correlation(flip, lag=2) == pytest.approx(1.0)
    turn = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0], [5.0, 0.0]])
    # pairs: orthogonal (0), and two pairs touching a zero gradient are skipped
    assert neighbour_correlation(turn) == pytest.approx(0.0)


@pytest.mark.parametrize("call, name", [
    (lambda: total_grad_norm(np.ones(3)), "weight_grad_norms"),
    (lambda: total_grad_norm([[1.0, math.nan]]), "weight_grad_norms"),
    (lambda: gradient_jitter([1.0, 2.0]), "norms"),
    (lambda: gradient_jitter([0.0, 0.0, 0.0]), "norms"),
    (lambda: gradient_jitter("abc"), "norms"),
    (lambda: gradient_jitter([1.0, math.inf, 2.0]), "norms"),
    (lambda: wiggle([1.0, 2.0]), "losses"),
    (lambda: wiggle(np.ones((2, 2, 2))), "losses"),
    (lambda: wiggle([1.0, math.nan, 2.0]), "losses"),
    (lambda: wiggle(None), "losses"),
    (lambda: input_gradients("net", np.zeros((3, 2))), "net"),
    (lambda: input_gradients(sv.make_mlp(2), np.zeros(3)), "points"),
    (lambda: input_gradients(sv.make_mlp(2, out_features=1), np.zeros((3, 2))), "net"),
    (lambda: neighbour_correlation(np.zeros((3, 2))), "grads"),
    (lambda: neighbour_correlation(np.ones((3, 2)), lag=0), "lag"),
    (lambda: neighbour_correlation(np.ones((3, 2)), lag=5), "lag"),
    (lambda: neighbour_correlation(np.ones(3)), "grads"),
])
def test_smoothness_helpers_refuse(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_input_line_is_evenly_spaced():
    from skipviz.measure.smoothness import input_line

    pts = input_line((0.0, 1.0), (2.0, 3.0), n=5)
    np.testing.assert_allclose(pts.numpy(), [[0, 1], [0.5, 1.5], [1, 2], [1.5, 2.5], [2, 3]])


def test_mean_wiggle_averages_slices(spirals):
    from skipviz.measure.smoothness import mean_wiggle

    X, y = spirals
    net = sv.make_mlp(3, width=8)
    want = np.mean([wiggle(sv.loss_landscape(net, X, y, points=11, seed=s)[1]) for s in (4, 7)])
    assert mean_wiggle(net, X, y, seeds=(4, 7), points=11) == pytest.approx(want)


def test_gradient_along_line_shatters_plain_relu_nets_not_residual_ones():
    from skipviz.measure.smoothness import gradient_along_line

    out = gradient_along_line(30, n=128)
    assert out["plain"].shape == out["residual"].shape == (128, 2)
    # balduzzi et al. 2017: deep plain relu nets at he init decorrelate, residual nets do not
    assert out["correlation"]["plain"] < out["correlation"]["residual"] - 0.1
    assert gradient_along_line(2, n=128)["correlation"]["plain"] > 0.95


@pytest.mark.parametrize("call, name", [
    (lambda f: f.input_line(n=2), "n"),
    (lambda f: f.input_line(start=(0.0,), end=(1.0, 2.0)), "end"),
    (lambda f: f.input_line(start=(math.nan, 0.0)), "start"),
    (lambda f: f.mean_wiggle(sv.make_mlp(2), *sv.make_dataset(n=8), seeds=()), "seeds"),
    (lambda f: f.mean_wiggle(sv.make_mlp(2), *sv.make_dataset(n=8), span=-1.0), "span"),
    (lambda f: f.mean_wiggle(sv.make_mlp(2), *sv.make_dataset(n=8), span=1e3), "span"),
    (lambda f: f.mean_wiggle(sv.make_mlp(2), *sv.make_dataset(n=8), seeds=(1.5,)), "seeds"),
    (lambda f: f.gradient_along_line(300, gain=10.0), "gain"),  # overflows: said, not nan
    (lambda f: f.gradient_along_line(0), "depth"),
    (lambda f: f.gradient_along_line(3, activation="swish"), "activation"),
    (lambda f: f.gradient_along_line(3, gain=0.0), "gain"),
    (lambda f: f.gradient_along_line(3, width=0), "width"),
    (lambda f: f.gradient_along_line(3, seed=-2), "seed"),
    (lambda f: f.gradient_along_line(3, n=1), "n"),
])
def test_more_smoothness_helpers_refuse(call, name):
    from skipviz.measure import smoothness

    with pytest.raises(ValueError, match=name):
        call(smoothness)
