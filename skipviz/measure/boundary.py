"""a trained net's decision boundary: p(class 1) on a grid over the data's plane."""

from __future__ import annotations

import numpy as np
import torch


@torch.no_grad()
def decision_grid(net: torch.nn.Module, X, n: int = 80, margin: float = 0.3):
    """probability of class 1 on an n x n grid around X: (xs, ys, probs of shape (n, n))."""
    X = torch.as_tensor(X, dtype=torch.float32)
    lo = X.min(0).values.numpy() - margin
    hi = X.max(0).values.numpy() + margin
    xs, ys = np.linspace(lo[0], hi[0], n), np.linspace(lo[1], hi[1], n)
    gx, gy = np.meshgrid(xs, ys)
    pts = torch.tensor(np.stack([gx.ravel(), gy.ravel()], 1), dtype=torch.float32)
    # eval mode: a batchnorm net must use its running statistics, not the grid's own batch.
    # `net` may also be any function of the points (lesson 5 passes a net with blocks deleted)
    module = isinstance(net, torch.nn.Module)
    was_training = module and net.training
    if module:
        net.eval()
    try:
        probs = torch.softmax(net(pts), 1)[:, 1].reshape(n, n).numpy()
    finally:
        if module:
            net.train(was_training)
    return xs, ys, np.nan_to_num(probs, nan=0.5)
