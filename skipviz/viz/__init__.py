"""viz: one palette, one axis style, and the reusable matplotlib artists of every figure."""

from .artists import DecisionMap, GradientHeatmap, PairLines
from .axes import cjk_font, positive, set_log_ylim
from .palette import (
    CHANCE_COLOR,
    CLASS_COLORS,
    CLASS_MAP,
    INPUT_COLOR,
    PLAIN_COLOR,
    PREACT_COLOR,
    RESIDUAL_COLOR,
    variant_color,
)

__all__ = [
    "CHANCE_COLOR",
    "CLASS_COLORS",
    "CLASS_MAP",
    "INPUT_COLOR",
    "PLAIN_COLOR",
    "PREACT_COLOR",
    "RESIDUAL_COLOR",
    "DecisionMap",
    "GradientHeatmap",
    "PairLines",
    "cjk_font",
    "positive",
    "set_log_ylim",
    "variant_color",
]
