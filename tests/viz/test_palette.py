"""one palette: a colour never means two things (issue 10: classes vs plain/residual)."""

import numpy as np
import pytest

from skipviz.viz import palette


def lab(hex_colour: str) -> np.ndarray:
    """cie l*a*b* of an srgb colour (d65), where distance tracks what the eye sees."""
    c = np.array([int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)])
    c = np.where(c > 0.04045, ((c + 0.055) / 1.055) ** 2.4, c / 12.92)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                    [0.0193, 0.1192, 0.9505]]) @ c / np.array([0.9505, 1.0, 1.089])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def delta_e(a: str, b: str) -> float:
    return float(np.linalg.norm(lab(a) - lab(b)))


@pytest.mark.parametrize("cls", palette.CLASS_COLORS)
@pytest.mark.parametrize("variant", [palette.PLAIN_COLOR, palette.RESIDUAL_COLOR,
                                     palette.PREACT_COLOR])
def test_class_colours_are_far_from_every_variant_colour(cls, variant):
    # the old orange / sky-blue classes were 30 and 35 from vermillion / blue
    gap = delta_e(cls, variant)
    print(f"{cls} vs {variant}: delta E {gap:.0f} (margin {gap - 50:.0f})")
    assert gap > 50


def test_the_old_class_colours_would_have_failed():
    assert delta_e("#E69F00", palette.PLAIN_COLOR) < 50
    assert delta_e("#56B4E9", palette.RESIDUAL_COLOR) < 50


def test_variant_colour_blends_from_plain_to_residual():
    assert palette.variant_color(0.0) == palette.PLAIN_COLOR
    assert palette.variant_color(1.0) == palette.RESIDUAL_COLOR
    mid = palette.variant_color(0.5)
    assert mid not in (palette.PLAIN_COLOR, palette.RESIDUAL_COLOR)
