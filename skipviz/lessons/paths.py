"""lesson 9: a residual net as an ensemble of 2^n paths (Veit et al. 2016), in two block
orderings: the lessons' block with layernorm (weight -> norm -> act, then + x) and He et al.
2016's pre-activation block (norm -> act -> weight, then + x)."""

from __future__ import annotations

import html

import numpy as np
import torch

from ..core.checks import check_choice, check_int
from ..core.models import MLP, PreActResidualBlock, make_mlp
from ..core.train import TrainResult, train
from ..measure.paths import PathGradients, path_length_distribution
from ..measure.probes import DeletionCurve
from ..viz.axes import positive, set_log_ylim
from ..viz.palette import CHANCE_COLOR, INPUT_COLOR, PREACT_COLOR, RESIDUAL_COLOR

ORDERS = ("original", "pre-activation")
NAMES = {"original": "weight → norm → act, + x", "pre-activation": "norm → act → weight, + x"}
COLORS = {"original": RESIDUAL_COLOR, "pre-activation": PREACT_COLOR}

PATH_LENGTHS = (
    "the longest path, through all the blocks: that is the deep net",
    "the most common length, half the blocks: more paths have it than any other",
    "short paths, under half the blocks",
    "long paths, between half and all of the blocks",
)


def make_paths_net(n: int, order: str, activation: str = "tanh", width: int = 32,
                   seed: int = 0) -> MLP:
    """a residual mlp of n blocks with layernorm, in one of ORDERS, from `seed`; the two
    orderings get the very same weights (only where the weight sits in the branch differs)."""
    n = check_int("n", n, 1, 64)
    check_choice("order", order, ORDERS)
    torch.manual_seed(seed)
    if order == "original":
        return make_mlp(n, width=width, skip=True, activation=activation, norm="layer")
    # make_mlp's draw order (stem, blocks, head): both orderings start from the same weights
    stem = torch.nn.Linear(2, width)
    blocks = [PreActResidualBlock(width, activation, norm="layer") for _ in range(n)]
    return MLP(stem, blocks, torch.nn.Linear(width, 2))


def train_orders(X, y, n: int, *, activation: str = "tanh", steps: int = 300,
                 lr: float = 1e-2, seed: int = 0, bar=None) -> dict[str, TrainResult]:
    """one net per ordering, same seed, same data, adam; `bar` (an IntProgress) counts steps."""
    steps = check_int("steps", steps, 1, 5000)
    if bar is not None:
        bar.max, bar.value = len(ORDERS) * steps, 0
    out = {}
    for i, order in enumerate(ORDERS):
        net = make_paths_net(n, order, activation, seed=seed)

        def tick(result, before=i * steps):
            if bar is not None:
                bar.value = before + result.steps_run

        out[order] = train(net, X, y, steps=steps, lr=lr, seed=seed, callback=tick,
                           callback_every=10)
    return out


def path_length_outcome(profile: PathGradients) -> str:
    """which PATH_LENGTHS answer came true: where the total gradient by length peaks."""
    n = len(profile.lengths) - 1
    peak = int(np.argmax(profile.total))
    if peak == n:
        return PATH_LENGTHS[0]
    if peak in (n // 2, (n + 1) // 2):
        return PATH_LENGTHS[1]
    if peak < n // 2:
        return PATH_LENGTHS[2]
    return PATH_LENGTHS[3]


def explain_path_lengths(choice: str, outcome: str, profile: PathGradients) -> str:
    """the peak and the effective range against the binomial, in the run's numbers, and what
    the learner's choice missed."""
    n = len(profile.lengths) - 1
    share = profile.total / profile.total.sum()
    peak = int(np.argmax(share))
    lo, hi = profile.effective
    # the geometric mean of the factor per branch, from length 0 to length n
    first, last = profile.per_path[0], profile.per_path[n]
    decay = (last / first) ** (1 / n) if n and first > 0 else float("nan")
    text = (f"Of the 2^{n} = {2 ** n} paths, {int(profile.counts[n // 2])} have length {n // 2} "
            f"and only 1 has length {n}. But a path loses gradient at every branch it goes "
            f"through: here one branch multiplies a path's gradient by about {decay:.2f} "
            f"(geometric mean over the {n} branches of the longest path, the per-path panel). "
            f"Count times size peaks at length {peak} ({share[peak]:.0%} of the total), and "
            f"lengths {lo} to {hi} carry 90 % of it")
    if outcome == PATH_LENGTHS[2]:
        text += (": the trained net gets its gradient from short paths, as Veit et al. found "
                 "for a 110-layer ResNet (effective paths 5 to 17 blocks of 54).")
    else:
        text += (". Veit et al. found short paths carrying the gradient in a 110-layer ResNet "
                 "(effective paths 5 to 17 blocks of 54); this run does not show that.")
    if choice != outcome and choice == PATH_LENGTHS[0]:
        text += (" The single longest path is the plain net hidden inside the residual one; "
                 f"it carries {100 * share[n]:.2g} % of the total.")
    elif choice != outcome and choice == PATH_LENGTHS[1] and peak < n // 2:
        text += (f" Length {n // 2} has the most paths, but each of them carries "
                 f"{profile.per_path[peak] / profile.per_path[n // 2]:.0f}× less than a path "
                 f"of length {peak}: beyond length {peak} the count grows more slowly than "
                 f"one path's gradient falls.")
    elif choice != outcome and choice == PATH_LENGTHS[3]:
        text += (f" All the paths longer than {n // 2} branches together carry "
                 f"{share[n // 2 + 1:].sum():.0%} of the total.")
    return html.escape(text, quote=False)


class PathsView:
    """four panels: the binomial share of paths by length, the gradient of one path by length
    (log), each length's share of the total gradient (veit's fig. 6), and the deletion curve."""

    def __init__(self, ax_count, ax_per_path, ax_total, ax_delete):
        self.axes = (ax_count, ax_per_path, ax_total, ax_delete)
        self.count = ax_count.bar([0], [0], color=INPUT_COLOR)
        self.per_path, self.total, self.delete, self.worst = {}, {}, {}, {}
        for order in ORDERS:
            color, label = COLORS[order], NAMES[order]
            (self.per_path[order],) = ax_per_path.plot([], [], "o-", ms=3, color=color,
                                                       label=label)
            (self.total[order],) = ax_total.plot([], [], "o-", ms=3, color=color, label=label)
            (self.delete[order],) = ax_delete.plot([], [], "o-", ms=3, color=color,
                                                   label=f"{label}: mean")
            (self.worst[order],) = ax_delete.plot([], [], ":", color=color)
        (self.binomial,) = ax_total.plot([], [], "--", color=INPUT_COLOR,
                                         label="share of paths (binomial)")
        ax_delete.axhline(0.5, ls=":", color=CHANCE_COLOR, label="chance")
        ax_delete.plot([], [], ":", color=CHANCE_COLOR, label="worst choice")
        titles = ("how many paths have length k", "gradient of ONE path of length k",
                  "share of the total gradient, by length", "k blocks deleted at test time")
        ylabels = ("share of the 2^n paths", "‖dL/dx_0‖ along the path (mean)",
                   "share of Σ_k C(n,k)·‖one path‖", "test accuracy")
        for ax, title, ylabel in zip(self.axes, titles, ylabels, strict=True):
            ax.set_title(title, fontsize="medium")
            ax.set_ylabel(ylabel)
            ax.set_xlabel("k (blocks deleted)" if ax is ax_delete else
                          "path length k (branches taken)")
            ax.grid(True, alpha=0.3)
        ax_per_path.set_yscale("log")
        ax_delete.set_ylim(0, 1.05)
        for ax in (ax_per_path, ax_total, ax_delete):
            ax.legend(loc="best", fontsize="x-small")

    def update(self, profiles: dict, curves: dict):
        """profiles: order -> PathGradients; curves: order -> DeletionCurve (same n)."""
        n = len(next(iter(profiles.values())).lengths) - 1
        ks = np.arange(n + 1)
        ax_count, ax_per_path, ax_total, ax_delete = self.axes
        # bars cannot change in number in place: the count panel is rebuilt, the rest is not
        self.count.remove()
        self.count = ax_count.bar(ks, path_length_distribution(n), color=INPUT_COLOR)
        for order in ORDERS:
            p, c = profiles[order], curves[order]
            self.per_path[order].set_data(ks, positive(p.per_path))
            self.total[order].set_data(ks, p.total / p.total.sum())
            self.delete[order].set_data(c.deleted, c.mean)
            self.worst[order].set_data(c.deleted, c.low)
        self.binomial.set_data(ks, path_length_distribution(n))
        shares = [p.total / p.total.sum() for p in profiles.values()]
        for ax in self.axes:
            ax.set_xlim(-0.5, n + 0.5)
        ax_count.set_ylim(0, path_length_distribution(n).max() * 1.15)
        ax_total.set_ylim(0, max(max(s.max() for s in shares),
                                 path_length_distribution(n).max()) * 1.15)
        set_log_ylim(ax_per_path, *(p.per_path for p in profiles.values()))


def deletion_summary(curves: dict[str, DeletionCurve]) -> str:
    """one line per ordering: accuracy intact and with 1, 2, 3 blocks deleted."""
    rows = []
    for order, c in curves.items():
        steps = " → ".join(f"{m:.1%}".replace("%", " %") for m in c.mean[:4])
        rows.append(f"{NAMES[order]}: {steps}")
    return "; ".join(rows)
