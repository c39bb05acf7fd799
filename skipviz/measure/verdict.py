"""the one verdict on a gradient profile: vanishing, shrinking, preserved, growing or exploding.

every word a lesson or the dashboard says about the size of layer 1's gradient against the last
layer's comes from `verdict`, read off one table of orders of magnitude (log10 of the ratio).
"""

from __future__ import annotations

import math
from numbers import Real

import numpy as np

# (upper bound on log10(|dL/dx_1| / |dL/dx_L|), verdict), read top down; bounds are inclusive
THRESHOLDS = (
    (-3.0, "vanishing"),  # layer 1 gets a thousandth of the last layer's gradient, or less
    (-1.0, "shrinking"),  # a tenth or less: it fell, but has not vanished
    (1.0 - 1e-12, "preserved"),  # within a factor of ten either way
    (3.0 - 1e-12, "growing"),  # ten to a thousand times more (a residual stack grows gently)
    (math.inf, "exploding"),  # a thousand times more, or more
)
VERDICTS = tuple(v for _, v in THRESHOLDS) + ("undefined",)


def gradient_orders(grad_norms_step) -> float | None:
    """log10(||dL/dx_1|| / ||dL/dx_L||) for one step's per-layer norms.

    < 0 fell toward the input, > 0 grew; None if layer 1 got exactly 0 (the end point of
    vanishing); nan if either norm is not a finite number or the last one is 0.
    """
    g = np.asarray(grad_norms_step, dtype=np.float64)
    first, last = g[0], g[-1]
    if not (np.isfinite(first) and np.isfinite(last)) or last <= 0:
        return float("nan")
    if first <= 0:
        return None
    return float(np.log10(first / last))


def verdict(orders: float | None) -> str:
    """the word for `orders` (from gradient_orders): None (exactly 0) is 'vanishing'."""
    if orders is None:
        return "vanishing"
    if isinstance(orders, bool) or not isinstance(orders, Real):
        raise ValueError(f"orders must be a number or None, got {type(orders).__name__}")
    orders = float(orders)
    if math.isnan(orders):
        return "undefined"
    for bound, word in THRESHOLDS:
        if orders <= bound:
            return word
    return "exploding"
