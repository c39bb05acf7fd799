"""decision_grid: p(class 1) over the plane, measured in eval mode whatever mode the net is in."""

import numpy as np
import torch

import skipviz as sv
from skipviz.measure import decision_grid


def test_a_batchnorm_net_is_read_with_its_running_statistics(spirals):
    X, y = spirals
    torch.manual_seed(0)
    net = sv.make_mlp(depth=3, width=16, norm="batch")
    net.train()
    net(X)  # running statistics from the data, not from the grid
    before = [b.clone() for b in net.buffers()]
    xs, ys, probs = decision_grid(net, X, n=12)
    assert net.training  # the mode is given back
    for a, b in zip(before, net.buffers(), strict=True):
        assert torch.equal(a, b)  # and the statistics are untouched
    # an independent computation: the same grid through the net in eval mode, by hand
    gx, gy = np.meshgrid(xs, ys)
    pts = torch.tensor(np.stack([gx.ravel(), gy.ravel()], 1), dtype=torch.float32)
    net.eval()
    with torch.no_grad():
        expected = torch.softmax(net(pts), 1)[:, 1].reshape(12, 12).numpy()
    gap = float(np.abs(probs - expected).max())
    print(f"max gap to eval-mode by hand: {gap:.1e}")
    assert gap < 1e-6
    net.train()
    with torch.no_grad():
        batch_stats = torch.softmax(net(pts), 1)[:, 1].reshape(12, 12).numpy()
    assert np.abs(batch_stats - probs).max() > 1e-3  # train mode would have read differently


def test_a_plain_function_of_the_points_is_read_too(spirals):
    # lesson 5 maps a net with blocks deleted: a function, not a module
    X, _ = spirals
    torch.manual_seed(0)
    net = sv.make_mlp(depth=2, width=8)
    as_module = decision_grid(net, X, n=10)[2]
    as_function = decision_grid(lambda pts: net(pts), X, n=10)[2]
    assert np.array_equal(as_module, as_function)
