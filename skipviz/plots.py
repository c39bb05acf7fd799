"""colours and figures that are built once and then updated in place (ipympl-friendly)."""

from __future__ import annotations

import numpy as np
import torch

from ._validate import check_float

# okabe-ito colours: distinct for the common kinds of colour blindness.
# one colour per variant, used by every figure of the project.
PLAIN_COLOR = "#D55E00"  # vermillion
RESIDUAL_COLOR = "#0072B2"  # blue
CLASS_COLORS = ("#E69F00", "#56B4E9")  # orange, sky blue: the two classes of a dataset


def variant_color(alpha: float) -> str:
    """plain (alpha 0) is vermillion, residual (alpha 1) is blue, in between is a blend."""
    a = float(np.clip(_alpha(alpha), 0.0, 1.0))
    p = np.array([int(PLAIN_COLOR[i:i + 2], 16) for i in (1, 3, 5)])
    r = np.array([int(RESIDUAL_COLOR[i:i + 2], 16) for i in (1, 3, 5)])
    rgb = np.rint((1 - a) * p + a * r).astype(int)
    return "#" + "".join(f"{c:02X}" for c in rgb)


def variant_label(alpha: float) -> str:
    alpha = _alpha(alpha)
    if alpha == 0:
        return "plain (no skip)"
    if alpha == 1:
        return "residual (skip)"
    return f"skip α={alpha:g}"


def _alpha(alpha) -> float:
    # a skip toggle's True/False counts as 1/0; nan has no colour and no label
    return float(alpha) if isinstance(alpha, bool) else check_float("alpha", alpha)


def positive(values) -> np.ndarray:
    """values for a log axis: zeros and non-finite entries become NaN (a gap, not an error)."""
    v = np.asarray(values, dtype=float).copy()
    v[~np.isfinite(v) | (v <= 0)] = np.nan
    return v


def set_log_ylim(ax, *arrays, pad: float = 2.0):
    """fit a log y-axis to all finite positive values; keep the old limits if there are none."""
    vals = np.concatenate([positive(a).ravel() for a in arrays]) if arrays else np.array([])
    vals = vals[np.isfinite(vals)]
    if len(vals):
        lo, hi = vals.min() / pad, vals.max() * pad
        ax.set_ylim(max(lo, 1e-300), min(hi, 1e300))


@torch.no_grad()
def decision_grid(net: torch.nn.Module, X, n: int = 80, margin: float = 0.3):
    """probability of class 1 on an n x n grid around X: (xs, ys, probs of shape (n, n))."""
    X = torch.as_tensor(X, dtype=torch.float32)
    lo = X.min(0).values.numpy() - margin
    hi = X.max(0).values.numpy() + margin
    xs, ys = np.linspace(lo[0], hi[0], n), np.linspace(lo[1], hi[1], n)
    gx, gy = np.meshgrid(xs, ys)
    pts = torch.tensor(np.stack([gx.ravel(), gy.ravel()], 1), dtype=torch.float32)
    probs = torch.softmax(net(pts), 1)[:, 1].reshape(n, n).numpy()
    return xs, ys, np.nan_to_num(probs, nan=0.5)


class GradientProfile:
    """||dL/dx_l|| against layer index on a log scale, one line per variant, updated in place."""

    def __init__(self, ax, alphas=(0.0, 1.0), title: str = "gradient norm per layer"):
        self.ax = ax
        self.lines = {}
        for alpha in alphas:
            (self.lines[alpha],) = ax.plot([], [], "o-", ms=3, color=variant_color(alpha),
                                           label=variant_label(alpha))
        ax.set_yscale("log")
        ax.set_xlabel("layer l (input side → output side)")
        ax.set_ylabel("‖dL/dx_l‖")
        ax.set_title(title)
        ax.legend(loc="best", fontsize="small")
        ax.grid(True, which="both", alpha=0.3)

    def update(self, profiles: dict):
        """profiles: alpha -> 1-d array of per-layer norms (any missing alpha is hidden)."""
        for alpha, line in self.lines.items():
            v = profiles.get(alpha)
            if v is None:
                line.set_data([], [])
            else:
                line.set_data(np.arange(1, len(v) + 1), positive(v))
        shown = [v for v in profiles.values() if v is not None and len(v)]
        if shown:
            self.ax.set_xlim(0.5, max(len(v) for v in shown) + 0.5)
            set_log_ylim(self.ax, *shown)


class LossCurves:
    """training loss per step, one line per variant, updated in place."""

    def __init__(self, ax, alphas=(0.0, 1.0), title: str = "training loss"):
        self.ax = ax
        self.lines = {}
        for alpha in alphas:
            (self.lines[alpha],) = ax.plot([], [], color=variant_color(alpha),
                                           label=variant_label(alpha))
        ax.set_yscale("log")
        ax.set_xlabel("step")
        ax.set_ylabel("cross-entropy loss")
        ax.set_title(title)
        ax.legend(loc="best", fontsize="small")
        ax.grid(True, which="both", alpha=0.3)

    def update(self, curves: dict, steps: int | None = None):
        for alpha, line in self.lines.items():
            v = curves.get(alpha)
            line.set_data(([], []) if v is None else (np.arange(len(v)), positive(v)))
        shown = [v for v in curves.values() if v is not None and len(v)]
        if shown:
            self.ax.set_xlim(0, max(steps or 1, max(len(v) for v in shown)))
            set_log_ylim(self.ax, *shown, pad=1.3)


CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei",
             "Source Han Sans SC", "SimHei", "Microsoft YaHei", "PingFang SC", "AR PL UMing CN")


def cjk_font() -> str | None:
    """the name of an installed font with chinese glyphs, or None (figures then stay english)."""
    from matplotlib import font_manager

    for name in CJK_FONTS:
        try:
            font_manager.findfont(name, fallback_to_default=False)
            return name
        except ValueError:
            continue
    return None


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
        from matplotlib.colors import LinearSegmentedColormap

        self.ax, self.n, self.margin = ax, n, margin
        cmap = LinearSegmentedColormap.from_list("classes", [CLASS_COLORS[0], "#FFFFFF",
                                                             CLASS_COLORS[1]])
        self.image = ax.imshow(np.full((n, n), 0.5), origin="lower", cmap=cmap, vmin=0, vmax=1,
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
