"""why a residual signal grows: each block's variance split into its terms,
Var(alpha x + F(x)) = alpha^2 Var(x) + Var(F(x)) + 2 alpha Cov(x, F(x)) (lesson 08; alpha = 1
there, so the block adds Var(F) + 2 Cov to the Var(x) it carries).

variances are each unit's variance over the batch (biased, as in signal_scale), summed over
the units, in float64; F(x) is read off the block itself as block(x) - alpha * x. measured on
a copy, so nothing in the net changes (batchnorm's running statistics).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import torch

from ..core.train import check_net


@dataclass
class GrowthTerms:
    """per block l, against Var(x_l): alpha^2, Var(F(x_l)) and 2 alpha Cov(x_l, F(x_l))."""

    shortcut: np.ndarray  # (depth,) alpha^2: what the shortcut carries of Var(x_l)
    branch: np.ndarray  # (depth,) the branch's own variance, against its input's
    covariance: np.ndarray  # (depth,) the cross term, 2 alpha Cov(x_l, F(x_l)) / Var(x_l)

    @property
    def factors(self) -> np.ndarray:
        """Var(x_{l+1}) / Var(x_l) = shortcut + branch + covariance, block by block."""
        return self.shortcut + self.branch + self.covariance

    @property
    def growth(self) -> float:
        """Var(x_L) / Var(x_0): the product of the factors."""
        return float(np.prod(self.factors))

    @property
    def per_block(self) -> float:
        """the geometric mean factor: growth ** (1 / depth)."""
        return float(np.exp(np.mean(np.log(self.factors))))


def growth_terms(net: torch.nn.Module, X) -> GrowthTerms:
    """the three terms at every block of `net` on the batch X, at the net's current weights."""
    twin = copy.deepcopy(check_net(net))
    X = torch.as_tensor(X, dtype=next(twin.parameters()).dtype)
    shortcut, branch, covariance = [], [], []
    with torch.no_grad():
        x = twin.stem(X)
        for block in twin.blocks:
            y = block(x)
            alpha = float(block.alpha)
            f = (y - alpha * x).double()  # the branch's output, whatever scales it
            xd = x.double()
            xc, fc = xd - xd.mean(0), f - f.mean(0)
            var_x = (xc ** 2).mean(0).sum()
            shortcut.append(alpha ** 2)
            branch.append(float((fc ** 2).mean(0).sum() / var_x))
            covariance.append(float(2 * alpha * (xc * fc).mean(0).sum() / var_x))
            x = y
    return GrowthTerms(np.array(shortcut), np.array(branch), np.array(covariance))
