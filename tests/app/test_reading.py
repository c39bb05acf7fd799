"""the reading names what the step-0 gradient did: fell, level, grew gently, or exploded."""

from types import SimpleNamespace

import numpy as np
import pytest

from skipviz.app.reading import gradient_sentence


def _snap(first_over_last: float, alpha: float = 1.0):
    g = np.geomspace(first_over_last, 1.0, 60)[None, :]
    return SimpleNamespace(grad_norms=g, alpha=alpha)


@pytest.mark.parametrize(
    "ratio, words",
    [(1e-6, "fell by 6.0 orders"), (2.0, "every layer gets a signal"),
     (20.0, "not exploding"), (1e5, "it explodes")],
)
def test_gradient_sentence_matches_the_numbers(ratio, words):
    assert words in gradient_sentence(_snap(ratio), "en")


@pytest.mark.parametrize("ratio", [1e-6, 2.0, 20.0, 1e5])
def test_every_reading_has_a_chinese_twin(ratio):
    zh = gradient_sentence(_snap(ratio), "zh")
    assert zh and zh != gradient_sentence(_snap(ratio), "en")
