"""initial weight scales, named against their references.

`init_scale` everywhere in skipviz multiplies pytorch's default nn.Linear init
(U(-1/sqrt(width), 1/sqrt(width))): init_scale 1 is pytorch's default, not a neutral choice.

a block's weights then have standard deviation init_scale / sqrt(3 width), and one block
stretches a vector by about its gain g = init_scale / sqrt(3) (the gain of lesson 02). the
references below are the classic choices, written as init_scales; for square width x width
layers each is the same at every width (both sides scale as 1 / sqrt(width)).
"""

from __future__ import annotations

import math

import numpy as np

from .checks import check_choice, check_float, check_int
from .limits import MAX_WIDTH

SQRT3 = math.sqrt(3.0)  # pytorch's default std is 1 / sqrt(3 width): a gain of 1 / sqrt(3)

# name -> init_scale (a multiple of pytorch's default); one table, read by every lesson
INIT_REFERENCES = {
    "pytorch default": 1.0,  # nn.Linear's own U(±1/√n): std 1/√(3n), gain 1/√3 ≈ 0.58
    # std 1/√n: Xavier/Glorot for a square layer (gain 1), and the critical (edge-of-chaos)
    # weight variance σ_w² = 1 of tanh at zero bias (Poole et al. 2016): the gradient neither
    # shrinks nor grows on average through a linear-regime tanh layer
    "critical (Xavier)": SQRT3,
    "Kaiming (He) for relu": math.sqrt(6.0),  # std √(2/n): relu passes half the units
    "torch tanh gain 5/3": 5.0 / SQRT3,  # nn.init.calculate_gain('tanh') with Xavier
}
CRITICAL = INIT_REFERENCES["critical (Xavier)"]


def init_scale_for_gain(gain: float) -> float:
    """the make_mlp init_scale at which one block's weights stretch a vector by about `gain`.

    torch's default nn.Linear init draws U(-1/sqrt(width), 1/sqrt(width)), variance
    1 / (3 width), so |W v| is about |v| / sqrt(3); sqrt(3) * gain undoes that. the activation
    (tanh' <= 1) shrinks the stretch a little more.
    """
    gain = check_float("gain", gain, positive=True)
    return float(np.sqrt(3.0) * gain)


def gain_for_init_scale(init_scale: float) -> float:
    """the inverse of init_scale_for_gain: init_scale 1 (pytorch's default) is g ≈ 0.577."""
    init_scale = check_float("init_scale", init_scale, positive=True)
    return init_scale / SQRT3


def weight_std(init_scale: float, width: int) -> float:
    """the standard deviation of a block's weights at this init_scale and width."""
    init_scale = check_float("init_scale", init_scale, positive=True)
    width = check_int("width", width, 1, MAX_WIDTH)
    return init_scale / math.sqrt(3.0 * width)


def init_scale_for_std(std: float, width: int) -> float:
    """the init_scale that gives a block's weights standard deviation `std` at this width."""
    std = check_float("std", std, positive=True)
    width = check_int("width", width, 1, MAX_WIDTH)
    return std * math.sqrt(3.0 * width)


def relative_to(init_scale: float, reference: str) -> float:
    """init_scale as a multiple of a named reference: relative_to(√3, 'critical (Xavier)') = 1."""
    init_scale = check_float("init_scale", init_scale, positive=True)
    check_choice("reference", reference, tuple(INIT_REFERENCES))
    return init_scale / INIT_REFERENCES[reference]


def describe_init_scale(init_scale: float) -> str:
    """e.g. '1.73 × pytorch default = 1.00 × critical (Xavier), gain g 1.00'."""
    init_scale = check_float("init_scale", init_scale, positive=True)
    named = next((name for name, value in INIT_REFERENCES.items()
                  if math.isclose(init_scale, value, rel_tol=1e-3)), None)
    critical = relative_to(init_scale, "critical (Xavier)")
    text = (f"{init_scale:.3g} × pytorch default = {critical:.3g} × critical (Xavier), "
            f"gain g {gain_for_init_scale(init_scale):.3g}")
    return f"{text}: the {named} init" if named else text
