"""lesson 03's words and widgets, computed from real runs (never canned)."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import skipviz as sv  # noqa: E402
from skipviz.lessons import vanishing as v3  # noqa: E402
from skipviz.lessons.vanishing import DepthSweepView, SweepPanel  # noqa: E402


def fake(rows, moved, alpha=0.0):
    g = np.array(rows, dtype=float)
    return sv.TrainResult(losses=np.full(len(g), 0.5), grad_norms=g, weight_grad_norms=g,
                          accuracy=0.5, config={"alpha": alpha, "optimizer": "sgd"},
                          weight_moved=np.array(moved, dtype=float))


def test_exact_zeros_are_named_for_the_log_plot():
    r = fake([[0.0, 0.0, 1e-3, 1.0]], [[0.0, 1e-9, 1e-3, 1e-2]])
    assert v3.zero_note(r, 0) == ("plain (no skip): layers 1–2 exactly 0, "
                                  "which a log axis cannot draw")
    assert "layer 1 exactly 0" in v3.zero_note(r, 0, "weight_moved")
    assert v3.zero_note(fake([[1.0, 1.0]], [[1.0, 1.0]]), 0) is None


def test_move_outcome_reads_the_distances():
    assert v3.move_outcome(fake([[1, 1]], [[1e-8, 1e-2]])) == v3.MOVE_OPTIONS[0]
    assert v3.move_outcome(fake([[1, 1]], [[0.6, 0.5]])) == v3.MOVE_OPTIONS[1]
    assert v3.move_outcome(fake([[1, 1]], [[0.6, 0.01]])) == v3.MOVE_OPTIONS[2]
    assert "block 1's weights moved 1e-08" in v3.moved_sentence(fake([[1, 1]], [[1e-8, 1e-2]]))


def test_sgd_freezes_what_adam_moves_in_the_lesson_s_run(spirals):
    """the lesson's first two predictions, from compare(), at 30 steps."""
    X, y = spirals
    sgd = sv.compare(X, y, depth=30, skips=(0.0,), steps=30, optimizer="sgd")[0]
    adam = sv.compare(X, y, depth=30, skips=(0.0,), steps=30, optimizer="adam")[0]
    assert v3.move_outcome(sgd) == v3.MOVE_OPTIONS[0]
    assert v3.move_outcome(adam) == v3.MOVE_OPTIONS[1]
    orders, word = v3.gradient_verdict(sgd)
    assert orders < -3 and word == "vanishing"
    outcome = v3.move_outcome(sgd)
    assert "frozen" in v3.explain_sgd([sgd])(outcome, outcome)
    assert "adam divides" in v3.explain_adam([adam])(outcome, v3.move_outcome(adam))


def test_sweep_panel_disables_its_button_while_running_and_counts(spirals):
    X, y = spirals
    fig = matplotlib.figure.Figure()
    seen = []
    panel = SweepPanel(X, y, DepthSweepView(fig.add_subplot()), lambda: None, depths="1, 2",
                       seeds=(0,), steps=3, width=4)
    original = panel._tick

    def tick(done, total):
        seen.append((done, total, panel.button.disabled))
        original(done, total)

    panel._tick = tick
    sweep = panel.run("1, 2")
    assert seen == [(1, 2, True), (2, 2, True)] and not panel.button.disabled
    assert panel.progress.value == 2 and sweep["final_loss"].shape == (2, 2, 1)
    assert panel.run("1, x") is None and "depths" in panel.status.value
    assert not panel.button.disabled


def test_reference_menu_names_every_init():
    labels = [label for label, _ in v3.reference_options()]
    assert any("pytorch default" in label for label in labels)
    assert dict(v3.reference_options())[labels[1]] == pytest.approx(3 ** 0.5)
