"""the lesson figures: built once on Agg axes, then updated in place with real numbers."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

import skipviz as sv  # noqa: E402
from skipviz.lessons.backprop import JacobianView, ScalarChainView, SpectrumView, SpreadView  # noqa: E402
from skipviz.lessons.residual_block import CloudView  # noqa: E402
from skipviz.lessons.smooth_updates import LandscapeMap  # noqa: E402
from skipviz.lessons.vanishing import DepthSweepView, ExperimentView  # noqa: E402
from skipviz.measure.degradation import depth_sweep  # noqa: E402
from skipviz.viz.artists import PairLines  # noqa: E402


@pytest.fixture
def fig():
    f = plt.figure()
    yield f
    plt.close(f)


def test_cloud_view_draws_input_and_output(fig):
    X = np.random.default_rng(0).standard_normal((30, 2))
    view = CloudView(fig.add_subplot(), X, sv.PLAIN_COLOR, "plain")
    view.update(0.5 * X, 0.5)
    np.testing.assert_allclose(view.out.get_offsets(), 0.5 * X)
    assert len(view.moves.get_segments()) == 10
    assert "0.500" in view.ax.get_title()
    fig.canvas.draw()


def test_jacobian_view_shares_one_symmetric_scale(fig):
    view = JacobianView(fig.subplots(1, 3), width=4)
    j = 3 * np.eye(4)
    view.update(j + 1, j)
    assert all(im.get_clim() == (-4.0, 4.0) for im in view.images)
    np.testing.assert_allclose(view.images[2].get_array(), np.ones((4, 4)))
    fig.canvas.draw()


def test_chain_views_take_the_theory_outputs(fig):
    axes = fig.subplots(1, 3)
    scalar = ScalarChainView(axes[0])
    scalar.update(sv.scalar_chain(0.5, 10), 0.5)
    np.testing.assert_allclose(scalar.plain.get_ydata(), 0.5 ** np.arange(11))
    spread = SpreadView(axes[1], "random")
    chains = sv.random_chain_singular_values(10, width=4, gain=0.5)
    spread.update(chains)
    np.testing.assert_allclose(spread.lines["plain"][1].get_ydata(), chains["plain"][:, -1])
    spectrum = SpectrumView(axes[2], "real")
    spectrum.update({k: v[-1] for k, v in chains.items()}, 10)
    assert spectrum.ax.get_title().endswith("L = 10")
    fig.canvas.draw()


def test_pair_lines_recolour_and_hide(fig):
    view = PairLines(fig.add_subplot(), "t", "x", "y")
    view.update([(0.0, [0, 1, 2], [1.0, 0.1, 0.0]), (0.5, [0, 1, 2], [1.0, 1.0, 1.0])])
    assert view.lines[1].get_color() == sv.variant_color(0.5)
    assert np.isnan(view.lines[0].get_ydata()[2])  # zero on a log axis is a gap
    view.update([(0.0, [0, 1], [1.0, 2.0])])
    assert len(view.lines[1].get_xdata()) == 0
    fig.canvas.draw()


def test_experiment_view_with_a_diverged_run(fig, spirals):
    X, y = spirals
    view = ExperimentView(fig.subplots(2, 3), X, y)
    ok = sv.compare(X, y, depth=4, steps=5)
    view.update(ok, step=3)
    assert "step 3" in view.grad_x.ax.get_title()
    boom = sv.compare(X, y, depth=30, width=4, steps=3, activation="relu", init_scale=1e3)
    view.update(boom, step=3)
    assert "diverged" in view.maps[0].ax.get_title()
    assert "diverged" in view.grad_w.empty.get_text()  # all nan: say so, not an empty box
    view.update(ok[:1], step=0)
    assert "no second run" in view.maps[1].ax.get_title()
    fig.canvas.draw()


def test_depth_sweep_and_landscape_views(fig, spirals):
    X, y = spirals
    ax1, ax2 = fig.subplots(1, 2)
    sweep = depth_sweep(X, y, (1, 2), width=4, steps=3)
    DepthSweepView(ax1).update(sweep)
    net = sv.make_mlp(2, width=4)
    coords, grid = sv.loss_landscape(net, X, y, dims=2, points=5)
    view = LandscapeMap(ax2, "plain", sv.PLAIN_COLOR)
    view.update(coords, grid, 1.0)
    assert view.image.get_clim() == (grid.min(), grid.max())
    view.update(coords, grid, 1.0, clim=(0.0, 9.0))  # a scale shared with another map
    assert view.image.get_clim() == (0.0, 9.0)
    fig.canvas.draw()
    torch.manual_seed(0)

