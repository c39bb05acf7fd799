"""lesson 02: the chain figures name lines that hit exactly 0; predictions follow the numbers."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import skipviz as sv  # noqa: E402
from skipviz.core.scales import init_scale_for_gain  # noqa: E402
from skipviz.lessons.backprop import (  # noqa: E402
    GROWTH,
    NEGATIVE,
    ScalarChainView,
    SpreadView,
    gain_words,
    growth_prediction,
    negative_gain_prediction,
    pytorch_default_gain,
)
from skipviz.measure.jacobians import mean_zero_growth, rms_singular_value  # noqa: E402


@pytest.fixture
def ax():
    fig = plt.figure()
    yield fig.add_subplot()
    fig.canvas.draw()
    plt.close(fig)


def test_the_default_gain_is_pytorchs_default_init():
    g = pytorch_default_gain()
    assert init_scale_for_gain(g) == pytest.approx(1.0)  # make_mlp's init_scale 1
    assert g == pytest.approx(3**-0.5)
    assert "1.00 × pytorch's default" in gain_words(g) and "critical init (g = 1" in gain_words(g)
    assert "against the shortcut" in gain_words(-g) and "1.00 × pytorch's" in gain_words(-g)


def test_scalar_view_draws_absolute_values_and_names_exact_zeros(ax):
    view = ScalarChainView(ax)
    view.update(sv.scalar_chain(-0.5, 10), -0.5)
    np.testing.assert_allclose(view.residual.get_ydata(), 0.5 ** np.arange(11))
    note = view.note.get_text()
    assert "alternates in sign" in note and "cannot draw 0" not in note
    view.update(sv.scalar_chain(-1.0, 10), -1.0)
    assert np.isnan(view.residual.get_ydata()[1:]).all()
    assert "exactly 0" in view.note.get_text() and "cannot draw 0" in view.note.get_text()
    view.update(sv.scalar_chain(0.0, 10), 0.0)
    assert "plain: g = 0" in view.note.get_text()
    view.update(sv.scalar_chain(0.5, 10), 0.5)
    assert view.note.get_text() == ""


def test_spread_view_draws_rms_and_the_growth_law(ax):
    view = SpreadView(ax, "random")
    chains = sv.random_chain_singular_values(20, width=8, gain=0.6)
    view.update(chains, predicted=mean_zero_growth(0.6, 20))
    top, low, mid = view.lines["residual"]
    np.testing.assert_allclose(mid.get_ydata(), rms_singular_value(chains["residual"]))
    np.testing.assert_allclose(view.predicted.get_ydata(), mean_zero_growth(0.6, 20))
    zero = sv.random_chain_singular_values(5, width=4, gain=0.0)  # J = 0: plain product is 0
    view.update(zero)
    assert "plain: every singular value is exactly 0 from L = 1" in view.note.get_text()
    assert len(view.predicted.get_xdata()) == 0


@pytest.mark.parametrize("choice", GROWTH)
def test_growth_prediction(choice):
    p = growth_prediction(depth=50)
    assert p.choose(choice) == GROWTH[1]  # measured: the rms stretch passes 100
    assert "√(1 + g²)ᴸ predicts 1.33e+03" in p.result.value
    # shallow and small g: the same question comes out level, from its own numbers
    assert growth_prediction(depth=5, gain=0.1).choose(choice) == GROWTH[0]


@pytest.mark.parametrize("choice", NEGATIVE)
def test_negative_gain_prediction(choice):
    assert negative_gain_prediction(-0.5, 50).choose(choice) == NEGATIVE[2]
    assert negative_gain_prediction(-0.5, 5).choose(choice) == NEGATIVE[1]
    p = negative_gain_prediction(0.5, 5)
    assert p.choose(choice) == NEGATIVE[0]
