import matplotlib.pyplot as plt
import numpy as np
import pytest

from skipviz.core.digits import load_digits, train_digits
from skipviz.lessons.real_images import (
    HIGHER,
    LOWER,
    SAME,
    DepthPrediction,
    DigitsLesson,
    DigitsView,
    digit_gallery,
)


@pytest.fixture(scope="module")
def digits():
    return load_digits(seed=0)


def test_the_prediction_reads_its_outcome_off_the_runs_it_trained(digits, widget_canvas):
    guess = DepthPrediction(digits, depths=(1, 2), deep=2, epochs=1)
    assert guess.prediction.button.disabled  # no answer yet, no run
    outcome = guess.prediction.choose(SAME)
    plain = {r.config["blocks"]: r.test_accuracy for r in guess.runs if not r.config["skip"]}
    change = plain[2] - plain[1]
    assert outcome == (HIGHER if change > 0.05 else LOWER if change < -0.05 else SAME)
    assert len(guess.runs) == 4 and guess.bar.value == guess.bar.max
    text = guess.prediction.result.value
    assert f"{plain[2]:.1%}" in text and f"{guess.accuracy(True)[2]:.1%}" in text


def test_the_prediction_refuses_depths_without_the_ones_it_compares(digits):
    with pytest.raises(ValueError, match="depths must hold 1 and deep=8"):
        DepthPrediction(digits, depths=(2, 8))
    with pytest.raises(ValueError, match="data must be a Digits"):
        DepthPrediction(None)


def test_the_lesson_trains_once_per_setting_and_draws_that_run(digits, widget_canvas):
    lesson = DigitsLesson(digits, blocks=2, skip=False, epochs=1)
    assert lesson.show() is None and "press train" in lesson.status.value
    run = lesson.train()
    assert lesson.train() is run  # the same settings come from the cache
    assert not lesson.button.disabled and lesson.bar.value == lesson.bar.max
    assert f"{run.test_accuracy:.1%}" in lesson.summary.value
    line = lesson.view.grads.lines[0]
    np.testing.assert_allclose(line.get_ydata(), run.grad_norms[0])
    wrong = np.flatnonzero(run.predictions != digits.y_test.numpy())
    first = lesson.view.digits[0].get_title()
    assert first == f"{int(digits.y_test[wrong[0]])} → {int(run.predictions[wrong[0]])}"
    # the other variant at the same settings joins the figure once it is trained
    lesson.skip.value = True
    resnet = lesson.train()
    assert resnet.config["skip"] and len(lesson.runs) == 2
    shown = [ln for ln in lesson.view.grads.lines if len(ln.get_ydata())]
    assert len(shown) == 2


def test_runs_handed_in_are_shown_without_training(digits, widget_canvas):
    run = train_digits(digits, 1, True, epochs=1, seed=3)
    lesson = DigitsLesson(digits, [run], blocks=1, skip=True, epochs=1, seed=3)
    assert lesson.show() is run
    assert lesson.view.here.get_ydata()[0] == run.test_accuracy


def test_the_lesson_refuses_bad_settings(digits):
    with pytest.raises(ValueError, match=r"epochs must be one of \(1, 2, 4, 8\)"):
        DigitsLesson(digits, epochs=3)
    with pytest.raises(ValueError, match="data must be a Digits"):
        DigitsLesson([1, 2, 3])


def test_the_view_blanks_the_unused_mistake_slots(digits):
    run = train_digits(digits, 1, True, epochs=2, seed=0)
    fig, axd = plt.subplot_mosaic([["grads", "loss", "depth"] + [f"mistake{i}" for i in range(8)]])
    view = DigitsView(axd)
    run.predictions = digits.y_test.numpy().copy()
    run.predictions[[5, 9]] = (run.predictions[[5, 9]] + 1) % 10  # exactly two mistakes
    view.update(run, None, {False: {}, True: {1: run.test_accuracy}}, digits)
    titles = [ax.get_title() for ax in view.digits]
    assert titles[0].startswith(str(int(digits.y_test[5]))) and titles[2:] == [""] * 6
    plt.close(fig)


def test_the_gallery_shows_one_digit_of_each_class(digits):
    fig = digit_gallery(digits)
    assert [ax.get_title() for ax in fig.axes] == [str(c) for c in range(10)]
    plt.close(fig)
