"""lesson 06's helpers: scores against a direct psnr, the progress bar and button, the
predictions read off the numbers."""

import matplotlib

matplotlib.use("Agg")

import ipywidgets as W  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import skipviz as sv  # noqa: E402
from skipviz.core import mean_filter  # noqa: E402
from skipviz.lessons import Prediction  # noqa: E402
from skipviz.lessons import skip_vs_residual as lesson  # noqa: E402

CLEAN = sv.make_shapes(64, size=8, seed=0)
TEST = sv.make_shapes(8, size=8, seed=1)


@pytest.fixture(scope="module")
def runs():
    bar = W.IntProgress()
    pair = lesson.train_pair(CLEAN, bar, steps=3, noise=0.3, seed=0, width=2, batch_size=4)
    assert bar.max == 6 and bar.value == 6 and "σ 0.3" in bar.description
    return pair


def test_scores_are_psnr_of_each_output(runs):
    noisy = sv.add_noise(TEST, 0.5, seed=1)
    s = lesson.scores_at(runs, TEST, 0.5)
    assert s[True] == pytest.approx(sv.psnr(runs[True].denoise(noisy), TEST))
    assert s["mean"] == pytest.approx(sv.psnr(mean_filter(noisy), TEST))
    assert s["noisy"] == pytest.approx(sv.psnr(noisy, TEST))
    assert lesson.scores_at(runs, TEST, 0.0)["noisy"] == float("inf")


def test_noise_sweep_is_scores_at_each_level(runs):
    sweep = lesson.noise_sweep(runs, TEST, [0.0, 0.2, 0.4])
    assert set(sweep) == {True, False, "mean", "noisy"} and sweep[False].shape == (3,)
    assert sweep[False][2] == pytest.approx(lesson.scores_at(runs, TEST, 0.4)[False])


def test_train_more_counts_on_the_bar_and_disables_the_button(runs):
    bar, button = W.IntProgress(), W.Button()
    seen = []
    button.observe(lambda change: seen.append(change["new"]), names="disabled")
    bar.observe(lambda change: seen.append(("bar", change["new"])), names="value")
    before = runs[True].steps_run
    lesson.train_more(runs, 2, bar, button)
    assert runs[True].steps_run == runs[False].steps_run == before + 2
    assert bar.max == 4 and bar.value == 4
    # disabled first, the bar moves while it is, enabled again at the end
    assert seen[0] is True and seen[-1] is False and ("bar", 3) in seen
    assert not button.disabled


def test_train_more_re_enables_the_button_after_an_error(runs):
    button = W.Button()
    with pytest.raises(ValueError, match="steps"):
        lesson.train_more(runs, 0, W.IntProgress(), button)
    assert not button.disabled


@pytest.mark.parametrize("cut, mean, answer", [(16.0, 14.0, 0), (14.2, 14.07, 1),
                                               (13.2, 14.07, 1), (12.0, 14.07, 2)])
def test_baseline_outcome(cut, mean, answer):
    assert lesson.baseline_outcome(cut, mean) == lesson.BASELINE[answer]


def test_predictions_explain_with_the_numbers():
    scores = {True: 18.78, False: 14.2, "mean": 14.07, "noisy": 13.02}
    p = Prediction("q", lesson.BASELINE,
                   run=lambda: lesson.baseline_outcome(scores[False], scores["mean"]),
                   explain=lambda c, o: lesson.explain_baseline(c, o, scores, scores["mean"],
                                                                scores["noisy"]))
    assert p.choose(lesson.BASELINE[0]) == lesson.BASELINE[1]
    assert "14.20 dB" in p.result.value and "14.07 dB" in p.result.value
    heavy = {True: 11.27, False: 11.43}
    assert lesson.heavy_noise_outcome(heavy) == lesson.HEAVY_NOISE[1]
    text = lesson.explain_heavy_noise(lesson.HEAVY_NOISE[0], lesson.HEAVY_NOISE[1], heavy, 0.3,
                                      0.8)
    assert "11.27 dB" in text and "2.7×" in text


def test_noise_sweep_view_draws_in_place():
    fig, ax = plt.subplots()
    sigmas = np.array([0.0, 0.4, 0.8])
    view = lesson.NoiseSweepView(ax, sigmas, trained_at=0.3)
    n = len(ax.lines)
    sweep = {True: np.array([22.0, 16.0, 11.0]), False: np.array([14.6, 13.0, 11.4]),
             "mean": np.array([15.1, 12.5, 10.9]), "noisy": np.array([np.inf, 8.0, 6.9])}
    view.update(sweep, 0.8)
    assert np.isnan(view.lines["noisy"].get_ydata()[0])
    np.testing.assert_array_equal(view.lines[True].get_ydata(), sweep[True])
    assert list(view.now.get_xdata()) == [0.8, 0.8] and len(ax.lines) == n
    lo, hi = ax.get_ylim()
    assert lo <= 6.9 and hi >= 22
    plt.close(fig)


def test_explanations_follow_the_outcome_and_the_choice():
    # the cut net clearly worse than the filter: the text must say so, not "buys almost nothing"
    scores = {True: 16.59, False: 12.5, "mean": 14.07, "noisy": 13.02}
    outcome = lesson.baseline_outcome(scores[False], scores["mean"])
    assert outcome == lesson.BASELINE[2]
    text = lesson.explain_baseline(lesson.BASELINE[0], outcome, scores, scores["mean"],
                                   scores["noisy"])
    assert "1.57 dB worse than the filter" in text and "no help" in text
    scores = {True: 18.78, False: 14.2, "mean": 14.07, "noisy": 13.02}
    text = lesson.explain_baseline(lesson.BASELINE[1], lesson.BASELINE[1], scores,
                                   scores["mean"], scores["noisy"])
    assert "+0.13 dB" in text and "+4.71 dB" in text and "no help" not in text
    # no flip: the text must not explain one
    heavy = {True: 12.0, False: 11.4}
    outcome = lesson.heavy_noise_outcome(heavy)
    assert outcome == lesson.HEAVY_NOISE[0]
    text = lesson.explain_heavy_noise(lesson.HEAVY_NOISE[1], outcome, heavy, 0.3, 0.8)
    assert "keeps its lead" in text and "loses less" not in text
    flip = lesson.explain_heavy_noise(lesson.HEAVY_NOISE[0], lesson.HEAVY_NOISE[1],
                                      {True: 11.27, False: 11.43}, 0.3, 0.8)
    assert "not better at every one" in flip
