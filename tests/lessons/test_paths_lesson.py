"""lesson 09's helpers: the two orderings, training with a bar, the prediction's outcome read
off the measured profile, and the figure updating in place."""

import matplotlib

matplotlib.use("Agg")

import ipywidgets as W  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

import skipviz as sv  # noqa: E402
from skipviz.core import PreActResidualBlock, ResidualBlock  # noqa: E402
from skipviz.lessons import Prediction  # noqa: E402
from skipviz.lessons import paths as lesson  # noqa: E402
from skipviz.measure import deletion_curve, path_gradient_profile  # noqa: E402
from skipviz.measure.paths import PathGradients, path_counts  # noqa: E402


def _profile(total):
    total = np.asarray(total, dtype=float)
    n = len(total) - 1
    counts = path_counts(n)
    return PathGradients(np.arange(n + 1), counts, total / counts, total, total,
                         np.ones(n + 1, int))


def test_the_two_orderings_share_their_weights_and_differ_inside_the_branch():
    a = lesson.make_paths_net(3, "original", seed=4)
    b = lesson.make_paths_net(3, "pre-activation", seed=4)
    assert all(isinstance(k, ResidualBlock) for k in a.blocks)
    assert all(isinstance(k, PreActResidualBlock) for k in b.blocks)
    assert isinstance(a.blocks[0].norm, torch.nn.LayerNorm)
    assert isinstance(b.blocks[0].norm, torch.nn.LayerNorm)
    # the same start, only the order inside F differs
    pb = dict(b.named_parameters())
    assert set(pb) == {name for name, _ in a.named_parameters()}
    for name, p in a.named_parameters():
        torch.testing.assert_close(p, pb[name])
    # same seed, same net: reproducible
    torch.testing.assert_close(lesson.make_paths_net(3, "original", seed=4).blocks[2].fc.weight,
                               a.blocks[2].fc.weight)


@pytest.mark.parametrize("kwargs, name", [({"order": "post"}, "order"), ({"n": 0}, "n"),
                                          ({"n": 65}, "n")])
def test_make_paths_net_refuses(kwargs, name):
    args = {"n": 3, "order": "original", **kwargs}
    with pytest.raises(ValueError, match=name):
        lesson.make_paths_net(**args)


def test_train_orders_counts_both_on_the_bar(spirals):
    X, y = spirals
    bar = W.IntProgress()
    runs = lesson.train_orders(X, y, 2, steps=12, bar=bar)
    assert set(runs) == set(lesson.ORDERS)
    assert bar.max == 24 and bar.value == 24
    assert all(r.steps_run == 12 and np.isfinite(r.final_loss) for r in runs.values())


@pytest.mark.parametrize("total, answer", [
    ([0, 0, 0, 0, 1], 0),            # the longest path
    ([0, 1, 6, 1, 0], 1),            # the middle of 4
    ([1, 5, 2, 1, 0.5, 0.1, 0], 2),  # short
    ([0, 0, 1, 2, 6, 3, 1], 3),      # long but not the longest
])
def test_path_length_outcome_reads_the_peak(total, answer):
    assert lesson.path_length_outcome(_profile(total)) == lesson.PATH_LENGTHS[answer]


def test_prediction_explains_with_the_measured_profile():
    prof = _profile([0.04, 0.17, 0.32, 0.19, 0.15, 0.08, 0.03, 0.01, 0.005, 0.003, 0.002])
    p = Prediction("q", lesson.PATH_LENGTHS, run=lambda: lesson.path_length_outcome(prof),
                   explain=lambda c, o: lesson.explain_path_lengths(c, o, prof))
    assert p.choose(lesson.PATH_LENGTHS[0]) == lesson.PATH_LENGTHS[2]
    text = p.result.value
    assert "peaks at length 2" in text and "252 have length 5" in text and "lengths 1 to 5" in text


def test_paths_view_updates_in_place_and_follows_n(spirals):
    X, y = spirals
    fig, axes = plt.subplots(2, 2)
    view = lesson.PathsView(*axes.ravel())
    lines = sum(len(ax.lines) for ax in axes.ravel())
    for n in (3, 5):
        nets = {o: lesson.make_paths_net(n, o) for o in lesson.ORDERS}
        profiles = {o: path_gradient_profile(net, X, y, samples=2) for o, net in nets.items()}
        curves = {o: deletion_curve(net, X, y, max_subsets=4) for o, net in nets.items()}
        view.update(profiles, curves)
        assert len(view.count) == n + 1 and len(axes[0, 0].patches) == n + 1
        share = profiles["original"].total / profiles["original"].total.sum()
        np.testing.assert_allclose(view.total["original"].get_ydata(), share)
        np.testing.assert_allclose(view.delete["pre-activation"].get_ydata(),
                                   curves["pre-activation"].mean)
        assert axes[1, 1].get_xlim() == (-0.5, n + 0.5)
    assert sum(len(ax.lines) for ax in axes.ravel()) == lines
    plt.close(fig)


def test_deletion_summary_names_both_orderings(spirals):
    X, y = spirals
    nets = {o: lesson.make_paths_net(4, o) for o in lesson.ORDERS}
    curves = {o: deletion_curve(net, X, y) for o, net in nets.items()}
    text = lesson.deletion_summary(curves)
    assert lesson.NAMES["original"] in text and lesson.NAMES["pre-activation"] in text
    assert f"{curves['original'].mean[0]:.1%}".replace("%", " %") in text
    assert sv.core.accuracy(nets["original"], X, y) == pytest.approx(curves["original"].mean[0])


def test_explanation_names_the_mean_factor_per_branch_and_answers_the_choice():
    # one path of length k carries 0.5^k: the factor per branch is 0.5 at every length
    n = 10
    counts = path_counts(n)
    per_path = 0.5 ** np.arange(n + 1)
    prof = PathGradients(np.arange(n + 1), counts, per_path, counts * per_path,
                         counts * per_path, np.ones(n + 1, int))
    outcome = lesson.path_length_outcome(prof)
    assert outcome == lesson.PATH_LENGTHS[2]   # C(10, k) / 2^k peaks at k = 3
    text = lesson.explain_path_lengths(lesson.PATH_LENGTHS[1], outcome, prof)
    assert "about 0.50" in text and "peaks at length 3" in text
    # length 5 against length 3: 0.5^3 / 0.5^5 = 4
    assert "carries 4× less than a path of length 3" in text
    assert "short paths" in text and "does not show" not in text
    share = prof.total / prof.total.sum()
    text = lesson.explain_path_lengths(lesson.PATH_LENGTHS[0], outcome, prof)
    assert f"carries {100 * share[n]:.2g} % of the total" in text and "0.0%" not in text
    text = lesson.explain_path_lengths(lesson.PATH_LENGTHS[3], outcome, prof)
    assert f"longer than 5 branches together carry {share[6:].sum():.0%}" in text
    long_peak = _profile([0, 0, 1, 2, 6, 3, 1])
    text = lesson.explain_path_lengths(lesson.PATH_LENGTHS[2],
                                       lesson.path_length_outcome(long_peak), long_peak)
    assert "this run does not show that" in text
