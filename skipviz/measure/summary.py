"""one plain sentence per training run, computed from its numbers: what happened to the gradient."""

from __future__ import annotations

import math
from numbers import Real

from ..core.checks import check_int
from ..core.compare import variant_label
from ..core.train import TrainResult
from .verdict import verdict


def gradient_ratio(result: TrainResult, step: int = 0) -> float:
    """|dL/dx_1| / |dL/dx_L| at `step`: far below 1 vanishing, far above 1 exploding.

    0 when layer 1 got exactly nothing, nan when there is no finite number to divide.
    """
    if not isinstance(result, TrainResult):
        raise ValueError(f"result must be a TrainResult, got {type(result).__name__}")
    step = check_int("step", step, 0, max(0, len(result.grad_norms) - 1))
    if not len(result.grad_norms):
        raise ValueError("result has no steps: there is no gradient to compare")
    first, last = result.grad_norms[step][0], result.grad_norms[step][-1]
    if not (math.isfinite(first) and math.isfinite(last)) or last <= 0:
        return float("nan")
    return float(first / last)


def regime(ratio: float) -> str:
    """the one verdict (measure/verdict.py) for a gradient_ratio; 'overflowed' for nan."""
    if isinstance(ratio, bool) or not isinstance(ratio, Real):
        raise ValueError(f"ratio must be a number, got {type(ratio).__name__}")
    try:
        ratio = float(ratio)
    except OverflowError:  # an int too big for a float
        ratio = math.inf
    if not math.isfinite(ratio):
        return "overflowed"
    if ratio < 0:
        raise ValueError(f"ratio must be >= 0, got {ratio}")
    return verdict(None if ratio == 0 else math.log10(ratio))


def describe_run(result: TrainResult) -> str:
    """e.g. 'plain (no skip): final loss 0.685, accuracy 56%; at step 0 layer 1's ...'."""
    ratio = gradient_ratio(result, 0)
    name = variant_label(result.alpha)
    if result.diverged:
        return (f"{name}: diverged at step {result.diverged_at}: the loss, a gradient or a "
                f"weight became inf or NaN in training, so training stopped there.")
    if ratio == 0:
        size = "exactly 0 (it underflowed float32)"
    else:
        size = f"{ratio:.1e}× the last layer's"
    return (f"{name}: final loss {_number(result.final_loss)}, accuracy {result.accuracy:.0%}; "
            f"at step 0 layer 1's gradient was {size} ({regime(ratio)}).")


def _number(x: float) -> str:
    # a loss of 0.693 reads best fixed, one of 5e21 (a finite, huge loss) in powers of ten
    return f"{x:.3f}" if abs(x) < 1e3 else f"{x:.2e}"
