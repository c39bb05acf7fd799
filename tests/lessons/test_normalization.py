"""lesson 07's helpers: the step-0 table, the live experiment and its two predictions."""

import pytest
import torch

import skipviz as sv
from skipviz.lessons import normalization as L
from skipviz.measure.reference import bare_run

X, y = sv.make_dataset("spirals", n=64, seed=0)


def test_step0_rows_are_the_bare_loops_ratios():
    rows = L.step0_rows(X, y, depth=8, activation="tanh", seed=2)
    assert [(r["norm"], r["alpha"]) for r in rows] == [
        (n, a) for n in ("none", "batch", "layer") for a in (0.0, 1.0)]
    for r in rows:
        b = bare_run(X, y, depth=8, alpha=r["alpha"], norm=r["norm"], seed=2)
        assert r["ratio"] == pytest.approx(b.gradient_ratio, rel=1e-5)
        assert r["growth"] == pytest.approx(b.growth, rel=1e-5)
    table = L.rows_html(rows)
    assert all(name in table for name in L.NORM_LABELS.values())


def test_learnt_nothing_is_ln2():
    assert L.learnt_nothing(L.LN2) and L.learnt_nothing(0.7) and not L.learnt_nothing(0.5)


def test_lesson_trains_caches_and_reads_its_numbers(widget_canvas):
    lesson = L.NormLesson(X, y, depth=6, steps=5)
    plain, res = lesson.train()
    assert plain.config["norm"] == "layer" and res.alpha == 1.0
    assert lesson.progress.value == lesson.progress.max and not lesson.button.disabled
    assert lesson.train()[0] is plain  # the same setting is not trained twice
    assert f"{plain.final_loss:.3f}" in lesson.readout.value
    torch.manual_seed(0)
    again = sv.train(sv.make_mlp(6, skip=0.0, norm="layer"), X, y, steps=5)
    assert plain.final_loss == pytest.approx(again.final_loss)


def test_predictions_answer_from_the_numbers(widget_canvas):
    lesson = L.NormLesson(X, y, depth=50, steps=3)
    guess = L.trainability_prediction(lesson)
    outcome = guess.choose(L.HEALTHY_LEARNS)
    plain, _ = lesson.runs[("layer", "tanh", 50, 3, 0)]
    # three steps cannot teach it anything: healthy (ratio ~14) and still at ln 2
    assert outcome == L.HEALTHY_NOTHING and L.learnt_nothing(plain.final_loss)
    assert "not this time" in guess.result.value
    boom = L.explosion_prediction(lesson, relu_ratio=9.2e4)
    assert boom.choose(L.EXPLODED) == L.EXPLODED
    assert "you were right" in boom.result.value and "9.2e+04" in boom.result.value


def test_a_bad_depth_is_a_message_not_a_traceback(widget_canvas):
    lesson = L.NormLesson(X, y, depth=6, steps=2)
    lesson.depth.max = 10**4
    lesson.depth.value = 10**4
    lesson.safe_train()
    assert "depth must be in" in lesson.status.value
    lesson.depth.value = 3
    lesson.safe_train()
    assert lesson.status.value == ""
