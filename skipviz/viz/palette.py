"""one palette for the whole project: plain, residual, the two classes, and their maps.

okabe-ito colours: distinct for the common kinds of colour blindness. the two classes of a
dataset get colours that are neither plain's nor residual's, so a colour never means two things.
"""

from __future__ import annotations

import numpy as np
from matplotlib.colors import LinearSegmentedColormap

from ..core.checks import check_float

PLAIN_COLOR = "#D55E00"  # vermillion
RESIDUAL_COLOR = "#0072B2"  # blue
CLASS_COLORS = ("#009E73", "#CC79A7")  # bluish green, reddish purple: the two classes of a dataset
PREACT_COLOR = "#56B4E9"  # sky blue: a residual net with its blocks in pre-activation order
INPUT_COLOR = "#999999"  # an input cloud, drawn behind every output
CHANCE_COLOR = "#777777"  # the chance level on accuracy plots
# class-0 colour through white to class-1 colour: p(class 1) on every decision map
CLASS_MAP = LinearSegmentedColormap.from_list("classes", [CLASS_COLORS[0], "#FFFFFF",
                                                          CLASS_COLORS[1]])


def variant_color(alpha: float) -> str:
    """plain (alpha 0) is vermillion, residual (alpha 1) is blue, in between is a blend."""
    a = float(np.clip(_alpha(alpha), 0.0, 1.0))
    p = np.array([int(PLAIN_COLOR[i:i + 2], 16) for i in (1, 3, 5)])
    r = np.array([int(RESIDUAL_COLOR[i:i + 2], 16) for i in (1, 3, 5)])
    rgb = np.rint((1 - a) * p + a * r).astype(int)
    return "#" + "".join(f"{c:02X}" for c in rgb)


def _alpha(alpha) -> float:
    # a skip toggle's True/False counts as 1/0; nan has no colour
    return float(alpha) if isinstance(alpha, bool) else check_float("alpha", alpha)
