"""the dashboard's live figures (drawn by the browser): built once, then fed frame by frame.

a frame sends only what changed: the loss and heatmap histories go out band by band (new
steps only), the profiles and maps as a few hundred numbers. `show` follows a run live;
`show_step` scrubs every panel back to one step of a run that has been shown.
"""

from __future__ import annotations

import threading

import ipywidgets as W
import numpy as np

from ..viz.live import (
    DecisionMap,
    GradientHeatmap,
    GradientProfile,
    LossCurves,
    NetworkDiagram,
    UpdateSizes,
    fit_heat_colors,
    heat_colors,
    log_range,
    widget_tree,
)
from ..viz.palette import variant_color
from .settings import GRID
from .words import tr, variant_name

SLOTS = 2  # slot 0 shows the plain net (or the single run), slot 1 the skip variant
# the two kinds of live frame after a run's first (see DashboardFigures.show)
NET_TURN, HEAT_TURN = 0, 1  # the net and the update sizes; the heatmaps (and the step count)


class DashboardFigures:
    """profile, update sizes and loss (top); heatmaps and decision maps (bottom); the net.

    the worker thread calls `show` (never waiting on the browser: setting a mark's arrays
    queues one message); the main thread calls `show_step` when the scrubber moves. one
    lock keeps the two from interleaving half a frame.
    """

    def __init__(self, X, y, updates: bool = False):
        self.lock = threading.RLock()
        self.lang = "en"
        self.profile = GradientProfile(SLOTS, width=330, height=260)
        # a panel only once the engine records update sizes
        self.updates = UpdateSizes(SLOTS, width=330, height=260) if updates else None
        self.loss = LossCurves(SLOTS, width=330, height=260)
        self.colors = heat_colors()
        self.heat = [GradientHeatmap(self.colors, width=245, height=250) for _ in range(SLOTS)]
        self.maps = [DecisionMap(X, y, n=GRID, width=245, height=250) for _ in range(SLOTS)]
        self.diagram = NetworkDiagram(self.colors, SLOTS, width=380, height=430)
        self.panels = {"profile": self.profile.figure, "loss": self.loss.figure,
                       "heat_plain": self.heat[0].figure,
                       "heat_skip": self.heat[1].figure, "map_plain": self.maps[0].figure,
                       "map_skip": self.maps[1].figure, "diagram": self.diagram.figure}
        for name, fig in self.panels.items():
            fig.add_class("sv-fig-" + name.replace("_", "-"))
        for m in self.maps:
            m.figure.add_class("sv-map")  # clicks pass through the map to the plane
        if updates:
            self.panels["updates"] = self.updates.figure
        self.top = W.HBox([self.profile.figure, *([self.updates.figure] if updates else []),
                           self.loss.figure])
        self.bottom = W.HBox([self.heat[0].figure, self.heat[1].figure, self.maps[0].figure,
                              self.maps[1].figure])
        self._data = (X, y)
        self._run = None  # what the figures hold: (settings' training key, alphas)
        self._snaps: list = []
        self.focus = None
        self.shown_step: int | None = None
        self.has_updates = updates
        self._frames = 0  # live frames shown of the current run
        self._titled = None  # (language, alphas) the titles were last written for

    # titles

    def _titles(self, snaps):
        t = self._t
        self.profile.figure.title = t("fig_profile")
        self.profile.x_axis.label, self.profile.y_axis.label = t("fig_layer"), "‖dL/dx_l‖"
        if self.updates is not None:
            self.updates.figure.title = t("fig_updates")
            self.updates.profile.x_axis.label = t("fig_layer")
            self.updates.profile.y_axis.label = "‖W_l − W_l(0)‖ / ‖W_l(0)‖"
        self.loss.figure.title = t("fig_loss")
        self.loss.x_axis.label, self.loss.y_axis.label = t("fig_step"), t("fig_xent")
        self.diagram.figure.title = t("fig_diagram")
        for slot in range(SLOTS):
            s = snaps[slot] if slot < len(snaps) else None
            for fig, key in ((self.heat[slot].figure, "fig_heat"),
                             (self.maps[slot].figure, "fig_boundary")):
                fig.layout.visibility = "hidden" if s is None else "visible"
                if s is not None:
                    fig.title = t(key, variant=variant_name(self.lang, s.alpha))
                    fig.title_style = {"font-size": "12px", "fill": variant_color(s.alpha)}
            self.heat[slot].x_axis.label = t("fig_layer_short")
            self.heat[slot].y_axis.label = t("fig_step")

    def _t(self, key, **values) -> str:
        return tr(self.lang, key, **values)

    # frames

    def set_data(self, X, y):
        with self.lock:
            self._data = (X, y)
            for m in self.maps:
                m.set_data(X, y)

    def show(self, snaps: list, steps: int, lang: str = "en", data=None, focus=None,
             run=None, live: bool = False) -> int | None:
        """draw the latest frame of `snaps` (slot order) of a run of `steps` steps.

        `run` names the run (a new one clears the histories); the variant whose alpha is
        `focus` is drawn bold. the panels follow the latest step unless `show_step` pinned one.
        `live` (the run is training): a frame leaves out what would not visibly change and
        the hover targets, which a paused or finished run's frame fills in. returns the live
        frame's turn (HEAT_TURN or NET_TURN; None: every panel), so other views can take turns.
        """
        with self.lock:
            if data is not None and data[0] is not self._data[0]:
                self.set_data(*data)
            key = (run, tuple(s.alpha for s in snaps), steps)
            if key != self._run:
                self._reset(snaps, steps)
                self._run = key
            self.lang, self.focus, self._snaps = lang, focus, list(snaps)
            titled = (lang, tuple(s.alpha for s in snaps))
            if titled != self._titled:  # the words change with the language and the variants
                self._titles(snaps)
                self._titled = titled
            following = live and self.shown_step is None
            # every live frame moves the loss and the profiles; after the first, which draws
            # every panel, the heatmaps take turns with the net and the update sizes, a frame
            # each: a third fewer messages for the kernel's one core to send, and each panel
            # still moves four times a second
            self._frames = self._frames + 1 if following else 0
            turn = self._frames % 2 if self._frames > 1 else None
            for slot, s in enumerate(snaps):
                self.loss.extend(slot, s.losses, live=live)
                if turn != NET_TURN:
                    self.heat[slot].extend(s.grad_norms)
            self._styles(snaps)
            self._fit(snaps)
            self._step_views(snaps, self.shown_step, live=following, turn=turn)
            return turn

    def _reset(self, snaps, steps):
        self.shown_step = None
        alphas = [s.alpha for s in snaps]
        self.loss.reset(steps, alphas)
        depth = snaps[0].grad_norms.shape[1] if snaps and snaps[0].grad_norms.ndim == 2 else 1
        for slot in range(SLOTS):
            self.heat[slot].reset(steps, depth)
            if slot >= len(snaps):
                self.heat[slot].clear()

    def _styles(self, snaps):
        two = len(snaps) > 1 and self.focus is not None
        for slot in range(SLOTS):
            s = snaps[slot] if slot < len(snaps) else None
            self.loss.set_focus(slot, (s.alpha == self.focus) if (two and s) else None)
            if s is not None and s.diverged:
                finite = s.losses[np.isfinite(s.losses)]
                if len(finite):
                    self.loss.mark_end(slot, len(finite) - 1, finite[-1])
                    continue
            self.loss.mark_end(slot, None, None)
        notes = [f"{variant_name(self.lang, s.alpha)}: "
                 + self._t("state_diverged", step=s.diverged_at) for s in snaps if s.diverged]
        self.loss.note = "\n".join(notes)

    def _fit(self, snaps):
        self.loss.fit(*[s.losses for s in snaps])
        fit_heat_colors(self.colors, *[s.grad_norms for s in snaps])

    def show_step(self, step: int | None):
        """scrub every panel to `step` (None: follow the latest step)."""
        with self.lock:
            self.shown_step = step
            self._step_views(self._snaps, step)

    def _step_views(self, snaps, step, live: bool = False, turn: int | None = None):
        """the panels that show one step: profiles, update sizes, maps, the net, cursors.

        a live frame's HEAT_TURN leaves the net and the update sizes out (see show); None,
        or NET_TURN, shows them.
        """
        two = len(snaps) > 1 and self.focus is not None
        profiles, updates, notes = [], [], []
        depth = 1
        for slot in range(SLOTS):
            s = snaps[slot] if slot < len(snaps) else None
            if s is None or not len(s.grad_norms):
                self.profile.show(slot, None)
                if self.updates is not None:
                    self.updates.show(slot, None)
                self.diagram.show(slot, None)
                self.maps[slot].update(None)
                continue
            name = variant_name(self.lang, s.alpha)
            focused = (s.alpha == self.focus) if two else None
            depth = max(depth, s.grad_norms.shape[1])
            row = _row_at(s.grad_norms, step)
            self.profile.show(slot, s.alpha, s.grad_norms[0], row, focused, name, live=live)
            profiles += [s.grad_norms[0], row]
            u = getattr(s, "update_norms", None)
            if self.updates is None or turn == HEAT_TURN:
                pass
            elif u is not None and len(u):
                urow = _row_at(u, step)
                self.updates.show(slot, s.alpha, u[0], urow, focused, name, live=live)
                updates += [u[0], urow]
            else:
                self.updates.show(slot, None)
            if turn != HEAT_TURN:
                self.diagram.show(slot, s.alpha, row, name, live=live)
            self.maps[slot].update(s.boundary_at(step))
            if not np.isfinite(_positive_or_nan(s.grad_norms[0])).any():
                # e.g. a linear net at init x10 overflows float32 in the forward pass already
                overflow = not np.isfinite(s.grad_norms[0]).all()
                notes.append(f"{name}: " + self._t("fig_no_grad_inf" if overflow
                                                   else "fig_no_grad_0"))
        self.profile.note = "\n".join(notes)
        self.profile.fit(*profiles, depth=depth)
        if updates:
            self.updates.fit(*updates, depth=depth)
        self.loss.show_step(step)
        for h in self.heat:
            h.show_step(step)

    def redraw(self):
        """send every mark's state again (a page that connected mid-run missed some)."""
        with self.lock:
            for fig in self.panels.values():
                for mark in fig.marks:
                    mark.send_state()
                for scale in {id(s): s for m in fig.marks for s in m.scales.values()}.values():
                    scale.send_state()

    def profile_range(self):
        return log_range(*[s.grad_norms[0] for s in self._snaps])

    def close(self):
        for fig in self.panels.values():
            for widget in widget_tree(fig):
                widget.close()


def _row_at(rows, step):
    """rows[step] (the latest row whose numbers are all finite when step is None)."""
    if step is not None:
        return rows[min(max(step, 0), len(rows) - 1)]
    for row in rows[::-1]:
        if np.isfinite(row).all():
            return row
    return rows[-1]


def _positive_or_nan(values):
    v = np.asarray(values, dtype=float)
    return np.where(np.isfinite(v) & (v > 0), v, np.nan)
