"""lesson 4: loss-landscape slices, gradients along a line, bars of smoothness metrics."""

from __future__ import annotations

import math

import numpy as np
import torch

from ..core.compare import compare
from ..core.models import make_mlp
from ..core.scales import INIT_REFERENCES, gain_for_init_scale, init_scale_for_gain
from ..measure.smoothness import (
    compare_smoothness,
    gradient_along_line,
    input_line,
    saturation_by_block,
)
from ..viz.palette import CHANCE_COLOR, PLAIN_COLOR, RESIDUAL_COLOR
from .widgets import Prediction


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
    """1-d loss slices of two nets on ONE loss axis, with the chance loss ln 2 marked.

    no rescaling: a plateau stays a flat line, a valley a valley, so the eye compares like with
    like (a curve stretched to fill [0, 1] turns the ripples of a plateau into mountains).
    """

    def __init__(self, ax):
        self.ax = ax
        self.lines = {key: ax.plot([], [], color=color, lw=1.5)[0]
                      for key, color in (("plain", PLAIN_COLOR), ("residual", RESIDUAL_COLOR))}
        ax.axvline(0.0, color="#777777", lw=0.8, ls=":")
        ax.axhline(math.log(2), color=CHANCE_COLOR, lw=0.8, ls="--", label="ln 2: guessing")
        ax.set_xlabel("a: step along the direction (0 = trained weights)")
        ax.set_ylabel("cross-entropy loss (one scale for both)")
        ax.set_title("1-d loss slice")
        ax.grid(True, alpha=0.3)

    def update(self, coords, curves: dict, scores: dict):
        """curves and scores: 'plain'/'residual' -> the slice's losses and its wiggle."""
        top = 0.0
        for key, line in self.lines.items():
            c = np.asarray(curves[key], dtype=float)
            line.set_data(coords, c)
            line.set_label(f"{key}: loss {c.min():.3g} to {c.max():.3g}, wiggle {scores[key]:.2f}")
            top = max(top, float(np.nanmax(c)))
        self.ax.set_xlim(coords[0], coords[-1])
        self.ax.set_ylim(0.0, 1.05 * max(top, math.log(2)))
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


# the named initial scales of the shattered-gradients panel, as per-block stretch g
# (make_mlp's init_scale = sqrt(3) g), read off core.scales' one table of references
INIT_GAINS = {
    "pytorch default (g = 0.577)": gain_for_init_scale(INIT_REFERENCES["pytorch default"]),
    "critical for tanh (g = 1)": gain_for_init_scale(INIT_REFERENCES["critical (Xavier)"]),
    "He for relu (g = √2)": gain_for_init_scale(INIT_REFERENCES["Kaiming (He) for relu"]),
}
BUMPIER = ("the plain net's", "the residual net's", "about the same (within 0.05)")


def bumpier(numbers: dict) -> str:
    """which of BUMPIER the mean 1-d wiggle (3 directions) says."""
    w = numbers["wiggle 1-d"]
    if abs(w["plain"] - w["residual"]) <= 0.05:
        return BUMPIER[2]
    return BUMPIER[0] if w["plain"] > w["residual"] else BUMPIER[1]


def pair_smoothness(X, y, depth: int, *, steps: int = 300, lr: float = 1e-2, seed: int = 0,
                    **slices) -> dict:
    """train plain and residual (tanh, pytorch default init, adam) and compare_smoothness them."""
    results = compare(X, y, depth=depth, steps=steps, lr=lr, seed=seed)
    return {"results": results, **compare_smoothness(results, X, y, **slices)}


def smoothness_prediction(depth: int, measure) -> Prediction:
    """predict which trained net's loss slices are bumpier at `depth`.

    measure(depth) runs the pair (e.g. by moving the lesson's depth slider) and returns
    compare_smoothness's "numbers"; the outcome and the words come from those numbers.
    """
    numbers = {}

    def run():
        numbers.clear()
        numbers.update(measure(depth))
        return bumpier(numbers)

    def explain(choice, outcome):
        loss, w1, w2 = numbers["final loss"], numbers["wiggle 1-d"], numbers["wiggle 2-d"]
        both = all(numbers["trained"].values())
        text = (f"Final loss: plain {loss['plain']:.3f}, residual {loss['residual']:.3f}. "
                f"1-d wiggle (3 directions): plain {w1['plain']:.2f}, residual "
                f"{w1['residual']:.2f}; 2-d wiggle: plain {w2['plain']:.2f}, residual "
                f"{w2['residual']:.2f}. ")
        if not both:
            text += ("But the two nets are not comparable: "
                     + " and ".join(f"the {k} net did not train (final loss {loss[k]:.3f}, "
                                    f"above ln 2 / 2; guessing scores ln 2 = 0.693)"
                                    for k, ok in numbers["trained"].items() if not ok)
                     + ". Its slice is a plateau with small ripples; the other is a valley. "
                     "That compares a net that failed with one that worked, not two landscapes.")
        else:
            text += ("Both nets trained, so this comparison is fair: on this task, at this depth, "
                     "the 1-d slices are equally clean valleys. Any smoothness advantage here is "
                     "small next to the one question the shortcut settles: whether the deeper net "
                     "trains at all.")
        return text

    return Prediction(f"Depth {depth}: plain and residual nets trained for 300 Adam steps from the "
                      "same start on the spirals. Which net's loss slices around its final "
                      "weights are bumpier?", BUMPIER, run, explain)


CORRELATED = ("the plain net's", "the residual net's", "both stay above 0.9")


def shattering_prediction(depth: int = 100, activation: str = "tanh",
                          gain: float = math.sqrt(2.0), seed: int = 0, on_run=None
                          ) -> Prediction:
    """predict which untrained net keeps neighbouring input gradients correlated."""
    numbers = {}

    def run():
        if on_run is not None:
            on_run()
        out = gradient_along_line(depth, activation=activation, gain=gain, seed=seed)
        numbers.update(corr=out["correlation"], saturation={})
        for name, skip in (("plain", 0.0), ("residual", 1.0)):
            torch.manual_seed(seed)
            net = make_mlp(depth, 32, skip, activation, init_scale_for_gain(gain))
            numbers["saturation"][name] = float(saturation_by_block(net, input_line())[-1])
        c = numbers["corr"]
        if min(c.values()) > 0.9:
            return CORRELATED[2]
        return CORRELATED[0] if c["plain"] > c["residual"] else CORRELATED[1]

    def explain(choice, outcome):
        c, sat = numbers["corr"], numbers["saturation"]
        text = (f"Neighbour correlation at depth {depth} ({activation}, g = {gain:.3g}): plain "
                f"{c['plain']:.3f}, residual {c['residual']:.3f}. In the last block "
                f"{sat['residual']:.0%} of the residual net's pre-activations are beyond ±2, "
                f"against {sat['plain']:.0%} in the plain net. ")
        if activation == "tanh":
            text += ("The residual stream x grows block by block (each block adds its F(x) on "
                     "top, lesson 2's √(1 + g²)), so the pre-activations W x grow too, and tanh "
                     "saturates: it acts like a sign function, flat almost everywhere and steep "
                     "where its input crosses 0. The input gradient then is a sum of spikes, "
                     "different from point to point. relu has no such edge (relu(c u) = c "
                     "relu(u)), so growth does not shatter it: Balduzzi et al.'s result is for "
                     "relu, and for tanh it can reverse.")
        return text

    return Prediction(f"Untrained nets, {activation}, g = {gain:.3g}, depth {depth}. Whose "
                      "input gradients stay correlated from one input to its neighbour?",
                      CORRELATED, run, explain)
