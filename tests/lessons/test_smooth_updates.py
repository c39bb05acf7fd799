"""lesson 04: slices on one loss scale, and predictions whose outcome comes from their numbers."""

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from skipviz.lessons.smooth_updates import (  # noqa: E402
    BUMPIER,
    CORRELATED,
    INIT_GAINS,
    LineGradientView,
    MetricBars,
    SliceView,
    bumpier,
    pair_smoothness,
    shattering_prediction,
    smoothness_prediction,
)
from skipviz.measure.smoothness import gradient_along_line  # noqa: E402


def test_slice_view_keeps_one_loss_scale_for_both_nets():
    fig = plt.figure()
    ax1, ax2, ax3 = fig.subplots(1, 3)
    coords = np.linspace(-1, 1, 11)
    view = SliceView(ax1)
    plateau = 0.69 + 0.01 * np.sin(9 * coords)
    view.update(coords, {"plain": plateau, "residual": 3 * coords**2},
                {"plain": 1.4, "residual": 1.0})
    np.testing.assert_allclose(view.lines["plain"].get_ydata(), plateau)  # not stretched
    np.testing.assert_allclose(view.lines["residual"].get_ydata(), 3 * coords**2)
    assert view.ax.get_ylim() == pytest.approx((0.0, 1.05 * 3.0))
    view.update(coords, {"plain": plateau, "residual": plateau}, {"plain": 1.0, "residual": 1.0})
    assert view.ax.get_ylim()[1] >= math.log(2)  # the chance line stays in view
    out = gradient_along_line(3, n=32)
    line = LineGradientView(ax2)
    line.update(out["positions"], out, out["direction"], out["correlation"], "t")
    assert np.sqrt(np.mean(line.lines["plain"].get_ydata() ** 2)) == pytest.approx(1.0)
    bars = MetricBars(ax3, ["a", "b"], "t")
    bars.update({"plain": [2.0, np.nan], "residual": [1.0, 0.5]})
    assert [b.get_height() for b in bars.bars["plain"]] == [2.0, 0.0]
    assert bars.labels["plain"][1].get_text() == "n/a"
    fig.canvas.draw()
    plt.close(fig)


def numbers(plain_loss, w_plain, w_res):
    return {"final loss": {"plain": plain_loss, "residual": 0.01},
            "trained": {"plain": plain_loss < 0.3465, "residual": True},
            "wiggle 1-d": {"plain": w_plain, "residual": w_res},
            "wiggle 2-d": {"plain": 1.2, "residual": 1.2}, "jitter": {}}


def test_bumpier_reads_the_mean_wiggle():
    assert bumpier(numbers(0.1, 1.02, 1.0)) == BUMPIER[2]
    assert bumpier(numbers(0.1, 1.4, 1.1)) == BUMPIER[0]
    assert bumpier(numbers(0.1, 1.0, 1.3)) == BUMPIER[1]


def test_smoothness_prediction_says_when_the_comparison_is_confounded():
    p = smoothness_prediction(30, lambda depth: numbers(0.684, 1.42, 1.10))
    assert p.choose(BUMPIER[0]) == BUMPIER[0]
    assert "not comparable" in p.result.value and "plain net did not train" in p.result.value
    q = smoothness_prediction(6, lambda depth: numbers(0.086, 1.00, 1.00))
    assert q.choose(BUMPIER[0]) == BUMPIER[2]
    assert "fair" in q.result.value and "not comparable" not in q.result.value


def test_smoothness_prediction_on_a_real_pair(spirals):
    X, y = spirals
    seen = []

    def measure(depth):
        seen.append(depth)
        return pair_smoothness(X, y, depth, steps=30, points=11, points_2d=5)["numbers"]

    p = smoothness_prediction(2, measure)
    outcome = p.choose(BUMPIER[1])
    assert seen == [2] and outcome in BUMPIER and "Final loss: plain" in p.result.value


@pytest.mark.parametrize("activation, want", [("relu", CORRELATED[1]), ("tanh", CORRELATED[0])])
def test_shattering_prediction_follows_the_activation(activation, want):
    p = shattering_prediction(depth=100, activation=activation, gain=INIT_GAINS[
        "He for relu (g = √2)"])
    assert p.choose(CORRELATED[2]) == want
    assert "Neighbour correlation at depth 100" in p.result.value
    assert ("tanh saturates" in p.result.value) == (activation == "tanh")


def test_init_gains_are_the_named_references():
    assert INIT_GAINS["pytorch default (g = 0.577)"] == pytest.approx(3**-0.5)
    assert INIT_GAINS["critical for tanh (g = 1)"] == 1.0
    assert INIT_GAINS["He for relu (g = √2)"] == pytest.approx(math.sqrt(2))
