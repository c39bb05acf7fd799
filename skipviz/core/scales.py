"""initial weight scales, named against their references.

`init_scale` everywhere in skipviz multiplies pytorch's default nn.Linear init
(U(-1/sqrt(width), 1/sqrt(width))): init_scale 1 is pytorch's default, not a neutral choice.
"""

from __future__ import annotations

import numpy as np

from .checks import check_float


def init_scale_for_gain(gain: float) -> float:
    """the make_mlp init_scale at which one block's weights stretch a vector by about `gain`.

    torch's default nn.Linear init draws U(-1/sqrt(width), 1/sqrt(width)), variance
    1 / (3 width), so |W v| is about |v| / sqrt(3); sqrt(3) * gain undoes that. the activation
    (tanh' <= 1) shrinks the stretch a little more.
    """
    gain = check_float("gain", gain, positive=True)
    return float(np.sqrt(3.0) * gain)
