"""axis helpers every matplotlib figure shares: log axes that tolerate zeros, a cjk font."""

from __future__ import annotations

import numpy as np


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
