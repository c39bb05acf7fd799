"""lesson 08's helpers: the four branches at step 0, trained with sgd, and the predictions."""

import math

import numpy as np
import pytest
import torch

import skipviz as sv
from skipviz.lessons import branch_scaling as L
from skipviz.measure.reference import bare_run

X, y = sv.make_dataset("spirals", n=64, seed=0)


def test_init_references():
    assert L.init_scale_of("PyTorch default", "relu") == 1.0
    assert L.init_scale_of("critical", "relu") == pytest.approx(math.sqrt(6))
    assert L.init_scale_of("critical", "tanh") == pytest.approx(math.sqrt(3))
    with pytest.raises(ValueError, match="init must be one of"):
        L.init_scale_of("xavier", "relu")


def test_branch_signals_are_the_bare_loops():
    signals = L.branch_signals(X, y, depth=12, activation="relu", seed=3)
    assert list(signals) == list(sv.core.BRANCHES)
    for branch, s in signals.items():
        b = bare_run(X, y, depth=12, activation="relu", branch=branch, seed=3)
        np.testing.assert_allclose(s.variance, b.variance, rtol=1e-5)
        assert s.gradient_ratio == pytest.approx(b.gradient_ratio, rel=1e-5)
    assert signals["standard"].growth > signals["scaled"].growth > 1.0
    assert "ReZero" in L.signals_html(signals)


def test_live_lesson_follows_its_controls(widget_canvas):
    lesson = L.BranchLesson(X, y, depth=10)
    guess = L.growth_prediction(lesson)
    outcome = guess.choose(L.UNDER_10)
    assert lesson.depth.value == 50 and outcome == L.OVER_1E4  # the question's own setting
    lesson.init.value = "critical"
    assert "2.45" in lesson.table.value
    assert lesson.signals["standard"].growth > 1e15
    lesson.depth.value = 5
    assert len(lesson.signals["rezero"].variance) == 6


def test_sgd_prediction_and_view(widget_canvas):
    results = {}
    guess = L.sgd_prediction(results, lambda: L.train_branches(X, y, depth=50, steps=4))
    assert guess.choose(L.DIVERGES) == L.DIVERGES
    assert results["standard"].diverged and not results["scaled"].diverged
    view = L.BranchTrainView("sgd")
    view.update(results)
    assert "diverged at step" in view.lines["standard"].get_label()


def test_branch_growth_terms_are_the_standard_nets():
    X, _ = sv.make_dataset("spirals", n=256, seed=0)
    terms = L.branch_growth_terms(X, depth=20, activation="relu", seed=2)
    torch.manual_seed(2)
    direct = sv.measure.growth_terms(sv.make_mlp(20, activation="relu"), X)
    assert np.array_equal(terms.branch, direct.branch)
    assert np.array_equal(terms.covariance, direct.covariance)
