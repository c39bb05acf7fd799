"""the live figures send only what changed: equal arrays are not resent, log axes and the
heat colours move only when the data leave them, and a training frame leaves out what would
not visibly change (the page fell behind the engine on exactly these messages)."""

import bqplot as bq
import numpy as np
import pytest

from skipviz.core.data import make_dataset
from skipviz.viz.live import (
    HOVER_POINTS,
    MAP_POINTS,
    DecisionMap,
    GradientProfile,
    LossCurves,
    NetworkDiagram,
    assign,
    fit_heat_colors,
    heat_colors,
    hover_steps,
    near,
    steady_log_range,
)


def sent_by(widget, monkeypatch) -> list:
    sent = []
    monkeypatch.setattr(widget, "_send", lambda msg, buffers=None: sent.append(
        sorted(msg.get("state", {}))))
    return sent


def test_assign_sends_only_the_traits_that_differ(monkeypatch):
    line = bq.Lines(x=np.arange(3.0), y=np.array([1.0, np.nan, 3.0]), colors=["red"])
    sent = sent_by(line, monkeypatch)
    assert assign(line, x=np.arange(3.0), y=np.array([1.0, np.nan, 3.0]), colors=["red"]) == []
    assert sent == []  # traitlets alone would have resent both arrays
    assert assign(line, y=np.array([1.0, 2.0, 3.0]), colors=["red"]) == ["y"]
    assert sent == [["y"]]
    assert assign(line, x=np.arange(4.0), y=np.arange(4.0)) == ["x", "y"]
    assert sent[-1] == ["x", "y"]  # one message for both
    np.testing.assert_array_equal(line.x, np.arange(4.0))


def test_a_log_domain_holds_until_the_data_leave_it():
    span = steady_log_range(None, np.array([0.3, 0.7]))
    lo, hi = span
    assert lo <= 0.3 and hi >= 0.7
    # half decades: 10 ** (k / 2)
    assert np.log10(lo) * 2 == pytest.approx(round(np.log10(lo) * 2))
    assert np.log10(hi) * 2 == pytest.approx(round(np.log10(hi) * 2))
    # a loss falling a little each frame keeps the domain
    assert steady_log_range(span, np.array([0.25, 0.7])) == span
    # out of it: the domain moves, and holds the new values
    lo2, hi2 = steady_log_range(span, np.array([0.01, 0.7]))
    assert lo2 <= 0.01 < lo and hi2 >= 0.7
    # far too wide for the data (2 decades to spare): it closes in
    lo3, hi3 = steady_log_range((1e-9, 1e3), np.array([0.5, 0.6]))
    assert lo3 > 1e-3 and hi3 < 10
    assert steady_log_range(span, np.array([np.nan, 0.0, -1.0])) is None


def test_heat_colours_move_in_whole_decades_only_when_they_must():
    scale = heat_colors()
    g = np.array([[1e-3, 1e-1], [1e-2, 0.5]])
    fit_heat_colors(scale, g)
    first = (scale.min, scale.max)
    assert first[0] == np.floor(first[0]) and first[1] == np.ceil(first[1])
    assert first[0] <= np.log10(np.percentile(g, 1)) and first[1] >= np.log10(0.5)
    fit_heat_colors(scale, g * 1.5)  # a little larger: still inside, nothing sent
    assert (scale.min, scale.max) == first
    fit_heat_colors(scale, g * 1e4)  # far out: the colours move
    assert scale.max >= np.log10(0.5e4)


def test_near_reads_gaps_and_decades():
    a = np.array([1.0, np.nan, 100.0])
    assert near(a, a * 1.01, 0.01, log=True)  # 0.0043 decades
    assert not near(a, a * 1.1, 0.01, log=True)  # 0.041 decades
    assert not near(a, np.array([1.0, 5.0, 100.0]), 1.0, log=True)  # a gap filled in
    assert not near(a, a[:2], 1.0)  # another shape
    assert near(np.array([-300.0, 1.0]), np.array([-300.0, 1.04]), 0.05)


def test_a_live_profile_skips_invisible_moves_and_its_hover_dots(monkeypatch):
    p = GradientProfile(slots=1)
    step0, row = np.array([1.0, 0.1, 0.01]), np.array([0.5, 0.05, 0.005])
    p.show(0, 1.0, step0, row)
    assert p.shown_dots[0].visible and len(p.shown_dots[0].x) == 3
    shown = sent_by(p.shown[0], monkeypatch)
    dots = sent_by(p.shown_dots[0], monkeypatch)
    p.show(0, 1.0, step0, row * 1.001, live=True)  # 0.0004 decades: not worth a message
    assert shown == [] and dots == [["visible"]]  # the hover dots wait for the end
    p.show(0, 1.0, step0, row * 2, live=True)
    assert shown == [["y"]]
    np.testing.assert_allclose(p.shown[0].y, row * 2)
    p.show(0, 1.0, step0, row * 2.001)  # not live (paused, done, scrubbed): exact, with dots
    np.testing.assert_allclose(p.shown[0].y, row * 2.001)
    assert p.shown_dots[0].visible
    np.testing.assert_allclose(p.shown_dots[0].y, row * 2.001)


def test_live_loss_lines_grow_and_the_hover_targets_catch_up_at_the_end():
    loss = LossCurves(slots=1)
    loss.reset(steps=40, alphas=(1.0,))
    losses = np.linspace(0.7, 0.1, 40)
    for n in (1, 9, 23):
        loss.extend(0, losses[:n], live=True)
    lines = [m for m in loss.lines[0] if m.visible]
    assert sum(len(m.x) for m in lines) >= 23  # bands overlap by one point
    assert not loss.hover[0].visible
    loss.extend(0, losses, live=False)
    hover = loss.hover[0]
    assert hover.visible
    np.testing.assert_array_equal(hover.x, np.arange(40.0))
    np.testing.assert_allclose(hover.y, losses)


def test_a_long_run_gets_evenly_spaced_hover_targets_each_with_its_exact_loss():
    # 2000 steps of targets were 4000 svg nodes in one panel: at most HOVER_POINTS now
    steps = 2000
    loss = LossCurves(slots=2)
    loss.reset(steps=steps, alphas=(0.0, 1.0))
    rng = np.random.default_rng(3)
    for slot in range(2):
        losses = np.exp(-np.linspace(0, 4, steps)) + rng.uniform(0, 1e-3, steps)
        loss.extend(slot, losses, live=False)
        hover = loss.hover[slot]
        x = np.asarray(hover.x)
        assert len(x) == HOVER_POINTS and x[0] == 0 and x[-1] == steps - 1
        gaps = np.diff(x)
        assert gaps.min() >= 1 and gaps.max() - gaps.min() <= 1  # evenly spaced steps
        # each target's value is that step's loss, not an average of its neighbours
        np.testing.assert_array_equal(hover.y, losses[x.astype(int)])
        print(f"slot {slot}: {len(x)} targets, every {gaps.min()}-{gaps.max()} steps")


def test_hover_steps_keeps_every_step_of_a_short_run_and_both_ends_of_a_long_one():
    np.testing.assert_array_equal(hover_steps(1), [0])
    np.testing.assert_array_equal(hover_steps(HOVER_POINTS), np.arange(HOVER_POINTS))
    for n in (HOVER_POINTS + 1, 200, 1999):
        s = hover_steps(n)
        assert len(s) == HOVER_POINTS and s[0] == 0 and s[-1] == n - 1
        assert len(np.unique(s)) == len(s)


def test_a_live_diagram_skips_colours_that_did_not_visibly_change(monkeypatch):
    d = NetworkDiagram(heat_colors(), slots=1)
    g = np.array([1.0, 0.1, 0.01, 0.001])
    d.show(0, 1.0, g, "residual")
    sent = sent_by(d.main[0], monkeypatch)
    d.show(0, 1.0, g * 1.02, "residual", live=True)  # 0.009 log10 units
    assert sent == []
    d.show(0, 1.0, g * 3, "residual", live=True)
    assert sent == [["color"]]
    np.testing.assert_allclose(d.main[0].color, np.log10(g * 3))
    d.show(0, 0.5, g * 3, "α=0.5", live=True)  # another variant in the slot: drawn anew
    assert list(d.names.text) == ["α=0.5"]


def test_a_map_draws_an_even_subsample_of_a_large_dataset_and_a_click_still_adds_a_point():
    X, y = (np.asarray(a) for a in make_dataset("spirals", n=400, seed=0))
    m = DecisionMap(X, y, n=10)
    shown = np.asarray(m.points.x)
    assert len(shown) == MAP_POINTS < len(X)
    # the drawn points are data points, evenly spaced through the set, both ends kept
    picked = [int(np.flatnonzero(X[:, 0] == v)[0]) for v in shown]
    assert picked[0] == 0 and picked[-1] == len(X) - 1 and np.all(np.diff(picked) > 0)
    np.testing.assert_array_equal(m.points.y, X[picked, 1])
    np.testing.assert_array_equal(m.points.color, y[picked])
    share = float(np.mean(m.points.color))
    assert abs(share - y.mean()) < 0.1, share  # both classes, in about their proportions
    # the plane still spans every point, drawn or not
    assert m.x.min <= X[:, 0].min() and m.x.max >= X[:, 0].max()
    assert m.y.min <= X[:, 1].min() and m.y.max >= X[:, 1].max()
    # bqplot's 'add' interaction grows the drawn arrays by the click: that point comes back
    clicks = []
    m.on_click(lambda a, b: clicks.append((a, b)))
    m.points.x, m.points.y = np.append(shown, 0.25), np.append(m.points.y, -0.5)
    assert clicks == [(0.25, -0.5)]
    # a small set (a drawn one holds at most 120 points) is drawn whole
    small = DecisionMap(X[:40], y[:40], n=10)
    np.testing.assert_array_equal(small.points.x, X[:40, 0])
    print(f"{len(shown)} of {len(X)} points drawn, class-1 share {share:.2f} "
          f"(data {y.mean():.2f})")


def test_a_loss_or_gradient_of_exactly_zero_gets_no_point_on_a_log_axis():
    # a residual net's cross-entropy can underflow to exactly 0 in float32 (a ci run's
    # storm ended on one): a scatter point there has a NaN position, which the browser logs
    # as an error. the line keeps the step as a gap; the hover targets and dots leave it out
    loss = LossCurves(slots=1)
    loss.reset(steps=10, alphas=(1.0,))
    losses = np.array([0.7, 0.3, 0.1, 0.0, 0.0, 0.02, -0.0, 0.01, np.nan, 0.005])
    loss.extend(0, losses, live=False)
    hover = loss.hover[0]
    np.testing.assert_array_equal(hover.x, [0, 1, 2, 5, 7, 9])
    np.testing.assert_array_equal(hover.y, losses[[0, 1, 2, 5, 7, 9]])
    drawn = np.concatenate([m.y for m in loss.lines[0] if m.visible])
    assert np.isnan(drawn).any()  # the curve has its gaps
    p = GradientProfile(slots=1)
    step0 = np.array([1.0, 0.0, 0.01, np.inf])
    p.show(0, 0.0, step0, step0 / 2)
    for dots in (p.dots[0], p.shown_dots[0]):
        np.testing.assert_array_equal(dots.x, [1.0, 3.0])
        assert np.isfinite(dots.y).all()
    assert len(p.start[0].x) == 4  # the line keeps every layer, gaps included
