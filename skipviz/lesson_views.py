"""the figures of lessons 1-4: each is built once on given axes, then updated in place."""

from __future__ import annotations

import numpy as np
from matplotlib.collections import LineCollection

from .plots import (
    PLAIN_COLOR,
    RESIDUAL_COLOR,
    DecisionMap,
    decision_grid,
    positive,
    set_log_ylim,
    variant_color,
    variant_label,
)

INPUT_COLOR = "#999999"  # the input cloud, drawn behind every output


class CloudView:
    """a 2-d point cloud before (grey) and after a block (colour), with a line per moved point."""

    def __init__(self, ax, X, color: str, title: str, every: int = 3):
        self.ax, self.X, self.title, self.every = ax, np.asarray(X, dtype=float), title, every
        ax.scatter(*self.X.T, s=6, color=INPUT_COLOR, alpha=0.5, label="input x")
        self.moves = LineCollection([], colors=color, linewidths=0.5, alpha=0.35)
        ax.add_collection(self.moves)
        self.out = ax.scatter(*self.X.T, s=6, color=color, label="output y")
        ax.set_aspect("equal", adjustable="box")
        ax.set_xlabel("x₁")
        ax.set_ylabel("x₂")
        ax.legend(loc="upper right", fontsize="small")
        ax.grid(True, alpha=0.3)

    def update(self, Y, distance: float):
        Y = np.asarray(Y, dtype=float)
        self.out.set_offsets(Y)
        pick = slice(None, None, self.every)
        self.moves.set_segments(np.stack([self.X[pick], Y[pick]], 1))
        both = np.concatenate([self.X, Y])
        lo, hi = both.min(0), both.max(0)
        pad = 0.1 * (hi - lo).max() + 1e-3
        self.ax.set_xlim(lo[0] - pad, hi[0] + pad)
        self.ax.set_ylim(lo[1] - pad, hi[1] + pad)
        self.ax.set_title(f"{self.title}\ndistance from identity = {distance:.3f}")


class JacobianView:
    """J_residual, J_plain and their difference as heatmaps on one symmetric colour scale."""

    TITLES = ("J_residual = ∂y/∂x", "J_plain = ∂F/∂x", "J_residual − J_plain")

    def __init__(self, axes, width: int):
        blank = np.zeros((width, width))
        self.images = [ax.imshow(blank, cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest")
                       for ax in axes]
        for ax, title in zip(axes, self.TITLES, strict=True):
            ax.set_title(title)
            ax.set_xlabel("input unit j")
            ax.set_xticks([])
            ax.set_yticks([])
        axes[0].set_ylabel("output unit i")
        self.colorbar = axes[0].figure.colorbar(self.images[0], ax=list(axes), shrink=0.8,
                                                label="∂yᵢ/∂xⱼ")

    def update(self, j_res, j_plain):
        mats = [np.asarray(j_res), np.asarray(j_plain), np.asarray(j_res) - np.asarray(j_plain)]
        top = max(1.0, max(float(np.abs(m).max()) for m in mats))
        for image, m in zip(self.images, mats, strict=True):
            image.set_data(m)
            image.set_clim(-top, top)


class SpreadView:
    """largest (solid) and smallest (dashed) singular value against depth, plain and residual."""

    def __init__(self, ax, title: str, ylabel: str = "singular value of the product"):
        self.ax = ax
        self.lines = {}
        for key, color, name in (("plain", PLAIN_COLOR, "∏ Jᵢ (plain)"),
                                 ("residual", RESIDUAL_COLOR, "∏ (I + Jᵢ) (residual)")):
            (top,) = ax.plot([], [], color=color, label=f"{name}: largest")
            (low,) = ax.plot([], [], "--", color=color, label=f"{name}: smallest")
            self.lines[key] = (top, low)
        ax.axhline(1.0, color="#777777", lw=0.8)
        ax.set_yscale("log")
        ax.set_xlabel("depth L (layers multiplied)")
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        ax.legend(loc="best", fontsize="x-small")
        ax.grid(True, which="both", alpha=0.3)

    def update(self, spectra: dict):
        """spectra: 'plain'/'residual' -> (depth + 1, width) singular values, largest first."""
        shown = []
        for key, (top, low) in self.lines.items():
            s = np.asarray(spectra[key], dtype=float)
            layers = np.arange(len(s))
            top.set_data(layers, positive(s[:, 0]))
            low.set_data(layers, positive(s[:, -1]))
            shown += [s[:, 0], s[:, -1]]
        self.ax.set_xlim(0, max(1, len(layers) - 1))
        set_log_ylim(self.ax, *shown)


class ScalarChainView:
    """g**L against (1 + g)**L: the one-number version of the chain rule."""

    def __init__(self, ax):
        self.ax = ax
        (self.plain,) = ax.plot([], [], color=PLAIN_COLOR, label="plain: gᴸ")
        (self.residual,) = ax.plot([], [], color=RESIDUAL_COLOR, label="residual: (1 + g)ᴸ")
        ax.axhline(1.0, color="#777777", lw=0.8)
        ax.set_yscale("log")
        ax.set_xlabel("depth L")
        ax.set_ylabel("gradient factor after L layers")
        ax.legend(loc="best", fontsize="small")
        ax.grid(True, which="both", alpha=0.3)

    def update(self, chain: dict, gain: float):
        self.plain.set_data(chain["layers"], positive(chain["plain"]))
        self.residual.set_data(chain["layers"], positive(chain["residual"]))
        self.ax.set_xlim(0, max(1, chain["layers"][-1]))
        set_log_ylim(self.ax, chain["plain"], chain["residual"])
        self.ax.set_title(f"one number per layer, g = {gain:g}")


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


class LandscapeMap:
    """a 2-d loss slice as an image, its own colour scale, the trained weights at the centre."""

    def __init__(self, ax, title: str, color: str):
        self.ax, self.title = ax, title
        self.image = ax.imshow(np.zeros((2, 2)), origin="lower", cmap="viridis",
                               interpolation="bilinear", aspect="equal")
        ax.plot([0], [0], "*", color=color, ms=12, mec="white", label="trained weights")
        ax.set_xlabel("direction 1 (filter-normalised)")
        ax.set_ylabel("direction 2")
        ax.legend(loc="upper right", fontsize="x-small")
        self.colorbar = ax.figure.colorbar(self.image, ax=ax, shrink=0.8, label="loss")

    def update(self, coords, grid, score: float, clim=None):
        """clim: (low, high) to share one colour scale between maps; default: this grid's range."""
        grid = np.asarray(grid, dtype=float)
        half = (coords[1] - coords[0]) / 2
        self.image.set_data(grid)
        self.image.set_extent((coords[0] - half, coords[-1] + half,
                               coords[0] - half, coords[-1] + half))
        finite = grid[np.isfinite(grid)]
        if clim is not None:
            self.image.set_clim(*clim)
        elif len(finite):
            self.image.set_clim(finite.min(), max(finite.max(), finite.min() + 1e-9))
        self.ax.set_title(f"{self.title}\nloss {finite.min():.2f} to {finite.max():.2f}, "
                          f"wiggle {score:.2f}")


class SpectrumView:
    """every singular value of one end-to-end jacobian, largest first, plain and residual."""

    def __init__(self, ax, title: str):
        self.ax, self.title = ax, title
        self.lines = {key: ax.plot([], [], "o-", ms=3, color=color, label=label)[0]
                      for key, color, label in (("plain", PLAIN_COLOR, "plain"),
                                                ("residual", RESIDUAL_COLOR, "residual"))}
        ax.axhline(1.0, color="#777777", lw=0.8)
        ax.set_yscale("log")
        ax.set_xlabel("index (largest first)")
        ax.set_ylabel("singular value")
        ax.legend(loc="best", fontsize="small")
        ax.grid(True, which="both", alpha=0.3)

    def update(self, values: dict, depth: int):
        """values: 'plain'/'residual' -> 1-d singular values of the depth-`depth` product."""
        for key, line in self.lines.items():
            v = np.asarray(values[key], dtype=float)
            line.set_data(np.arange(1, len(v) + 1), positive(v))
        n = max(len(v) for v in values.values())
        self.ax.set_xlim(0.5, n + 0.5)
        set_log_ylim(self.ax, *values.values())
        self.ax.set_title(f"{self.title}, L = {depth}")


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


class SliceView:
    """1-d loss slices of two nets, each rescaled to [0, 1] so their shapes can be compared."""

    def __init__(self, ax):
        self.ax = ax
        self.lines = {key: ax.plot([], [], color=color, lw=1.5)[0]
                      for key, color in (("plain", PLAIN_COLOR), ("residual", RESIDUAL_COLOR))}
        ax.axvline(0.0, color="#777777", lw=0.8, ls=":")
        ax.set_xlabel("a: step along the direction (0 = trained weights)")
        ax.set_ylabel("(loss − min) / (max − min)")
        ax.set_title("1-d loss slice, shape only")
        ax.set_ylim(-0.05, 1.05)
        ax.grid(True, alpha=0.3)

    def update(self, coords, curves: dict, scores: dict):
        """curves and scores: 'plain'/'residual' -> the slice's losses and its wiggle."""
        for key, line in self.lines.items():
            c = np.asarray(curves[key], dtype=float)
            spread = c.max() - c.min()
            line.set_data(coords, (c - c.min()) / spread if spread > 0 else np.zeros_like(c))
            line.set_label(f"{key}: loss {c.min():.3g} to {c.max():.3g}, wiggle {scores[key]:.2f}")
        self.ax.set_xlim(coords[0], coords[-1])
        self.ax.legend(loc="upper center", fontsize="x-small")


class LineGradientView:
    """the input gradient along a line of inputs, each net's rescaled to unit rms."""

    def __init__(self, ax):
        self.ax = ax
        self.lines = {key: ax.plot([], [], color=color, lw=1.2)[0]
                      for key, color in (("plain", PLAIN_COLOR), ("residual", RESIDUAL_COLOR))}
        ax.axhline(0.0, color="#777777", lw=0.8)
        ax.set_xlabel("position along the line of inputs")
        ax.set_ylabel("∂(logit₁ − logit₀)/∂x along the line (rms = 1)")
        ax.grid(True, alpha=0.3)

    def update(self, positions, grads: dict, direction, scores: dict, title: str):
        """grads: 'plain'/'residual' -> (n, features) input gradients; scores: correlations."""
        d = np.asarray(direction, dtype=float)
        d = d / np.linalg.norm(d)
        for key, line in self.lines.items():
            g = np.asarray(grads[key], dtype=float) @ d
            rms = np.sqrt(np.mean(g**2))
            line.set_data(positions, g / rms if rms > 0 else g)
            line.set_label(f"{key}: neighbour correlation {scores[key]:.3f}")
        self.ax.set_xlim(positions[0], positions[-1])
        self.ax.relim()
        self.ax.autoscale_view(scalex=False)
        self.ax.set_title(title)
        self.ax.legend(loc="upper right", fontsize="x-small")


class MetricBars:
    """a few numbers side by side for plain and residual, as grouped bars updated in place."""

    def __init__(self, ax, names: list[str], title: str):
        self.ax, self.names = ax, list(names)
        x = np.arange(len(self.names))
        self.bars, self.labels = {}, {}
        for key, color, shift in (("plain", PLAIN_COLOR, -0.2), ("residual", RESIDUAL_COLOR, 0.2)):
            self.bars[key] = ax.bar(x + shift, np.zeros(len(x)), width=0.38, color=color,
                                    label=key)
            self.labels[key] = [ax.text(xi + shift, 0.0, "", ha="center", va="bottom",
                                        fontsize="x-small") for xi in x]
        ax.set_xticks(x, self.names)
        ax.set_title(title)
        ax.legend(loc="upper right", fontsize="small")
        ax.grid(True, axis="y", alpha=0.3)

    def update(self, values: dict):
        """values: 'plain'/'residual' -> one number per name (nan draws no bar)."""
        top = 0.0
        for key, bars in self.bars.items():
            for bar, label, v in zip(bars, self.labels[key], values[key], strict=True):
                h = float(v) if np.isfinite(v) else 0.0
                bar.set_height(h)
                label.set_position((label.get_position()[0], h))
                label.set_text(f"{v:.2f}" if np.isfinite(v) else "n/a")
                top = max(top, h)
        self.ax.set_ylim(0, 1.2 * top + 1e-9)
