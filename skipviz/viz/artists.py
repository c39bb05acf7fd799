"""matplotlib artists built once on given axes, then updated in place (ipympl-friendly).

`PairLines` is the one per-layer (or per-step) line plot of plain against residual: every
lesson figure that draws ||dL/dx_l|| per layer uses it.
"""

from __future__ import annotations

import numpy as np

from ..core.compare import variant_label
from .axes import positive, set_log_ylim
from .palette import CLASS_COLORS, CLASS_MAP, variant_color


class PairLines:
    """two runs (plain and a skip of strength alpha) as lines on one axis, updated in place."""

    def __init__(self, ax, title: str, xlabel: str, ylabel: str, log: bool = True,
                 style: str = "-", markersize: float = 0):
        self.ax, self.log = ax, log
        self.lines = [ax.plot([], [], style, ms=markersize)[0] for _ in range(2)]
        self.markersize = markersize
        self.empty = ax.text(0.5, 0.5, "", transform=ax.transAxes, ha="center", va="center",
                             color="#777777")
        if log:
            ax.set_yscale("log")
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.grid(True, which="both", alpha=0.3)

    def update(self, runs: list):
        """runs: up to two (alpha, x, y); a missing run hides its line."""
        shown = []
        for i, line in enumerate(self.lines):
            if i >= len(runs):
                line.set_data([], [])
                line.set_label("_hidden")
                continue
            alpha, x, y = runs[i]
            y = positive(y) if self.log else np.asarray(y, dtype=float)
            line.set_data(x, y)
            # a run that stopped after one step is one point: give it a visible marker
            line.set_markersize(self.markersize or (5 if len(y) == 1 else 0))
            line.set_marker("o" if self.markersize or len(y) == 1 else "")
            line.set_color(variant_color(alpha))
            line.set_label(variant_label(alpha))
            shown.append((np.asarray(x, dtype=float), y))
        drawable = not shown or any(np.isfinite(y).any() for _, y in shown)
        self.empty.set_text("" if drawable else "nothing finite to draw:\nthe run diverged")
        if shown:
            xs = np.concatenate([x for x, _ in shown])
            self.ax.set_xlim(xs.min() - 0.5, xs.max() + 0.5)
            ys = [y for _, y in shown]
            if self.log:
                set_log_ylim(self.ax, *ys, pad=1.5)
            else:
                finite = np.concatenate(ys)
                finite = finite[np.isfinite(finite)]
                if len(finite):
                    pad = 0.05 * (finite.max() - finite.min()) + 1e-6
                    self.ax.set_ylim(finite.min() - pad, finite.max() + pad)
        self.ax.legend(loc="best", fontsize="small")


class GradientHeatmap:
    """||dL/dx_l|| of every layer (x) at every step (y, down), log colours, updated in place."""

    def __init__(self, ax, norm, cmap: str = "viridis"):
        from matplotlib import colormaps

        self.ax = ax
        # grey: steps not run yet, and non-finite norms; black: a norm that is exactly 0
        cmap = colormaps[cmap].with_extremes(bad="#DDDDDD", under="#000000")
        self.image = ax.imshow(np.full((2, 2), np.nan), aspect="auto", interpolation="nearest",
                               cmap=cmap, norm=norm, extent=(0.5, 2.5, 2, 0))
        ax.set_xlabel("layer l")
        ax.set_ylabel("step")

    def update(self, grad_norms, steps: int):
        """grad_norms (steps run, depth); rows not run yet stay grey up to `steps`."""
        depth = grad_norms.shape[1] if np.ndim(grad_norms) == 2 else 1
        full = np.full((max(steps, 1), max(depth, 1)), np.nan)
        rows = min(len(grad_norms), len(full))
        g = np.asarray(grad_norms[:rows], dtype=float)
        # an underflow to exactly 0 is the end point of vanishing: draw it (black), not a gap
        full[:rows] = np.where(g == 0, 1e-300, positive(g))
        self.image.set_data(full)
        self.image.set_extent((0.5, depth + 0.5, len(full), 0))

    def clear(self):
        self.image.set_data(np.full((2, 2), np.nan))


class DecisionMap:
    """p(class 1) of a trained net over the data's plane, with the data on top."""

    def __init__(self, ax, X, y, n: int = 60, margin: float = 0.3):
        self.ax, self.n, self.margin = ax, n, margin
        self.image = ax.imshow(np.full((n, n), 0.5), origin="lower", cmap=CLASS_MAP, vmin=0, vmax=1,
                               alpha=0.75, interpolation="bilinear", aspect="auto")
        self.points = ax.scatter([], [], s=6, linewidths=0.3, edgecolors="#333333")
        ax.set_xticks([])
        ax.set_yticks([])
        self.set_data(X, y)

    def set_data(self, X, y):
        X = np.asarray(X, dtype=float)
        y = np.asarray(y)
        lo, hi = X.min(0) - self.margin, X.max(0) + self.margin
        self.extent = (lo[0], hi[0], lo[1], hi[1])
        self.points.set_offsets(X)
        self.points.set_facecolors([CLASS_COLORS[int(k)] for k in y])
        self.image.set_extent(self.extent)
        self.ax.set_xlim(lo[0], hi[0])
        self.ax.set_ylim(lo[1], hi[1])

    def update(self, probs):
        self.image.set_data(np.full((self.n, self.n), 0.5) if probs is None else probs)
