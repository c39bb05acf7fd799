"""why a residual signal grows: each block's variance split into the two terms of
Var(x + F(x)) = Var(x) + Var(F(x)) + 2 Cov(x, F(x)) (lesson 08).

variances are each unit's variance over the batch (biased, as in signal_scale), summed over
the units, in float64; F(x) is read off the block itself as block(x) - alpha * x.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..core.train import check_net


@dataclass
class GrowthTerms:
    """per block l: Var(F(x_l)) / Var(x_l) and 2 Cov(x_l, F(x_l)) / Var(x_l)."""

    branch: np.ndarray  # (depth,) the branch's own variance, against its input's
    covariance: np.ndarray  # (depth,) twice its covariance with the input, against Var(x_l)

    @property
    def factors(self) -> np.ndarray:
        """Var(x_{l+1}) / Var(x_l) = 1 + branch + covariance, block by block."""
        return 1.0 + self.branch + self.covariance

    @property
    def growth(self) -> float:
        """Var(x_L) / Var(x_0): the product of the factors."""
        return float(np.prod(self.factors))

    @property
    def per_block(self) -> float:
        """the geometric mean factor: growth ** (1 / depth)."""
        return float(np.exp(np.mean(np.log(self.factors))))


def growth_terms(net: torch.nn.Module, X) -> GrowthTerms:
    """the two terms at every block of `net` on the batch X, at the net's current weights."""
    net = check_net(net)
    X = torch.as_tensor(X, dtype=next(net.parameters()).dtype)
    branch, covariance = [], []
    with torch.no_grad():
        x = net.stem(X)
        for block in net.blocks:
            y = block(x)
            f = (y - block.alpha * x).double()  # the branch's output, whatever scales it
            xc, fc = x.double() - x.double().mean(0), f - f.mean(0)
            var_x = (xc ** 2).mean(0).sum()
            branch.append(float((fc ** 2).mean(0).sum() / var_x))
            covariance.append(float(2 * (xc * fc).mean(0).sum() / var_x))
            x = y
    return GrowthTerms(np.array(branch), np.array(covariance))
