"""the dashboard's two ipympl figures: built once, then redrawn in place from snapshots."""

from __future__ import annotations

import threading
import time

import numpy as np
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.text import Text

from ..viz.artists import DecisionMap, GradientHeatmap
from ..viz.axes import cjk_font, positive, set_log_ylim
from ..viz.palette import variant_color
from .words import tr, variant_name

SLOTS = 2  # slot 0 shows the plain net (or the single run), slot 1 the skip variant


def ipympl_canvas(fig: Figure, num: int):
    """an ipympl canvas widget for `fig`, made without pyplot (so no global figure registry)."""
    from ipympl.backend_nbagg import Canvas, FigureManager

    canvas = Canvas(fig)
    FigureManager(canvas, num)
    canvas.header_visible = False
    canvas.footer_visible = False
    canvas.toolbar_visible = False
    canvas.resizable = False
    canvas.capture_scroll = False
    return canvas


class DashboardFigures:
    """gradient profile + loss (top), gradient heatmaps + decision boundaries (bottom).

    the worker thread calls `show`, the kernel's main thread renders when the browser asks;
    one lock keeps a render from seeing half-updated artists.
    """

    def __init__(self, X, y, dpi: int = 72):
        self.lock = threading.RLock()
        self.cjk = cjk_font()
        self.draw_seconds = 0.0  # how long the last render took: the worker paces itself by it
        # fixed axes positions: a layout engine would cost as much as the drawing, every frame
        self.top = Figure(figsize=(11, 3.3), dpi=dpi)
        self.top.subplots_adjust(left=0.07, right=0.985, bottom=0.15, top=0.9, wspace=0.18)
        self.ax_profile, self.ax_loss = self.top.subplots(1, 2)
        self.bottom = Figure(figsize=(11, 3.0), dpi=dpi)
        self.ax_heat = [self.bottom.add_axes(rect) for rect in ((0.06, 0.15, 0.18, 0.75),
                                                                (0.30, 0.15, 0.18, 0.75))]
        cax = self.bottom.add_axes((0.49, 0.15, 0.01, 0.75))
        self.ax_map = [self.bottom.add_axes(rect) for rect in ((0.585, 0.06, 0.195, 0.84),
                                                               (0.795, 0.06, 0.195, 0.84))]
        self._build_profile()
        self._build_loss()
        self.norm = LogNorm(vmin=1e-8, vmax=1.0)
        self.heat = [GradientHeatmap(ax, self.norm) for ax in self.ax_heat]
        self.cbar = self.bottom.colorbar(self.heat[0].image, cax=cax, extend="min")
        self.maps = [DecisionMap(ax, X, y) for ax in self.ax_map]
        self._data = (X, y)
        self.focus = None
        self.canvases = [ipympl_canvas(self.top, id(self.top)),
                         ipympl_canvas(self.bottom, id(self.bottom))]
        for canvas in self.canvases:
            canvas.draw = self._locked(canvas.draw)
        self.lang = "en"
        # with a chinese font installed, every label falls back to it for the glyphs it lacks
        self.family = ["DejaVu Sans", self.cjk] if self.cjk else None
        if self.family:
            for fig in (self.top, self.bottom):
                for text in fig.findobj(Text):
                    text.set_fontfamily(self.family)

    def _build_profile(self):
        ax = self.ax_profile
        self.start_lines = [ax.plot([], [], "o-", ms=3, lw=1.5)[0] for _ in range(SLOTS)]
        self.latest_lines = [ax.plot([], [], ":", lw=1.5)[0] for _ in range(SLOTS)]
        # words for a profile with nothing finite to draw, so the panel is never just empty
        self.profile_note = ax.text(0.02, 0.95, "", transform=ax.transAxes, ha="left", va="top",
                                    fontsize="small")
        ax.set_yscale("log")
        ax.set_ylabel("‖dL/dx_l‖")
        ax.grid(True, which="major", alpha=0.3)

    def _build_loss(self):
        ax = self.ax_loss
        self.loss_lines = [ax.plot([], [], lw=1.5)[0] for _ in range(SLOTS)]
        self.loss_marks = [ax.plot([], [], "x", ms=9, mew=2)[0] for _ in range(SLOTS)]
        self.loss_note = ax.text(0.98, 0.95, "", transform=ax.transAxes, ha="right", va="top",
                                 fontsize="small")
        ax.set_yscale("log")
        ax.set_ylabel("cross-entropy")
        ax.grid(True, which="major", alpha=0.3)

    def _locked(self, draw):
        def locked_draw(*args, **kwargs):
            with self.lock:
                start = time.perf_counter()
                try:
                    return draw(*args, **kwargs)
                finally:
                    self.draw_seconds = time.perf_counter() - start
        return locked_draw

    def _t(self, key, **values) -> str:
        # without a chinese font the figures keep english words (the widgets still translate)
        return tr(self.lang if self.cjk else "en", key, **values)

    def set_data(self, X, y):
        with self.lock:
            self._data = (X, y)
            for m in self.maps:
                m.set_data(X, y)

    def show(self, snaps: list, steps: int, lang: str = "en", data=None, focus=None):
        """draw `snaps` (slot order, None for an empty slot) for a run of `steps` steps.

        the variant whose alpha is `focus` (the one the skip control points at) is drawn bold.
        """
        with self.lock:
            self.focus = focus
            if data is not None and data[0] is not self._data[0]:
                self.set_data(*data)
            self.lang = lang
            self._titles(snaps)
            self._profile(snaps)
            self._loss(snaps, steps)
            self._heatmaps(snaps, steps)
            for slot, m in enumerate(self.maps):
                s = snaps[slot] if slot < len(snaps) else None
                m.update(None if s is None else s.boundary)
        self.redraw()

    def redraw(self):
        for canvas in self.canvases:
            canvas.draw_idle()

    def _style(self, line, snap, bold: float = 2.6, thin: float = 1.1):
        """colour by variant; with two variants, the focused one bold and on top."""
        line.set_color(variant_color(snap.alpha))
        focused = self.focus is None or snap.alpha == self.focus
        line.set_linewidth(bold if focused else thin)
        line.set_alpha(1.0 if focused else 0.55)
        line.set_zorder(3 if focused else 2)

    def _titles(self, snaps):
        self.ax_profile.set_title(self._t("fig_profile"), fontsize="medium")
        self.ax_profile.set_xlabel(self._t("fig_layer"))
        self.ax_loss.set_title(self._t("fig_loss"), fontsize="medium")
        self.ax_loss.set_xlabel(self._t("fig_step"))
        self.ax_loss.set_ylabel(self._t("fig_xent"))
        self.cbar.set_label(self._t("fig_cbar"))
        for ax in self.ax_heat:
            ax.set_xlabel(self._t("fig_layer_short"))
            ax.set_ylabel(self._t("fig_step"))
        for slot in range(SLOTS):
            s = snaps[slot] if slot < len(snaps) else None
            for ax, key in ((self.ax_heat[slot], "fig_heat"), (self.ax_map[slot], "fig_boundary")):
                ax.set_visible(s is not None)
                if s is not None:
                    name = variant_name(self.lang if self.cjk else "en", s.alpha)
                    ax.set_title(self._t(key, variant=name), fontsize="small",
                                 color=variant_color(s.alpha))

    def _profile(self, snaps):
        shown, notes = [], []
        for slot in range(SLOTS):
            s = snaps[slot] if slot < len(snaps) else None
            first, latest = self.start_lines[slot], self.latest_lines[slot]
            if s is None or not len(s.grad_norms):
                first.set_data([], [])
                latest.set_data([], [])
                continue
            layers = np.arange(1, s.grad_norms.shape[1] + 1)
            first.set_data(layers, positive(s.grad_norms[0]))
            self._style(first, s, bold=2.2, thin=1.0)
            first.set_label(variant_name(self.lang if self.cjk else "en", s.alpha))
            last_row = _last_finite_row(s.grad_norms)
            latest.set_data(layers, positive(last_row))
            self._style(latest, s, bold=2.2, thin=1.0)
            shown += [s.grad_norms[0], last_row]
            if not np.isfinite(positive(s.grad_norms[0])).any():
                # e.g. a linear net at init x10 overflows float32 in the forward pass already
                overflow = not np.isfinite(s.grad_norms[0]).all()
                key = "fig_no_grad_inf" if overflow else "fig_no_grad_0"
                name = variant_name(self.lang if self.cjk else "en", s.alpha)
                notes.append(f"{name}: " + self._t(key))
        self.profile_note.set_text("\n".join(notes))
        if shown:
            self.ax_profile.set_xlim(0.5, max(len(v) for v in shown) + 0.5)
            set_log_ylim(self.ax_profile, *shown)
        visible = [ln for ln in self.start_lines if len(ln.get_xdata())]
        prop = {"size": "small", **({"family": self.family} if self.family else {})}
        self.ax_profile.legend(handles=visible, loc="lower right", prop=prop)

    def _loss(self, snaps, steps):
        shown, notes = [], []
        for slot in range(SLOTS):
            s = snaps[slot] if slot < len(snaps) else None
            line, mark = self.loss_lines[slot], self.loss_marks[slot]
            if s is None or not len(s.losses):
                line.set_data([], [])
                mark.set_data([], [])
                continue
            color = variant_color(s.alpha)
            line.set_data(np.arange(len(s.losses)), positive(s.losses))
            self._style(line, s)
            finite = s.losses[np.isfinite(s.losses)]
            shown.append(finite)
            if s.diverged and len(finite):
                # mark where the run stopped: at the last finite loss
                mark.set_data([len(finite) - 1], [finite[-1]])
                mark.set_color(color)
            else:
                mark.set_data([], [])
            if s.diverged:
                name = variant_name(self.lang if self.cjk else "en", s.alpha)
                notes.append(f"{name}: " + self._t("state_diverged", step=s.diverged_at))
        self.ax_loss.set_xlim(0, max(steps, 1))
        set_log_ylim(self.ax_loss, *shown, pad=1.3)
        self.loss_note.set_text("\n".join(notes))

    def _heatmaps(self, snaps, steps):
        values = []
        for slot in range(SLOTS):
            s = snaps[slot] if slot < len(snaps) else None
            if s is None:
                self.heat[slot].clear()
                continue
            self.heat[slot].update(s.grad_norms, steps)
            values.append(positive(s.grad_norms).ravel())
        vals = np.concatenate(values) if values else np.array([])
        vals = vals[np.isfinite(vals)]
        if len(vals):
            lo, hi = np.percentile(vals, 1), vals.max()
            lo = max(lo, hi * 1e-12, 1e-30)
            self.heat[0].image.set_clim(lo, max(hi, lo * 10))

    def close(self):
        for canvas in self.canvases:
            canvas.close()


def _last_finite_row(rows):
    for row in rows[::-1]:
        if np.isfinite(row).all():
            return row
    return rows[-1]
