"""lesson 1: a block's output cloud against its input, and what is left of it block by block."""

from __future__ import annotations

import numpy as np
from matplotlib.collections import LineCollection

from ..measure.identity import information_by_depth
from ..viz.axes import positive, set_log_ylim
from ..viz.palette import INPUT_COLOR, PLAIN_COLOR, RESIDUAL_COLOR
from .widgets import Prediction

VARIANTS = (("plain", PLAIN_COLOR, "plain stack"), ("residual", RESIDUAL_COLOR, "residual stack"))


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


class InformationView:
    """three panels against the number of blocks: spread, linear refit error, distinct outputs.

    fed by measure.identity.information_by_depth. a plain stack's spread can reach exactly 0
    (every point rounded to one float32 value): a log axis cannot draw 0, so the view says
    in words from which block on that happens instead of leaving a silent gap.
    """

    PANELS = (("spread", "spread |y − ȳ| / |x − x̄|", True),
              ("refit_error", "linear refit error (0 = x recoverable)", True),
              ("distinct", "distinct outputs (of the inputs)", False))

    def __init__(self, axes):
        self.axes = list(axes)
        self.lines = {key: {} for key, _, _ in self.PANELS}
        self.cursor = []
        for ax, (key, label, log) in zip(self.axes, self.PANELS, strict=True):
            for name, color, text in VARIANTS:
                (self.lines[key][name],) = ax.plot([], [], "o-", ms=3, color=color, label=text)
            if log:
                ax.set_yscale("log")
            ax.set_xlabel("blocks in a row")
            ax.set_ylabel(label)
            ax.grid(True, which="both", alpha=0.3)
            self.cursor.append(ax.axvline(1, color="#777777", lw=0.8, ls=":"))
        self.zero_note = self.axes[0].text(0.02, 0.02, "", transform=self.axes[0].transAxes,
                                           fontsize="x-small", color=PLAIN_COLOR, va="bottom")
        self.axes[0].legend(loc="upper right", fontsize="x-small")

    def update(self, info: dict, shown: int, scale: float):
        """info from information_by_depth; `shown` marks the stack drawn in the clouds."""
        blocks = np.asarray(info["blocks"])
        for ax, (key, _, log) in zip(self.axes, self.PANELS, strict=True):
            values = [np.asarray(info[name][key], dtype=float) for name, _, _ in VARIANTS]
            for (name, _, _), v in zip(VARIANTS, values, strict=True):
                self.lines[key][name].set_data(blocks, positive(v) if log else v)
            ax.set_xlim(0.5, blocks[-1] + 0.5)
            if log:
                set_log_ylim(ax, *values)
            else:
                ax.set_ylim(0, 1.08 * max(float(v.max()) for v in values) + 1)
        for line in self.cursor:
            line.set_xdata([shown, shown])
        zeros = np.flatnonzero(np.asarray(info["plain"]["spread"]) == 0)
        self.zero_note.set_text(
            f"plain spread is exactly 0 from block {blocks[zeros[0]]} on:\n"
            "all points round to one float32 value\n(a log axis cannot draw 0)"
            if len(zeros) else "")
        self.axes[0].set_title(f"F scaled by s = {scale:.2f}", fontsize="medium")


ONE_BLOCK = ("destroyed: nothing can bring x back",
             "shrunk about 100×, but a linear map brings x back",
             "still almost x itself")
TEN_BLOCKS = ("all 300 still differ", "between 10 and 299", "fewer than 10: points merged")


def one_block_prediction(X, scale: float = 0.02, seed: int = 0, on_run=None) -> Prediction:
    """predict what one plain block with F scaled by `scale` leaves of the cloud X.

    the outcome is read off information_by_depth's numbers for that one block; `on_run`
    (optional) is called first, e.g. to move the lesson's sliders to the same setting.
    """
    numbers = {}

    def run():
        if on_run is not None:
            on_run()
        info = information_by_depth(X, 1, scale, "tanh", seed)["plain"]
        numbers.update(spread=float(info["spread"][0]), refit=float(info["refit_error"][0]))
        if numbers["refit"] > 0.5:
            return ONE_BLOCK[0]
        return ONE_BLOCK[2] if numbers["spread"] > 0.5 else ONE_BLOCK[1]

    def explain(choice, outcome):
        s, e = numbers["spread"], numbers["refit"]
        if outcome == ONE_BLOCK[0]:
            return (f"At s = {scale:g} one plain block leaves a cloud of spread {s:.2g}, and the "
                    f"best affine map from y back to x misses by {e:.2f} of x's size: y carries "
                    "almost nothing of x.")
        if outcome == ONE_BLOCK[2]:
            return (f"At s = {scale:g} the plain block keeps the cloud's size (spread {s:.2g}) and "
                    f"a linear map reads x back with error {e:.1e}.")
        text = (f"One plain block at s = {scale:g} shrinks the cloud to {s:.2g} of its size "
                f"({1 / s:.0f}× smaller), so its distance from the identity is about 1. But the "
                f"least-squares affine map from y back to x misses by only {e:.1e} of x's size: "
                "the spiral is all still there, only small. ")
        if choice == ONE_BLOCK[0]:
            text += ("'Distance 1' looked like 'gone', but a signal that is small is not a "
                     "signal that is lost. ")
        return text + "Shrinking is what the next blocks make fatal, below."

    return Prediction(f"Turn F down to s = {scale:g}. What does ONE plain block leave of the "
                      "spiral x?", ONE_BLOCK, run, explain)


def ten_blocks_prediction(X, scale: float = 0.02, depth: int = 10, seed: int = 0,
                          on_run=None) -> Prediction:
    """predict how many of the cloud's points a plain stack of `depth` blocks keeps apart."""
    numbers = {}

    def run():
        if on_run is not None:
            on_run()
        info = information_by_depth(X, depth, scale, "tanh", seed)
        numbers.update(info=info)
        left = int(info["plain"]["distinct"][-1])
        return TEN_BLOCKS[0] if left == len(X) else TEN_BLOCKS[1] if left >= 10 else TEN_BLOCKS[2]

    def explain(choice, outcome):
        info = numbers["info"]
        p, r = info["plain"], info["residual"]
        lost = np.flatnonzero(p["distinct"] < len(X))
        first = int(info["blocks"][lost[0]]) if len(lost) else None
        text = (f"After {depth} plain blocks the {len(X)} points land on "
                f"{int(p['distinct'][-1])} distinct output(s), and the linear refit error is "
                f"{p['refit_error'][-1]:.2f}. ")
        if first is not None:
            text += (f"Points start to merge at block {first}: each block shrinks the cloud about "
                     "100× again, while the bias keeps the outputs near a fixed offset. float32 "
                     "holds about 7 significant digits, so once the differences between points "
                     "fall below the rounding step of that offset, points become the same "
                     "number, and no method can tell them apart any more. ")
        text += (f"The residual stack keeps all {int(r['distinct'][-1])} points, with refit "
                 f"error {r['refit_error'][-1]:.1e}.")
        if choice == TEN_BLOCKS[0]:
            text += " In exact arithmetic you would be right; on a computer shrinking has a floor."
        return text

    return Prediction(f"Now {depth} plain blocks in a row at s = {scale:g}. How many of the "
                      f"{len(X)} input points still land on different outputs?",
                      TEN_BLOCKS, run, explain)
