"""lessons: the widget helpers every lesson notebook shares, and one module of figures per
lesson, named for it (residual_block is lesson 01, backprop 02, vanishing 03, ...)."""

from .real_images import DepthPrediction, DigitsLesson
from .widgets import Prediction, controls_with_tips, guarded, live_figure, note, warning

__all__ = ["Prediction", "controls_with_tips", "guarded", "live_figure", "note", "warning",
           "DepthPrediction", "DigitsLesson"]
