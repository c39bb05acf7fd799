"""the lesson 05/06 figures: built once, then every update only changes data in place; and
lesson 05's predictions, read off the measured numbers."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import skipviz as sv  # noqa: E402
from skipviz.lessons import Prediction  # noqa: E402
from skipviz.lessons import shortcut as lesson  # noqa: E402
from skipviz.lessons.shortcut import DeletionView, SignalView  # noqa: E402
from skipviz.lessons.skip_vs_residual import DenoiseView  # noqa: E402
from skipviz.measure.probes import DeletionCurve  # noqa: E402


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


def _curve(means):
    means = np.asarray(means, dtype=float)
    n = len(means) - 1
    return DeletionCurve(np.arange(n + 1), means, means - 0.05, np.minimum(means + 0.05, 1),
                         np.ones(n + 1, int), np.ones(n + 1, bool))


def test_deletion_view_shows_bars_curves_and_the_picked_blocks():
    X, y = sv.make_dataset("moons", n=40)
    fig, axes = plt.subplots(2, 2)
    view = DeletionView(axes[0, 0], axes[0, 1], axes[1], X, y, depth=4)
    before = _artists(fig)
    single = {0.0: np.array([0.5, 0.6, 0.7, 0.8]), 1.0: np.array([0.9, 0.95, 1.0, 0.97])}
    curves = {0.0: _curve([1, 0.6, 0.5, 0.5, 0.7]), 1.0: _curve([1, 0.97, 0.93, 0.9, 0.85])}
    view.show_curves(single, {0.0: 0.99, 1.0: 1.0}, curves)
    assert [bar.get_height() for bar in view.bars[1.0]] == single[1.0].tolist()
    assert list(view.intact[0.0].get_ydata()) == [0.99, 0.99]
    np.testing.assert_array_equal(view.curve[1.0].get_ydata(), curves[1.0].mean)
    # the dotted line goes out along the worst choices and back along the best
    np.testing.assert_allclose(view.worst[0.0].get_ydata()[:5], curves[0.0].low)
    np.testing.assert_allclose(view.worst[0.0].get_ydata()[5:], curves[0.0].high[::-1])
    grids = {0.0: np.zeros((60, 60)), 1.0: np.ones((60, 60))}
    view.show_choice([3, 0], {0.0: 0.42, 1.0: 0.9}, grids)
    assert list(view.picked[0.0].get_data()[0]) == [2]
    np.testing.assert_array_equal(view.maps[1.0].image.get_array(), grids[1.0])
    title = axes[1, 0].get_title()
    assert "blocks deleted: 1, 4" in title and "42.0%" in title
    view.show_choice([], {0.0: 1.0, 1.0: 1.0}, grids)
    assert "deleted: none" in axes[1, 1].get_title()
    assert _artists(fig) == before


def test_accuracy_change_never_prints_minus_zero():
    assert lesson.accuracy_change(0.998, 0.998) == "99.8 % → 99.8 % (no change)"
    assert lesson.accuracy_change(0.998, 0.9984) == "99.8 % → 99.8 % (no change)"
    assert lesson.accuracy_change(0.998, 0.647) == "99.8 % → 64.7 % (−35.1 points)"
    assert lesson.accuracy_change(0.5, 0.62) == "50.0 % → 62.0 % (+12.0 points)"


@pytest.mark.parametrize("plain, residual, answer", [
    (0.99, 0.99, 0), (0.6, 0.99, 1), (0.6, 0.6, 2), (0.9, 0.99, 3), (0.6, 0.9, 3)])
def test_one_block_outcome_reads_the_numbers(plain, residual, answer):
    assert lesson.one_block_outcome({0.0: plain, 1.0: residual}) == lesson.ONE_BLOCK[answer]


@pytest.mark.parametrize("means, answer", [
    ([1, 1, 1, 0.995, 0.99, 0.7, 0.6, 0.55, 0.5], 0),     # a cliff after half
    ([0.998, 0.992, 0.971, 0.941, 0.902, 0.87, 0.85, 0.85, 0.86], 1),   # seed 0, measured
    ([1, 0.8, 0.65, 0.55, 0.5, 0.5, 0.5, 0.5, 0.5], 2),    # to chance
    ([1, 0.99, 0.9, 0.85, 0.8, 0.8, 0.8, 0.8, 0.8], 3),    # one big step: none of those
])
def test_many_blocks_outcome_reads_the_curve(means, answer):
    assert lesson.many_blocks_outcome(_curve(means)) == lesson.MANY_BLOCKS[answer]


def test_predictions_run_and_explain_with_the_numbers():
    mean_after, intact = {0.0: 0.647, 1.0: 0.992}, {0.0: 0.998, 1.0: 0.998}
    p = Prediction("q", lesson.ONE_BLOCK, run=lambda: lesson.one_block_outcome(mean_after),
                   explain=lambda c, o: lesson.explain_one_block(c, o, mean_after, intact))
    assert p.choose(lesson.ONE_BLOCK[0]) == lesson.ONE_BLOCK[1]
    assert "not this time" in p.result.value and "64.7 %" in p.result.value
    curve = _curve([0.998, 0.992, 0.971, 0.941, 0.902, 0.87, 0.85, 0.85, 0.86])
    text = lesson.explain_many_blocks(lesson.MANY_BLOCKS[0], lesson.MANY_BLOCKS[1], curve)
    assert "99.2 %, 97.1 %, 94.1 %, 90.2 %" in text and "no cliff" in text


def test_denoise_view_shows_images_scores_and_losses():
    keys = ["noisy", "target", "out_mean", "out_True", "out_False", "loss", "err_mean",
            "err_True", "err_False"]
    fig, axs = plt.subplots(2, 5)
    axes = dict(zip(keys, axs.ravel(), strict=False))
    view = DenoiseView(axes, size=8)
    before = _artists(fig)
    target = np.zeros((8, 8))
    outs = {True: np.full((8, 8), 0.1), False: np.full((8, 8), 1.7), "mean": np.full((8, 8), 0.2)}
    view.update(np.full((8, 8), -0.5), target, outs, {True: 20.0, False: 12.5, "mean": 12.9},
                {True: [1.0, 0.5, 0.2], False: [1.0, 0.8]}, noise=0.3, input_score=9.0)
    # shown clipped to the [0, 1] a pixel can hold
    assert view.images["noisy"].get_array().min() == 0
    assert view.images["out_False"].get_array().max() == 1
    np.testing.assert_allclose(view.images["err_True"].get_array(), 0.1)
    np.testing.assert_allclose(view.images["err_mean"].get_array(), 0.2)
    assert "20.0 dB" in axes["out_True"].get_title() and "12.5 dB" in axes["out_False"].get_title()
    title = axes["out_mean"].get_title()
    assert "mean filter" in title and "12.9 dB" in title
    assert "σ = 0.3" in axes["noisy"].get_title()
    assert len(view.loss[True].get_data()[0]) == 3 and axes["loss"].get_xlim()[1] >= 3
    assert _artists(fig) == before


def test_explanations_answer_the_learners_wrong_choice():
    mean_after, intact = {0.0: 0.647, 1.0: 0.992}, {0.0: 0.998, 1.0: 0.998}
    outcome = lesson.one_block_outcome(mean_after)
    text = lesson.explain_one_block(lesson.ONE_BLOCK[2], outcome, mean_after, intact)
    assert "did not break" in text and "half of the 2^8 paths" in text
    text = lesson.explain_one_block(lesson.ONE_BLOCK[3], outcome, mean_after, intact)
    assert "did not meet in the middle" in text
    # a right answer gets no correction
    right = lesson.explain_one_block(outcome, outcome, mean_after, intact)
    assert "did not" not in right
    curve = _curve([0.998, 0.992, 0.971, 0.941, 0.902, 0.87, 0.85, 0.85, 0.86])
    text = lesson.explain_many_blocks(lesson.MANY_BLOCKS[2], lesson.MANY_BLOCKS[1], curve)
    assert "far from chance" in text and "94.1 %" in text and "gradually" in text


def test_explanations_follow_an_outcome_that_is_not_the_usual_one():
    # the residual net losing more than the plain one must not be explained as robustness
    mean_after, intact = {0.0: 0.96, 1.0: 0.9}, {0.0: 0.99, 1.0: 0.99}
    text = lesson.explain_one_block(lesson.ONE_BLOCK[0], lesson.one_block_outcome(mean_after),
                                    mean_after, intact)
    assert "still receives most" not in text and "at least as much" in text
    cliff = _curve([1, 1, 1, 0.995, 0.99, 0.7, 0.6, 0.55, 0.5])
    text = lesson.explain_many_blocks(lesson.MANY_BLOCKS[1], lesson.many_blocks_outcome(cliff),
                                      cliff)
    assert "gradually" not in text and "does not fall smoothly" in text
