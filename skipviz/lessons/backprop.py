"""lesson 2: the block jacobian, the chain over depth (one number, random matrices, a real net)."""

from __future__ import annotations

import numpy as np

from ..viz.axes import positive, set_log_ylim
from ..viz.palette import (
    PLAIN_COLOR,
    RESIDUAL_COLOR,
)


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
