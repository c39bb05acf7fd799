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
