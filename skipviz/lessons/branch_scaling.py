"""lesson 08, 初始化 initialisation and 残差分支缩放 branch scaling.

a residual stack adds every block's branch to the signal, so the signal's variance grows with
depth. the four ways make_mlp scales the branch (BRANCHES) side by side at step 0
(BranchLesson), the same nets trained with sgd (train_branches, BranchTrainView), and the
lesson's two predictions.
"""

from __future__ import annotations

import html
import math

import numpy as np
import torch

from ..core.compare import compare
from ..core.models import BRANCHES, make_mlp
from ..core.scales import init_scale_for_gain
from ..core.train import TrainResult
from ..measure.growth_terms import GrowthTerms, growth_terms
from ..measure.signal_scale import SignalScale, signal_scale
from ..viz.axes import positive, set_log_ylim
from ..viz.palette import RESIDUAL_COLOR
from .widgets import Prediction, controls_with_tips, guarded, live_figure

BRANCH_LABELS = {
    "standard": "standard: s = 1",
    "scaled": "scaled: s = 1/√L",
    "rezero": "ReZero: s learnt from 0",
    "fixup": "Fixup-style: W = 0 at start",
}
# every variant is a residual net (one colour); line style and marker tell them apart
BRANCH_STYLES = {"standard": ("-", ""), "scaled": ("--", "o"), "rezero": (":", "s"),
                 "fixup": ("-.", "^")}
# the gain at which a plain net's signal keeps its size (the critical init): he init for relu
# (He et al. 2015, "Delving deep into rectifiers"), gain 1 (xavier/lecun) for tanh
CRITICAL_GAIN = {"relu": math.sqrt(2.0), "tanh": 1.0}
INITS = ("PyTorch default", "critical")


def init_scale_of(init: str, activation: str) -> float:
    """make_mlp's init_scale for a named reference: pytorch's default (1) or the critical gain."""
    if init not in INITS:
        raise ValueError(f"init must be one of {', '.join(map(repr, INITS))}, got {init!r}")
    if init == "critical":
        return init_scale_for_gain(CRITICAL_GAIN[activation])
    return 1.0


def branch_signals(X, y, *, depth: int, activation: str = "relu", init_scale: float = 1.0,
                   seed: int = 0, branches=tuple(BRANCHES)) -> dict[str, SignalScale]:
    """step 0 of the residual net (alpha = 1, no norm) for every branch, from one seed."""
    out = {}
    for branch in branches:
        torch.manual_seed(seed)
        net = make_mlp(depth, activation=activation, init_scale=init_scale, branch=branch)
        out[branch] = signal_scale(net, X, y)
    return out


def branch_growth_terms(X, *, depth: int, activation: str = "relu", init_scale: float = 1.0,
                        seed: int = 0) -> GrowthTerms:
    """the standard net's (s = 1) variance growth at step 0, split into its two terms."""
    torch.manual_seed(seed)
    return growth_terms(make_mlp(depth, activation=activation, init_scale=init_scale), X)


def signals_html(signals: dict[str, SignalScale]) -> str:
    """one row per branch: how much the variance grew, and the step-0 gradient ratio."""
    rows = ["<tr><th>branch</th><th>variance: block L's output / block 1's input</th>"
            "<th>‖dL/dx_1‖ / ‖dL/dx_L‖</th></tr>"]
    for branch, s in signals.items():
        rows.append(f"<tr><td>{html.escape(BRANCH_LABELS[branch])}</td><td>{s.growth:.3g}</td>"
                    f"<td>{s.gradient_ratio:.3g} ({s.verdict})</td></tr>")
    return "<table>" + "".join(rows) + "</table>"


class BranchLesson:
    """live: variance and gradient per block at step 0 for every branch; recomputed on change."""

    def __init__(self, X, y, *, depth: int = 50, activation: str = "relu",
                 init: str = "PyTorch default", seed: int = 0):
        import ipywidgets as W

        self.X, self.y, self.seed = X, y, seed
        self.activation = W.Dropdown(options=["relu", "tanh"], value=activation,
                                     description="activation")
        self.depth = W.IntSlider(value=depth, min=2, max=100, description="depth",
                                 continuous_update=False)
        self.init = W.Dropdown(options=list(INITS), value=init, description="init")
        self.status, self.table = W.HTML(), W.HTML()
        self.fig, (ax_var, ax_grad) = live_figure(1, 2, figsize=(10.5, 3.8))
        self.var_lines = self._lines(ax_var, "Var(x_l) over the batch, at step 0",
                                     "variance of block l's input")
        self.grad_lines = self._lines(ax_grad, "‖dL/dx_l‖ at step 0", "gradient norm")
        self.signals: dict[str, SignalScale] = {}
        self.safe_update = guarded(self.update, self.status)
        for control in (self.activation, self.depth, self.init):
            control.observe(lambda _: self.safe_update(), names="value")
        tips = {
            self.init: "try: critical. The plain net's cure makes the residual net far worse.",
            self.depth: "try: 10 and 100. Which lines move with depth, which stay flat?",
            self.activation: "try: tanh. Its branch is centred on 0, relu's never is negative.",
        }
        self.widget = W.VBox([controls_with_tips(tips, self.status), self.fig.canvas,
                              self.table])

    @staticmethod
    def _lines(ax, title: str, ylabel: str) -> dict:
        lines = {}
        for branch, (style, marker) in BRANCH_STYLES.items():
            lines[branch] = ax.plot([], [], style, marker=marker, ms=3, markevery=5,
                                    color=RESIDUAL_COLOR, label=BRANCH_LABELS[branch])[0]
        ax.set_yscale("log")
        ax.set_title(title)
        ax.set_xlabel("block l (1 = next to the input)")
        ax.set_ylabel(ylabel)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(loc="best", fontsize="small")
        return lines

    def update(self) -> dict[str, SignalScale]:
        scale = init_scale_of(self.init.value, self.activation.value)
        self.signals = branch_signals(self.X, self.y, depth=self.depth.value,
                                      activation=self.activation.value, init_scale=scale,
                                      seed=self.seed)
        for branch, s in self.signals.items():
            self.var_lines[branch].set_data(np.arange(1, len(s.variance) + 1),
                                            positive(s.variance))
            self.grad_lines[branch].set_data(np.arange(1, len(s.grad_norms) + 1),
                                             positive(s.grad_norms))
        for lines, key in ((self.var_lines, "variance"), (self.grad_lines, "grad_norms")):
            ax = next(iter(lines.values())).axes
            ax.set_xlim(0.5, self.depth.value + 1.5)
            set_log_ylim(ax, *(getattr(s, key) for s in self.signals.values()))
        self.fig.canvas.draw_idle()
        self.table.value = (f"<b>init scale {scale:.3g}</b> (× PyTorch's default nn.Linear "
                            f"init)" + signals_html(self.signals))
        return self.signals


def train_branches(X, y, *, depth: int = 50, activation: str = "relu", steps: int = 60,
                   lr: float = 1e-2, optimizer: str = "sgd", seed: int = 0,
                   progress=None) -> dict[str, TrainResult]:
    """the residual net with every branch, trained from one seed (`progress`: a tqdm bar)."""
    results = {}
    for branch in BRANCHES:
        (results[branch],) = compare(X, y, depth=depth, skips=(1.0,), activation=activation,
                                     branch=branch, steps=steps, lr=lr, optimizer=optimizer,
                                     seed=seed)
        if progress is not None:
            progress.update(1)
    return results


class BranchTrainView:
    """the training loss of every branch on one log axis; a diverged run says where it stopped."""

    def __init__(self, title: str):
        self.fig, self.ax = live_figure(figsize=(6.5, 3.4))
        self.lines = self._lines()
        self.ax.set_yscale("log")
        self.ax.set_title(title)
        self.ax.set_xlabel("step")
        self.ax.set_ylabel("cross-entropy")
        self.ax.grid(True, which="both", alpha=0.3)

    def _lines(self) -> dict:
        return {b: self.ax.plot([], [], s, marker=m, ms=4, markevery=10, color=RESIDUAL_COLOR,
                                label=BRANCH_LABELS[b])[0]
                for b, (s, m) in BRANCH_STYLES.items()}

    def update(self, results: dict[str, TrainResult]):
        for branch, r in results.items():
            label = BRANCH_LABELS[branch]
            if r.diverged:
                label += f" (diverged at step {r.diverged_at})"
            line = self.lines[branch]
            line.set_data(np.arange(r.steps_run), positive(r.losses))
            line.set_label(label)
            if r.steps_run <= 2:
                line.set_marker(BRANCH_STYLES[branch][1] or "o")
                line.set_markevery(1)
        self.ax.set_xlim(-1, max(r.steps_run for r in results.values()))
        set_log_ylim(self.ax, *(r.losses for r in results.values()))
        self.ax.legend(loc="best", fontsize="small")
        self.fig.canvas.draw_idle()


# prediction 1: the unscaled residual relu net's forward variance at step 0
UNDER_10 = "it stays within 10× of the first block's"
UP_TO_1E4 = "it grows 10× to 10,000×"
OVER_1E4 = "it grows more than 10,000×"


def growth_prediction(lesson: BranchLesson) -> Prediction:
    """how much does Var(x_l) grow over 50 standard relu residual blocks? then draw them."""

    def run():
        lesson.activation.value, lesson.depth.value, lesson.init.value = (
            "relu", 50, "PyTorch default")
        growth = lesson.update()["standard"].growth
        return UNDER_10 if growth < 10 else UP_TO_1E4 if growth <= 1e4 else OVER_1E4

    def explain(choice, outcome):
        s = lesson.signals
        return html.escape(
            f"The variance at block 50's output is {s['standard'].growth:.2g}× that at block 1's "
            f"input for the standard branch, and "
            f"block 1's gradient is {s['standard'].gradient_ratio:.2g}× block 50's. Each block "
            f"adds its branch to what it got, and a relu branch is never negative, so the "
            f"additions pile up instead of cancelling. Scaled by 1/√L the growth is "
            f"{s['scaled'].growth:.2g}. ReZero's branch starts at 0, and the Fixup-style branch "
            f"as a constant (relu of its bias) that shifts every input alike, so neither changes "
            f"the variance yet: {s['rezero'].growth:.2g} and {s['fixup'].growth:.2g}.",
            quote=False)

    return Prediction("a residual relu net of 50 blocks, PyTorch's default init, no norm: the "
                      "variance of x over the batch at the last block, against the first block's "
                      "input:", [UNDER_10, UP_TO_1E4, OVER_1E4], run, explain)


# prediction 2: sgd on the unscaled net
DIVERGES = "it diverges (the loss becomes inf or NaN)"
SLOWER = "it trains, only slower than the scaled nets"
SAME = "it trains as well as the scaled nets"


def sgd_prediction(results: dict, run_all) -> Prediction:
    """train the four nets with sgd (run_all fills `results`); what does the unscaled one do?"""

    def run():
        results.update(run_all())
        r = results["standard"]
        if r.diverged:
            return DIVERGES
        fixes = [results[b].final_loss for b in ("scaled", "rezero", "fixup")]
        return SLOWER if r.final_loss > min(fixes) else SAME

    def explain(choice, outcome):
        r = results["standard"]
        first = f"its first loss is {r.losses[0]:.3g}" if r.steps_run else "it has no loss"
        end = ", ".join(f"{BRANCH_LABELS[b].split(':')[0]} {results[b].final_loss:.3f}"
                        for b in ("scaled", "rezero", "fixup"))
        state = (f"diverged at step {r.diverged_at}" if r.diverged
                 else f"ended at loss {r.final_loss:.3f}")
        return html.escape(
            f"The standard net {state}: {first}, because its logits are as large as its "
            f"activations, and sgd's step is proportional to a gradient that is already "
            f"{r.grad_norms[0][0] / r.grad_norms[0][-1]:.2g}× larger at block 1 than at block "
            f"50. After {max(x.steps_run for x in results.values())} steps: {end}.",
            quote=False)

    return Prediction("the same four residual relu nets, trained with SGD (momentum 0.9, "
                      "learning rate 0.01). The standard one (s = 1) ...",
                      [DIVERGES, SLOWER, SAME], run, explain)
