"""the dashboard's live frames: which panels each frame sends, and where the frames end."""

import numpy as np
import pytest
from ipywidgets import Widget

import skipviz as sv
from skipviz.app.cache import Snapshot
from skipviz.app.figures import HEAT_TURN, NET_TURN, DashboardFigures
from skipviz.viz.live import LIVE_TOL_COLOR, widget_tree

STEPS = 24


@pytest.fixture(scope="module")
def frames():
    """(snapshots after each step, X, y) of a real two-variant run, recording update sizes."""
    X, y = sv.make_dataset("spirals", n=120, seed=0)
    seen = []

    def callback(results):
        seen.append([Snapshot.of(r, STEPS) for r in results])

    sv.compare(X, y, depth=6, width=8, steps=STEPS, seed=0, callback=callback,
               callback_every=1)
    return seen, X, y


def sent_by_panel(figures, monkeypatch):
    """a list that collects the panel name of every message the figures' widgets send."""
    owner = {}
    for name, fig in figures.panels.items():
        for w in widget_tree(fig):
            owner.setdefault(w.model_id, name)
    log = []
    original = Widget._send

    def spy(self, msg, buffers=None):
        if self.model_id in owner:
            log.append(owner[self.model_id])
        return original(self, msg, buffers)

    monkeypatch.setattr(Widget, "_send", spy)
    return log


def marks_state(figures) -> dict:
    """every mark's drawn arrays, by panel: what the page would show."""
    out = {}
    for name, fig in figures.panels.items():
        for i, mark in enumerate(fig.marks):
            for trait in ("x", "y", "color", "visible"):
                if mark.has_trait(trait):
                    out[(name, i, trait)] = np.asarray(getattr(mark, trait), dtype=object) \
                        if trait == "visible" else np.asarray(getattr(mark, trait))
    return out


def test_live_frames_take_turns_and_no_panel_misses_a_step(frames, monkeypatch):
    seen, X, y = frames
    figures = DashboardFigures(X, y, updates=True)
    log = sent_by_panel(figures, monkeypatch)
    turns, per_frame, counts = [], [], []
    for step, snaps in enumerate(seen[:-1]):
        log.clear()
        turns.append(figures.show(snaps, STEPS, run="r", live=True))
        per_frame.append(set(log))
        counts.append(len(log))
        heat = figures.heat[0]
        if turns[-1] != NET_TURN:
            # the heatmap frames carry every row up to this step, the ones skipped included
            assert heat.sent == step + 1, (step, heat.sent)
        if turns[-1] != HEAT_TURN:  # the net's frames colour it by the latest step (within a skip)
            for slot, snap in enumerate(snaps):
                np.testing.assert_allclose(figures.diagram.main[slot].color,
                                           np.log10(snap.grad_norms[-1]), atol=LIVE_TOL_COLOR)
    # the first frame draws every panel, then they take turns
    assert turns == [None] + [NET_TURN if k % 2 else HEAT_TURN for k in range(1, len(seen) - 1)]
    assert {"loss", "profile", "heat_plain", "heat_skip", "diagram", "updates"} <= per_frame[0]
    heat_frames = [p for t, p in zip(turns, per_frame, strict=True) if t == HEAT_TURN]
    net_frames = [p for t, p in zip(turns, per_frame, strict=True) if t == NET_TURN]
    assert all("heat_plain" in p and "heat_skip" in p and "diagram" not in p
               and "updates" not in p for p in heat_frames)
    assert all("heat_plain" not in p and "heat_skip" not in p for p in net_frames)
    assert sum("updates" in p for p in net_frames) >= len(net_frames) - 1
    assert all("loss" in p and "profile" in p for p in per_frame)  # every frame moves these
    by_turn = {t: np.mean([c for u, c in zip(turns, counts, strict=True) if u == t])
               for t in (NET_TURN, HEAT_TURN)}
    print(f"messages per live frame: first {counts[0]}, then {np.mean(counts[1:]):.1f} "
          f"(heat turns {by_turn[HEAT_TURN]:.1f}, net turns {by_turn[NET_TURN]:.1f})")


def test_a_run_followed_frame_by_frame_ends_drawn_as_its_final_frame_alone(frames):
    # the turns must not leave a panel behind: the finished frame after 23 live ones draws
    # the same arrays as one finished frame drawn on fresh figures
    seen, X, y = frames
    followed = DashboardFigures(X, y, updates=True)
    for snaps in seen[:-1]:
        followed.show(snaps, STEPS, run="r", live=True)
    final = seen[-1]
    followed.show(final, STEPS, run="r", live=False)
    direct = DashboardFigures(X, y, updates=True)
    direct.show(final, STEPS, run="r", live=False)
    a, b = marks_state(followed), marks_state(direct)
    assert a.keys() == b.keys()
    differ = [k for k in a if a[k].shape != b[k].shape or not np.array_equal(
        a[k], b[k], equal_nan=a[k].dtype.kind == "f")]
    assert not differ, differ
    assert followed.heat[0].sent == STEPS
    followed.close()
    direct.close()
