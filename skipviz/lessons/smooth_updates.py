"""lesson 4: loss-landscape slices, gradients along a line, bars of smoothness metrics."""

from __future__ import annotations

import numpy as np

from ..viz.palette import (
    PLAIN_COLOR,
    RESIDUAL_COLOR,
)


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
