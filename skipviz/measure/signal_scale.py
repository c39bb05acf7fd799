"""the size of the signal at every block of a net as it stands (lessons 07 and 08): how much
x_l varies across the batch going forward, and ||dL/dx_l|| coming back.

measured on a copy, in the net's own precision (the numbers train() sees at that step), so
nothing in the net changes (batchnorm's running statistics, the parameters' .grad); the sums
are taken in float64, so activations that grow by 10^20 do not overflow the number reporting them.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from ..core.train import check_data, check_net
from .verdict import gradient_orders, verdict


@dataclass
class SignalScale:
    """one net's forward variance and backward gradient, block by block."""

    variance: np.ndarray  # (depth + 1,): x_0 (the stem's output, block 1's input) .. x_L
    grad_norms: np.ndarray  # (depth,): ||dL/dx_l|| at block l's input, as train() records
    loss: float

    @property
    def growth(self) -> float:
        """Var(x_L) / Var(x_0): how much the last block's output varies against the first input."""
        return float(self.variance[-1] / self.variance[0])

    @property
    def gradient_ratio(self) -> float:
        """||dL/dx_1|| / ||dL/dx_L||: block 1's input gradient against block L's."""
        return float(self.grad_norms[0] / self.grad_norms[-1])

    @property
    def verdict(self) -> str:
        """the one verdict on the gradient profile (vanishing ... exploding)."""
        return verdict(gradient_orders(self.grad_norms))


def signal_scale(net: torch.nn.Module, X, y) -> SignalScale:
    """forward variance and backward gradient of `net` on (X, y), in its current mode.

    variance of x_l: each unit's variance over the batch (biased, as batchnorm computes it),
    averaged over the units. L is the mean cross-entropy, as in train(). in training mode
    batchnorm normalises with the batch's statistics, as the first step of training does.
    """
    net = check_net(net)
    X, y = check_data(X, y, getattr(net.head, "out_features", None),
                      getattr(net.stem, "in_features", None))
    twin = copy.deepcopy(net)
    X = X.to(next(twin.parameters()).dtype)  # a float64 net is measured in float64
    with torch.enable_grad():
        xs = [twin.stem(X)]
        for block in twin.blocks:
            xs.append(block(xs[-1]))
        loss = F.cross_entropy(twin.head(xs[-1]), y)
        # (depth,) gradients at the blocks' inputs x_0 .. x_{L-1}
        grads = torch.autograd.grad(loss, xs[:-1])
    variance = np.array([x.detach().double().var(0, unbiased=False).mean().item() for x in xs])
    grad_norms = np.array([g.double().norm().item() for g in grads])
    return SignalScale(variance, grad_norms, loss.item())
