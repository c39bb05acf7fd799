"""signal_scale: forward variance and step-0 gradient per block, without touching the net."""

import math

import numpy as np
import pytest
import torch

import skipviz as sv
from skipviz.measure.signal_scale import signal_scale

X, y = sv.make_dataset("spirals", n=64, seed=0)


@pytest.mark.parametrize("norm, branch, alpha", [
    ("none", "standard", 0.0), ("batch", "standard", 1.0), ("layer", "scaled", 1.0),
    ("none", "rezero", 1.0), ("batch", "fixup", 0.0),
])
def test_gradients_are_what_training_records_at_step_0(norm, branch, alpha):
    torch.manual_seed(4)
    net = sv.make_mlp(6, width=8, skip=alpha, activation="relu", norm=norm, branch=branch)
    s = signal_scale(net, X, y)
    r = sv.train(net, X, y, steps=1)  # the gradient recorder's hooks, a different path
    np.testing.assert_allclose(s.grad_norms, r.grad_norms[0], rtol=1e-5)
    assert s.loss == pytest.approx(r.losses[0], rel=1e-6)


def test_variance_is_the_batch_variance_of_every_block_input():
    torch.manual_seed(1)
    net = sv.make_mlp(5, width=8, activation="tanh", norm="layer")
    with torch.no_grad():
        h, want = net.stem(X), []
        for block in net.blocks:
            want.append(float(((h - h.mean(0)) ** 2).mean()))
            h = block(h)
        want.append(float(((h - h.mean(0)) ** 2).mean()))
    s = signal_scale(net, X, y)
    np.testing.assert_allclose(s.variance, want, rtol=1e-5)
    assert s.growth == pytest.approx(want[-1] / want[0], rel=1e-5)


def test_the_net_is_left_as_it_was():
    torch.manual_seed(0)
    net = sv.make_mlp(4, width=8, norm="batch")
    before = {k: v.clone() for k, v in net.state_dict().items()}
    signal_scale(net, X, y)
    for k, v in net.state_dict().items():
        assert torch.equal(v, before[k]), k  # batchnorm's running statistics included
    assert all(p.grad is None for p in net.parameters())


def test_rezero_and_fixup_start_flat():
    for branch in ("rezero", "fixup"):
        torch.manual_seed(0)
        s = signal_scale(sv.make_mlp(20, width=8, activation="relu", branch=branch), X, y)
        assert s.gradient_ratio == pytest.approx(1.0, rel=1e-6)
        np.testing.assert_allclose(s.variance, s.variance[0], rtol=1e-5)
        assert s.verdict == "preserved"


def test_growth_beyond_float32_is_still_a_number():
    # he init, 150 relu blocks: the variance passes float32's largest number (3.4e38)
    torch.manual_seed(0)
    net = sv.make_mlp(150, width=8, activation="relu", init_scale=math.sqrt(6))
    s = signal_scale(net, X, y)
    assert np.isfinite(s.variance).all() and s.variance[-1] > 1e39


def test_bad_input_names_the_parameter():
    with pytest.raises(ValueError, match="net must be"):
        signal_scale(torch.nn.Linear(2, 2), X, y)
    with pytest.raises(ValueError, match="X must have 2 features"):
        signal_scale(sv.make_mlp(2), torch.zeros(4, 3), y[:4])
