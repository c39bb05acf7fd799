"""lesson 5: signal through depth (forward and backward), and accuracy with blocks broken."""

from __future__ import annotations

import numpy as np

from ..core.compare import variant_label
from ..viz.axes import positive, set_log_ylim
from ..viz.palette import (
    CHANCE_COLOR,
    CLASS_COLORS,
    CLASS_MAP,
    variant_color,
)

VARIANTS = (0.0, 1.0)


class SignalView:
    """forward spread of x_l and backward ||dL/dx_l|| against layer l, plain and residual."""

    def __init__(self, ax_forward, ax_backward):
        self.axes = (ax_forward, ax_backward)
        self.lines = {}
        titles = ("forward →  does x_l still tell inputs apart?",
                  "←  backward: how much gradient reaches x_l?")
        ylabels = ("spread of x_l across inputs (std)", "‖dL/dx_l‖")
        for i, ax in enumerate(self.axes):
            for alpha in VARIANTS:
                (self.lines[i, alpha],) = ax.plot([], [], "o-", ms=3, color=variant_color(alpha),
                                                  label=variant_label(alpha))
            ax.set_yscale("log")
            ax.set_xlabel("layer l (0 = after the stem, input side)")
            ax.set_ylabel(ylabels[i])
            ax.set_title(titles[i])
            ax.legend(loc="best", fontsize="small")
            ax.grid(True, which="both", alpha=0.3)

    def update(self, signals: dict):
        """signals: alpha -> (forward, backward), each of shape (depth + 1,)."""
        for i, ax in enumerate(self.axes):
            shown = []
            for alpha in VARIANTS:
                values = signals[alpha][i]
                self.lines[i, alpha].set_data(np.arange(len(values)), positive(values))
                shown.append(values)
            ax.set_xlim(-0.5, max(len(v) for v in shown) - 0.5)
            set_log_ylim(ax, *shown)

class BreakView:
    """bars: accuracy with block k broken, for every k; maps: the two broken nets' decisions."""

    def __init__(self, ax_bars, ax_maps, X, y, depth: int, grid_extent):
        self.ax = ax_bars
        self.depth = depth
        blocks = np.arange(1, depth + 1)
        self.bars = {}
        for alpha, shift in zip(VARIANTS, (-0.2, 0.2), strict=True):
            self.bars[alpha] = ax_bars.bar(blocks + shift, np.zeros(depth), width=0.4,
                                           color=variant_color(alpha), label=variant_label(alpha))
        self.intact = {alpha: ax_bars.axhline(1.0, ls="--", lw=1.2, color=variant_color(alpha))
                       for alpha in VARIANTS}
        ax_bars.axhline(0.5, ls=":", color=CHANCE_COLOR, label="chance (50 %)")
        ax_bars.plot([], [], ls="--", color=CHANCE_COLOR, label="intact net")
        ax_bars.set_xticks(blocks)
        ax_bars.set_xlim(0.4, depth + 0.6)
        # headroom above 100 % for the legend, so no bar hides under it
        ax_bars.set_ylim(0, 1.25)
        ax_bars.set_yticks(np.linspace(0, 1, 6))
        ax_bars.set_xlabel("broken block k (1 = nearest the input)")
        ax_bars.set_ylabel("test accuracy with block k broken")
        ax_bars.legend(loc="upper center", ncol=4, fontsize="small")
        ax_bars.grid(True, axis="y", alpha=0.3)
        self.maps = {}
        for ax, alpha in zip(ax_maps, VARIANTS, strict=True):
            self.maps[alpha] = ax.imshow(np.full((2, 2), 0.5), origin="lower", extent=grid_extent,
                                         cmap=CLASS_MAP, vmin=0, vmax=1, aspect="auto",
                                         interpolation="bilinear")
            colors = np.array(CLASS_COLORS)[np.asarray(y)]
            ax.scatter(*np.asarray(X).T, s=5, c=colors, edgecolors="#333333", linewidths=0.2)
            ax.set_xticks([])
            ax.set_yticks([])

    def update(self, accuracies: dict, intact: dict, block: int, grids: dict, mode: str):
        """accuracies: alpha -> (depth,); intact: alpha -> accuracy unbroken; block: 0-based;
        grids: alpha -> p(class 1) on the decision grid of the net with that block broken."""
        verb = "zeroed" if mode == "zero" else "deleted"
        for alpha in VARIANTS:
            for k, bar in enumerate(self.bars[alpha]):
                bar.set_height(accuracies[alpha][k])
                # the picked block stands out, the others fade
                bar.set_alpha(1.0 if k == block else 0.35)
                bar.set_edgecolor("#000000" if k == block else "none")
            self.intact[alpha].set_ydata([intact[alpha]] * 2)
            self.maps[alpha].set_data(grids[alpha])
            ax = self.maps[alpha].axes
            ax.set_title(f"{variant_label(alpha)}, block {block + 1} {verb}\n"
                         f"test accuracy {accuracies[alpha][block]:.1%} "
                         f"(intact {intact[alpha]:.1%})", color=variant_color(alpha))
        self.ax.set_title(f"every block {verb} in turn (dashed: intact net)")
