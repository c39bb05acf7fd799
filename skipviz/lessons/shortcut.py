"""lesson 5: signal through depth (forward and backward), and a trained net with blocks deleted
at test time (Veit et al. 2016): one block at a time, then 1, 2, 3 ... at once."""

from __future__ import annotations

import html

import numpy as np

from ..core.compare import variant_label
from ..measure.probes import DeletionCurve
from ..viz.artists import DecisionMap
from ..viz.axes import positive, set_log_ylim
from ..viz.palette import CHANCE_COLOR, variant_color

VARIANTS = (0.0, 1.0)

# the answers of the lesson's two predictions; the outcome is read off the measured numbers
ONE_BLOCK = (
    "both nets stay above 95 %",
    "the residual net stays above 95 %, the plain net falls below 75 %",
    "both nets fall below 75 %",
    "something in between",
)
MANY_BLOCKS = (
    "it holds near its intact accuracy until half the blocks are gone, then falls off a cliff",
    "it falls smoothly: every extra deleted block costs a few points (under 6)",
    "it drops to chance (below 60 %) by 3 deleted blocks",
    "something else",
)


def accuracy_change(before: float, after: float) -> str:
    """'99.8 % → 64.7 % (−35.1 points)', with 'no change' where it rounds to 0.0 points."""
    points = 100 * (after - before)
    if abs(points) < 0.05:
        change = "no change"
    else:
        change = f"{'+' if points > 0 else '−'}{abs(points):.1f} points"
    return f"{before:.1%} → {after:.1%} ({change})".replace("%", " %")


def one_block_outcome(mean_after: dict) -> str:
    """which ONE_BLOCK answer came true; mean_after: alpha -> mean accuracy, one block deleted."""
    plain, residual = mean_after[0.0], mean_after[1.0]
    if plain > 0.95 and residual > 0.95:
        return ONE_BLOCK[0]
    if residual > 0.95 and plain < 0.75:
        return ONE_BLOCK[1]
    if plain < 0.75 and residual < 0.75:
        return ONE_BLOCK[2]
    return ONE_BLOCK[3]


def many_blocks_outcome(curve: DeletionCurve) -> str:
    """which MANY_BLOCKS answer came true for the residual net's deletion curve."""
    n = len(curve.mean) - 1
    half = n // 2
    steps = -np.diff(curve.mean[:half + 1])  # the cost of each extra block up to half
    if n >= 3 and curve.mean[3] < 0.6:
        return MANY_BLOCKS[2]
    if curve.mean[0] - curve.mean[half] < 0.02 and curve.mean[half] - curve.mean[-1] > 0.2:
        return MANY_BLOCKS[0]
    if len(steps) and steps.max() < 0.06 and curve.mean[0] - curve.mean[half] >= 0.02:
        return MANY_BLOCKS[1]
    return MANY_BLOCKS[3]


def explain_one_block(choice: str, outcome: str, mean_after: dict, intact: dict) -> str:
    """why deleting one block sinks one net and not the other, in the run's own numbers, and
    what the learner's choice missed."""
    p, r = mean_after[0.0], mean_after[1.0]
    text = (f"Over the 8 choices of block, deleting one took the plain net "
            f"{accuracy_change(intact[0.0], p)} on average and the residual net "
            f"{accuracy_change(intact[1.0], r)}. ")
    if r > p:
        text += ("In the plain net every block's output is the next block's only input: take "
                 "one out and the next block receives numbers in a coordinate system it was "
                 "never trained on. In the residual net each block only adds a correction F(x) "
                 "to a signal that also flows around it, so the next block still receives most "
                 "of what it expects.")
    else:
        text += ("Here the residual net lost at least as much as the plain one: its blocks' "
                 "corrections are not small for this run.")
    if choice != outcome:
        if choice == ONE_BLOCK[0] and p <= 0.95:
            text += " Training both to the same accuracy did not make them equally robust."
        elif choice == ONE_BLOCK[2] and r >= 0.75:
            text += (" The residual net did not break: a deleted block removes only the paths "
                     "through it, and half of the 2^8 paths never touch any given block.")
        elif choice == ONE_BLOCK[3] and outcome == ONE_BLOCK[1]:
            text += (" The two nets did not meet in the middle: the residual net's mean is "
                     "above 95 % and the plain net's below 75 %.")
    return html.escape(text, quote=False)


def explain_many_blocks(choice: str, outcome: str, curve: DeletionCurve) -> str:
    """the residual deletion curve against the ensemble picture, and the learner's choice."""
    means = ", ".join(f"{m:.1%}".replace("%", " %") for m in curve.mean[1:5])
    text = (f"Mean test accuracy with 1, 2, 3, 4 blocks deleted (over every choice of blocks): "
            f"{means}. Veit et al. read a residual net of n blocks as 2^n paths of different "
            f"lengths; deleting k blocks removes the paths through them and leaves "
            f"2^(n−k) working ones")
    text += (", so the ensemble degrades gradually instead of breaking."
             if outcome == MANY_BLOCKS[1] else "; in this run the curve does not fall "
             "smoothly, so that picture is not the whole story here.")
    if choice != outcome:
        if choice == MANY_BLOCKS[0]:
            text += (" There is no cliff: no single block is load-bearing, and every one that "
                     "goes takes a little more away.")
        elif choice == MANY_BLOCKS[2] and len(curve.mean) > 3 and curve.mean[3] >= 0.6:
            text += (f" It stays far from chance: with 3 blocks gone it still scores "
                     f"{curve.mean[3]:.1%}".replace("%", " %") + ", because the paths that "
                     "avoid the deleted blocks still do the work.")
    return html.escape(text, quote=False)


class SignalView:
    """forward spread of x_l and backward ||dL/dx_l|| against layer l, plain and residual."""

    def __init__(self, ax_forward, ax_backward):
        self.axes = (ax_forward, ax_backward)
        self.lines = {}
        titles = ("forward →  does x_l still tell inputs apart?",
                  "←  backward: how much gradient reaches x_l?")
        ylabels = ("spread of x_l across inputs (std)", "‖dL/dx_l‖")
        for i, ax in enumerate(self.axes):
            for alpha in VARIANTS:
                (self.lines[i, alpha],) = ax.plot([], [], "o-", ms=3, color=variant_color(alpha),
                                                  label=variant_label(alpha))
            ax.set_yscale("log")
            ax.set_xlabel("layer l (0 = after the stem, input side)")
            ax.set_ylabel(ylabels[i])
            ax.set_title(titles[i])
            ax.legend(loc="best", fontsize="small")
            ax.grid(True, which="both", alpha=0.3)

    def update(self, signals: dict):
        """signals: alpha -> (forward, backward), each of shape (depth + 1,)."""
        for i, ax in enumerate(self.axes):
            shown = []
            for alpha in VARIANTS:
                values = signals[alpha][i]
                self.lines[i, alpha].set_data(np.arange(len(values)), positive(values))
                shown.append(values)
            ax.set_xlim(-0.5, max(len(v) for v in shown) - 0.5)
            set_log_ylim(ax, *shown)


class DeletionView:
    """three panels: accuracy with each single block deleted (bars), accuracy against the number
    of blocks deleted (mean, worst and best choice), and the two nets' decisions with the
    blocks the learner picked deleted."""

    def __init__(self, ax_bars, ax_curve, ax_maps, X, y, depth: int):
        self.depth = depth
        blocks = np.arange(1, depth + 1)
        self.bars = {}
        for alpha, shift in zip(VARIANTS, (-0.2, 0.2), strict=True):
            self.bars[alpha] = ax_bars.bar(blocks + shift, np.zeros(depth), width=0.4,
                                           color=variant_color(alpha), label=variant_label(alpha))
        self.intact = {alpha: ax_bars.axhline(1.0, ls="--", lw=1.2, color=variant_color(alpha))
                       for alpha in VARIANTS}
        for ax in (ax_bars, ax_curve):
            ax.axhline(0.5, ls=":", color=CHANCE_COLOR, label="chance (50 %)")
            # headroom above 100 % for the legend, so no mark hides under it
            ax.set_ylim(0, 1.3)
            ax.set_yticks(np.linspace(0, 1, 6))
            ax.grid(True, axis="y", alpha=0.3)
        ax_bars.plot([], [], ls="--", color=CHANCE_COLOR, label="intact net")
        ax_bars.set_xticks(blocks)
        ax_bars.set_xlim(0.4, depth + 0.6)
        ax_bars.set_xlabel("deleted block (1 = nearest the input)")
        ax_bars.set_ylabel("test accuracy")
        ax_bars.set_title("one block deleted, each in turn (dashed: intact)")
        ax_bars.legend(loc="upper center", ncol=2, fontsize="x-small")
        self.curve, self.worst, self.picked = {}, {}, {}
        ks = np.arange(depth + 1)
        for alpha in VARIANTS:
            color = variant_color(alpha)
            (self.curve[alpha],) = ax_curve.plot(ks, np.zeros(depth + 1), "o-", ms=4, color=color,
                                                 label=f"{variant_label(alpha)}: mean")
            (self.worst[alpha],) = ax_curve.plot(ks, np.zeros(depth + 1), ":", color=color,
                                                 label="worst and best choice")
            (self.picked[alpha],) = ax_curve.plot([], [], "*", ms=14, color=color,
                                                  markeredgecolor="#000000")
        ax_curve.set_xticks(ks)
        ax_curve.set_xlim(-0.3, depth + 0.3)
        ax_curve.set_xlabel("number of blocks deleted at test time")
        ax_curve.set_ylabel("test accuracy")
        ax_curve.set_title("k blocks deleted, every choice of k (★: your choice)")
        ax_curve.legend(loc="upper right", ncol=2, fontsize="x-small")
        self.maps = {alpha: DecisionMap(ax, X, y) for ax, alpha in zip(ax_maps, VARIANTS,
                                                                        strict=True)}

    def show_curves(self, single: dict, intact: dict, curves: dict):
        """single: alpha -> (depth,) accuracy with block k alone deleted; curves: alpha ->
        DeletionCurve. these are computed once per trained pair."""
        for alpha in VARIANTS:
            for bar, height in zip(self.bars[alpha], single[alpha], strict=True):
                bar.set_height(height)
            self.intact[alpha].set_ydata([intact[alpha]] * 2)
            c = curves[alpha]
            ks = np.concatenate([c.deleted, c.deleted[::-1]])
            self.curve[alpha].set_data(c.deleted, c.mean)
            # one dotted line runs out along the worst choices and back along the best
            self.worst[alpha].set_data(ks, np.concatenate([c.low, c.high[::-1]]))

    def show_choice(self, deleted, accuracies: dict, grids: dict):
        """deleted: the picked blocks (0-based); accuracies: alpha -> accuracy of that net;
        grids: alpha -> p(class 1) on its decision grid."""
        names = ", ".join(str(i + 1) for i in sorted(deleted)) or "none"
        for alpha in VARIANTS:
            self.picked[alpha].set_data([len(deleted)], [accuracies[alpha]])
            self.maps[alpha].update(grids[alpha])
            self.maps[alpha].ax.set_title(f"{variant_label(alpha)}, blocks deleted: {names}\n"
                                          f"test accuracy {accuracies[alpha]:.1%}",
                                          color=variant_color(alpha), fontsize="small")
