"""the lesson 05/06 figures: built once, then every update only changes data in place."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import skipviz as sv  # noqa: E402
from skipviz.lessons.shortcut import BreakView, SignalView
from skipviz.lessons.skip_vs_residual import DenoiseView  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _artists(fig):
    return sum(len(ax.lines) + len(ax.images) + len(ax.patches) for ax in fig.axes)


def test_signal_view_updates_lines_in_place():
    fig, (a, b) = plt.subplots(1, 2)
    view = SignalView(a, b)
    before = _artists(fig)
    fwd, bwd = np.array([1.0, 0.1, 0.0]), np.array([1e-3, 1e-2, 1e-1])
    view.update({0.0: (fwd, bwd), 1.0: (fwd * 2, bwd * 2)})
    x, y = view.lines[0, 0.0].get_data()
    np.testing.assert_array_equal(x, [0, 1, 2])
    # a zero cannot sit on a log axis: it becomes a gap, not an error
    assert y[:2].tolist() == [1.0, 0.1] and np.isnan(y[2])
    np.testing.assert_array_equal(view.lines[1, 1.0].get_data()[1], bwd * 2)
    lo, hi = b.get_ylim()
    assert lo <= 1e-3 and hi >= 2e-1
    view.update({0.0: (fwd, bwd), 1.0: (fwd, bwd)})
    assert _artists(fig) == before


def test_break_view_shows_every_block_and_the_picked_one():
    X, y = sv.make_dataset("moons", n=40)
    fig, axes = plt.subplots(1, 3)
    view = BreakView(axes[0], axes[1:], X, y, depth=4, grid_extent=(-2, 2, -2, 2))
    before = _artists(fig)
    acc = {0.0: np.array([0.5, 0.6, 0.7, 0.8]), 1.0: np.array([0.9, 0.95, 1.0, 0.97])}
    grids = {0.0: np.zeros((5, 5)), 1.0: np.ones((5, 5))}
    view.update(acc, {0.0: 0.99, 1.0: 1.0}, block=2, grids=grids, mode="delete")
    assert [bar.get_height() for bar in view.bars[1.0]] == acc[1.0].tolist()
    assert [bar.get_alpha() for bar in view.bars[0.0]] == [0.35, 0.35, 1.0, 0.35]
    assert list(view.intact[0.0].get_ydata()) == [0.99, 0.99]
    np.testing.assert_array_equal(view.maps[1.0].get_array(), grids[1.0])
    assert "block 3 deleted" in axes[1].get_title() and "70.0%" in axes[1].get_title()
    assert _artists(fig) == before


def test_denoise_view_shows_images_scores_and_losses():
    keys = ["noisy", "target", "out_True", "out_False", "loss", "err_True", "err_False"]
    fig, axs = plt.subplots(2, 4)
    axes = dict(zip(keys, axs.ravel(), strict=False))
    view = DenoiseView(axes, size=8)
    before = _artists(fig)
    target = np.zeros((8, 8))
    outs = {True: np.full((8, 8), 0.1), False: np.full((8, 8), 1.7)}
    view.update(np.full((8, 8), -0.5), target, outs, {True: 20.0, False: 12.5},
                {True: [1.0, 0.5, 0.2], False: [1.0, 0.8]}, noise=0.3, input_score=9.0)
    # shown clipped to the [0, 1] a pixel can hold
    assert view.images["noisy"].get_array().min() == 0
    assert view.images["out_False"].get_array().max() == 1
    np.testing.assert_allclose(view.images["err_True"].get_array(), 0.1)
    assert "20.0 dB" in axes["out_True"].get_title() and "12.5 dB" in axes["out_False"].get_title()
    assert "σ = 0.3" in axes["noisy"].get_title()
    assert len(view.loss[True].get_data()[0]) == 3 and axes["loss"].get_xlim()[1] >= 3
    assert _artists(fig) == before
