"""the figures of lessons 5 and 6: each is built once on given axes, then updated in place.

signal through depth (forward and backward), accuracy with one block broken, and the
denoised images of the u-net with and without its skips.
"""

from __future__ import annotations

import numpy as np
from matplotlib.colors import LinearSegmentedColormap

from .plots import (
    CLASS_COLORS,
    PLAIN_COLOR,
    RESIDUAL_COLOR,
    positive,
    set_log_ylim,
    variant_color,
    variant_label,
)

# class-0 orange through white to class-1 sky blue: p(class 1) on the decision maps
CLASS_MAP = LinearSegmentedColormap.from_list("classes", [CLASS_COLORS[0], "#FFFFFF",
                                                          CLASS_COLORS[1]])
CHANCE_COLOR = "#777777"
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


class DenoiseView:
    """noisy input, clean target, the two nets' outputs and errors, and both loss curves."""

    NAMES = {True: "with skips (concatenate)", False: "skips cut"}
    COLORS = {True: RESIDUAL_COLOR, False: PLAIN_COLOR}

    def __init__(self, axes: dict, size: int):
        """axes: 'noisy', 'target', 'out_True', 'out_False', 'err_True', 'err_False', 'loss'."""
        blank = np.zeros((size, size))
        self.images = {}
        for key in ("noisy", "target", "out_True", "out_False"):
            self.images[key] = axes[key].imshow(blank, cmap="gray", vmin=0, vmax=1,
                                                interpolation="nearest")
        for key in ("err_True", "err_False"):
            self.images[key] = axes[key].imshow(blank, cmap="magma", vmin=0, vmax=0.5,
                                                interpolation="nearest")
        for image in self.images.values():
            image.axes.set_xticks([])
            image.axes.set_yticks([])
        axes["target"].set_title("clean target")
        self.axes = axes
        self.loss = {}
        for skip in (True, False):
            (self.loss[skip],) = axes["loss"].plot([], [], color=self.COLORS[skip],
                                                   label=self.NAMES[skip])
        axes["loss"].set_yscale("log")
        axes["loss"].set_xlabel("training step")
        axes["loss"].set_ylabel("mean squared error")
        axes["loss"].set_title("training loss (fresh noise every step)")
        axes["loss"].legend(loc="upper right", fontsize="small")
        axes["loss"].grid(True, which="both", alpha=0.3)
        self.colorbar = axes["err_False"].figure.colorbar(
            self.images["err_False"], ax=[axes["err_True"], axes["err_False"]], shrink=0.8,
            label="|output − target|")

    def update(self, noisy, target, outputs: dict, scores: dict, losses: dict, noise: float,
               input_score: float):
        """images as (H, W) arrays; scores: skip -> psnr of this image; losses: skip -> curve."""
        self.images["noisy"].set_data(np.clip(noisy, 0, 1))
        self.images["target"].set_data(target)
        self.axes["noisy"].set_title(f"noisy input (σ = {noise:g})\nPSNR {input_score:.1f} dB")
        for skip in (True, False):
            out = np.clip(outputs[skip], 0, 1)
            self.images[f"out_{skip}"].set_data(out)
            self.images[f"err_{skip}"].set_data(np.abs(out - target))
            self.axes[f"out_{skip}"].set_title(f"{self.NAMES[skip]}\nPSNR {scores[skip]:.1f} dB",
                                               color=self.COLORS[skip])
            self.axes[f"err_{skip}"].set_title(f"|error|, {self.NAMES[skip].split(' (')[0]}",
                                               color=self.COLORS[skip])
            curve = np.asarray(losses[skip], dtype=float)
            self.loss[skip].set_data(np.arange(1, len(curve) + 1), positive(curve))
        longest = max(len(v) for v in losses.values())
        self.axes["loss"].set_xlim(0, max(1, longest))
        set_log_ylim(self.axes["loss"], *losses.values(), pad=1.3)
