"""lesson 3: a plain and a skip net trained side by side, and the depth sweep."""

from __future__ import annotations

import numpy as np

from ..core.compare import variant_label
from ..measure.boundary import decision_grid
from ..viz.artists import DecisionMap, PairLines
from ..viz.axes import positive, set_log_ylim
from ..viz.palette import (
    variant_color,
)


class BoundaryView:
    """plots.DecisionMap fed from a trained net (or left blank for a diverged one), with a title."""

    def __init__(self, ax, X, y, n: int = 60):
        self.ax, self.X, self.n = ax, X, n
        self.map = DecisionMap(ax, X, y, n=n)

    def update(self, net, title: str):
        self.map.update(None if net is None else decision_grid(net, self.X, self.n)[2])
        self.ax.set_title(title, fontsize="medium")

class ExperimentView:
    """lesson 3's six panels: per-layer gradients (x, W), loss, layer 1 over time, boundaries."""

    def __init__(self, axes, X, y):
        ax = axes.ravel()
        self.grad_x = PairLines(ax[0], "‖dL/dx_l‖ per layer", "layer l (input → output)",
                                "‖dL/dx_l‖", style="o-", markersize=3)
        self.grad_w = PairLines(ax[1], "‖dL/dW_l‖ per layer", "layer l (input → output)",
                                "‖dL/dW_l‖", style="o-", markersize=3)
        self.loss = PairLines(ax[2], "training loss", "step", "cross-entropy loss")
        self.first = PairLines(ax[3], "‖dL/dx_1‖ during training (first layer)", "step",
                               "‖dL/dx_1‖")
        self.maps = [BoundaryView(ax[4], X, y), BoundaryView(ax[5], X, y)]
        self.cursor = [a.axvline(0, color="#777777", lw=0.8, ls=":") for a in (ax[2], ax[3])]

    def update(self, results: list, step: int):
        """results from compare(); `step` picks the row of the per-layer panels."""
        def at_step(rows):
            # a diverged run has fewer rows: show its last one
            return np.arange(1, rows.shape[1] + 1), rows[min(step, len(rows) - 1)]

        self.grad_x.update([(r.alpha, *at_step(r.grad_norms)) for r in results])
        self.grad_w.update([(r.alpha, *at_step(r.weight_grad_norms)) for r in results])
        self.loss.update([(r.alpha, np.arange(r.steps_run), r.losses) for r in results])
        self.first.update([(r.alpha, np.arange(r.steps_run), r.grad_norms[:, 0]) for r in results])
        for line in self.cursor:
            line.set_xdata([step, step])
        self.grad_x.ax.set_title(f"‖dL/dx_l‖ per layer at step {step}")
        self.grad_w.ax.set_title(f"‖dL/dW_l‖ per layer at step {step}")
        for i, view in enumerate(self.maps):
            if i < len(results):
                r = results[i]
                state = "diverged" if r.diverged else f"accuracy {r.accuracy:.0%}"
                view.update(None if r.diverged else r.net,
                            f"{variant_label(r.alpha)}: {state}")
            else:
                view.update(None, "(no second run: α = 0)")

class DepthSweepView:
    """final training loss against depth: one line per variant (mean over seeds), dots per seed."""

    def __init__(self, ax):
        self.ax = ax
        self.mean = {a: ax.plot([], [], "o-", color=variant_color(a), label=variant_label(a))[0]
                     for a in (0.0, 1.0)}
        self.dots = {a: ax.plot([], [], ".", color=variant_color(a), alpha=0.4)[0]
                     for a in (0.0, 1.0)}
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("depth (blocks)")
        ax.set_ylabel("final training loss")
        ax.set_title("deeper: better or worse?")
        ax.legend(loc="best", fontsize="small")
        ax.grid(True, which="both", alpha=0.3)

    def update(self, sweep: dict):
        depths = sweep["depths"]
        for i, alpha in enumerate(sweep["alphas"]):
            if alpha not in self.mean:
                continue
            losses = sweep["final_loss"][i]  # (depths, seeds)
            self.mean[alpha].set_data(depths, positive(np.nanmean(losses, 1)))
            xs = np.repeat(depths, losses.shape[1])
            self.dots[alpha].set_data(xs, positive(losses.ravel()))
        self.ax.set_xlim(depths.min() / 1.3, depths.max() * 1.3)
        self.ax.set_xticks(depths, [str(d) for d in depths])
        self.ax.minorticks_off()
        set_log_ylim(self.ax, sweep["final_loss"], pad=1.5)
