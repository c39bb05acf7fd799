"""lesson 1: a block's output cloud against its input."""

from __future__ import annotations

import numpy as np
from matplotlib.collections import LineCollection

from ..viz.palette import (
    INPUT_COLOR,
)


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
