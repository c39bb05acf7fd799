"""lesson 3: a plain and a skip net trained side by side, what the optimiser and the initial
scale change about it, and the depth sweep (the degradation problem).

the figures are built once and updated in place; the sentences under them are computed from
the runs' own numbers; `torch_run` is the independent check: a plain pytorch loop.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F

from ..core.compare import compare, variant_label
from ..core.models import make_mlp
from ..core.scales import CRITICAL, INIT_REFERENCES, describe_init_scale
from ..measure.boundary import decision_grid
from ..measure.degradation import depth_sweep, parse_depths
from ..measure.summary import describe_run
from ..measure.verdict import gradient_orders, verdict
from ..viz.artists import DecisionMap, PairLines
from ..viz.axes import positive, set_log_ylim
from ..viz.palette import variant_color
from .widgets import guarded, note

# the settings of every run in the lesson: one place, so words and numbers cannot drift apart
LR, STEPS, SEED = 1e-2, 150, 0

# the scenario menu: each a set of slider values, its init scale named against a reference
SCENARIOS = {
    "vanishing: tanh, pytorch default init": dict(depth=30, init_scale=1.0, activation="tanh"),
    "healthy gradients: tanh, critical init": dict(depth=30, init_scale=CRITICAL,
                                                   activation="tanh"),
    "vanishing: sigmoid": dict(depth=30, init_scale=1.0, activation="sigmoid"),
    "exploding: tanh, weights ×6": dict(depth=50, init_scale=6.0, activation="tanh"),
    "huge: relu, weights ×6": dict(depth=60, init_scale=6.0, activation="relu"),
}


class BoundaryView:
    """viz DecisionMap fed from a trained net (or left blank for a diverged one), with a title."""

    def __init__(self, ax, X, y, n: int = 60):
        self.ax, self.X, self.n = ax, X, n
        self.map = DecisionMap(ax, X, y, n=n)

    def update(self, net, title: str):
        self.map.update(None if net is None else decision_grid(net, self.X, self.n)[2])
        self.ax.set_title(title, fontsize="medium")


class ExperimentView:
    """lesson 3's six panels: per-layer gradients (x, W) and update size, loss, boundaries."""

    def __init__(self, axes, X, y):
        ax = axes.ravel()
        self.grad_x = PairLines(ax[0], "‖dL/dx_l‖ per layer", "layer l (input → output)",
                                "‖dL/dx_l‖", style="o-", markersize=3)
        self.grad_w = PairLines(ax[1], "‖dL/dW_l‖ per layer", "layer l (input → output)",
                                "‖dL/dW_l‖", style="o-", markersize=3)
        self.moved = PairLines(ax[2], "how far W_l moved", "layer l (input → output)",
                               "‖W_l − W_l(0)‖ / ‖W_l(0)‖", style="o-", markersize=3)
        self.loss = PairLines(ax[3], "training loss", "step", "cross-entropy loss")
        self.maps = [BoundaryView(ax[4], X, y), BoundaryView(ax[5], X, y)]
        self.cursor = ax[3].axvline(0, color="#777777", lw=0.8, ls=":")
        # a log axis cannot draw an exact 0: say so on the panel instead of leaving a gap
        self.zeros = [a.text(0.02, 0.02, "", transform=a.transAxes, fontsize="x-small",
                             color="#555555", va="bottom") for a in (ax[0], ax[1], ax[2])]

    def update(self, results: list, step: int):
        """results from compare(); `step` picks the row of the per-layer panels."""
        def at_step(rows):
            # a diverged run has fewer rows: show its last one
            return np.arange(1, rows.shape[1] + 1), rows[min(step, len(rows) - 1)]

        panels = ((self.grad_x, "grad_norms"), (self.grad_w, "weight_grad_norms"),
                  (self.moved, "weight_moved"))
        for (panel, field), text in zip(panels, self.zeros, strict=True):
            panel.update([(r.alpha, *at_step(getattr(r, field))) for r in results])
            text.set_text("\n".join(filter(None, (zero_note(r, step, field) for r in results))))
        self.loss.update([(r.alpha, np.arange(r.steps_run), r.losses) for r in results])
        self.cursor.set_xdata([step, step])
        self.grad_x.ax.set_title(f"‖dL/dx_l‖ per layer at step {step}")
        self.grad_w.ax.set_title(f"‖dL/dW_l‖ per layer at step {step}")
        self.moved.ax.set_title(f"how far W_l moved by step {step}")
        for i, view in enumerate(self.maps):
            if i < len(results):
                r = results[i]
                state = "diverged" if r.diverged else f"accuracy {r.accuracy:.0%}"
                view.update(None if r.diverged else r.net,
                            f"{variant_label(r.alpha)}: {state}")
            else:
                view.update(None, "(no second run: α = 0)")


class DepthSweepView:
    """final training loss against depth: one line per variant (mean over seeds), dots per seed."""

    def __init__(self, ax):
        self.ax = ax
        self.mean = {a: ax.plot([], [], "o-", color=variant_color(a), label=variant_label(a))[0]
                     for a in (0.0, 1.0)}
        self.dots = {a: ax.plot([], [], ".", color=variant_color(a), alpha=0.4)[0]
                     for a in (0.0, 1.0)}
        ax.set_xscale("log")
        ax.set_yscale("log")
        # limits before any data: a log axis cannot autoscale an empty plot
        ax.set_xlim(1, 100)
        ax.set_ylim(1e-3, 1)
        ax.set_xlabel("depth (blocks)")
        ax.set_ylabel("final training loss")
        ax.set_title("deeper: better or worse?")
        ax.legend(loc="best", fontsize="small")
        ax.grid(True, which="both", alpha=0.3)

    def update(self, sweep: dict):
        depths = sweep["depths"]
        for i, alpha in enumerate(sweep["alphas"]):
            if alpha not in self.mean:
                continue
            losses = sweep["final_loss"][i]  # (depths, seeds)
            self.mean[alpha].set_data(depths, positive(np.nanmean(losses, 1)))
            xs = np.repeat(depths, losses.shape[1])
            self.dots[alpha].set_data(xs, positive(losses.ravel()))
        self.ax.set_xlim(depths.min() / 1.3, depths.max() * 1.3)
        self.ax.set_xticks(depths, [str(d) for d in depths])
        self.ax.minorticks_off()
        set_log_ylim(self.ax, sweep["final_loss"], pad=1.5)


# ---------------------------------------------------------------- words from numbers


def zero_layers(values) -> np.ndarray:
    """the layers (1-based) whose value is exactly 0: float32 underflow, not a small number."""
    return np.flatnonzero(np.asarray(values, dtype=float) == 0) + 1


def zero_note(result, step: int, field: str = "grad_norms") -> str | None:
    """why a line has a gap on a log axis: 'plain: layers 1-12 exactly 0 (not drawable)'."""
    rows = getattr(result, field)
    if not len(rows):
        return None
    zeros = zero_layers(rows[min(step, len(rows) - 1)])
    if not len(zeros):
        return None
    where = f"layer {zeros[0]}" if len(zeros) == 1 else f"layers {zeros[0]}–{zeros[-1]}"
    if len(zeros) != zeros[-1] - zeros[0] + 1:
        where = f"{len(zeros)} layers"
    return f"{variant_label(result.alpha)}: {where} exactly 0, which a log axis cannot draw"


def moved_sentence(result) -> str:
    """how far block 1 and block L moved, relative to their starting size, and under what."""
    m = result.weight_moved
    optimizer = result.config.get("optimizer", "?")
    if not len(m):
        return f"{variant_label(result.alpha)}: no step ran."
    first, last = m[-1, 0], m[-1, -1]
    return (f"{variant_label(result.alpha)}, {optimizer}: after {len(m)} steps block 1's weights"
            f" moved {first:.2g} of their starting norm, block {m.shape[1]}'s {last:.2g}"
            f" (block 1 / block {m.shape[1]} = {first / last if last > 0 else math.inf:.2g}).")


def run_words(result) -> str:
    """describe_run, then the update sizes: the two numbers an optimiser separates."""
    text = describe_run(result)
    if not result.diverged and len(result.weight_moved):
        text += " " + moved_sentence(result)
    return text


def init_words(init_scale: float) -> str:
    """the init scale against its references, e.g. for the label beside the slider."""
    return describe_init_scale(init_scale)


def reference_options() -> list[tuple[str, float]]:
    """(label, init_scale) for a menu of the named references, plus ×6 (the exploding case)."""
    options = [(f"{name} ({value:.3g})", value) for name, value in INIT_REFERENCES.items()]
    return options + [("×6 pytorch default (6)", 6.0)]


def gradient_verdict(result, step: int = 0) -> tuple[float | None, str]:
    """(log10 of layer 1's gradient over layer L's, the one verdict's word) at `step`."""
    orders = gradient_orders(result.grad_norms[min(step, len(result.grad_norms) - 1)])
    return orders, verdict(orders)


# ---------------------------------------------------------------- predictions


MOVE_OPTIONS = ("under a thousandth of block L's move", "within 10× of block L's move",
                "more than 10× block L's move")


def move_outcome(result) -> str:
    """which MOVE_OPTIONS came true: block 1's distance moved against block L's."""
    first, last = result.weight_moved[-1, 0], result.weight_moved[-1, -1]
    ratio = first / last if last > 0 else math.inf
    if ratio < 1e-3:
        return MOVE_OPTIONS[0]
    return MOVE_OPTIONS[1] if ratio <= 10 else MOVE_OPTIONS[2]


def explain_sgd(results) -> Callable[[str, str], str]:
    def explain(choice, outcome):
        plain = results[0]
        orders, word = gradient_verdict(plain)
        return (f"with SGD a weight moves by lr × (its running gradient), so the step is as "
                f"small as the gradient. at step 0 the plain net's layer 1 got {_share(orders)}"
                f" of the last layer's gradient ({word}); after {plain.steps_run} steps block 1"
                f" moved {plain.weight_moved[-1, 0]:.2g} of its starting norm, block "
                f"{plain.weight_moved.shape[1]} {plain.weight_moved[-1, -1]:.2g}: "
                + ("the first layers are frozen. " if outcome == MOVE_OPTIONS[0] else
                   "block 1 was not frozen this time. ") + moved_sentence(results[-1]))
    return explain


def explain_adam(results) -> Callable[[str, str], str]:
    def explain(choice, outcome):
        plain = results[0]
        orders, word = gradient_verdict(plain)
        return (f"the same start and the same tiny gradient at layer 1 ({_share(orders)} of the "
                f"last layer's, {word}), yet block 1 moved {plain.weight_moved[-1, 0]:.2g} of "
                f"its norm. adam divides each weight's step by the running size of its own "
                f"gradient, so a gradient of 1e-9 and one of 1 both give steps of about lr: "
                f"size stops mattering, direction does. the plain net still ends at loss "
                f"{plain.final_loss:.3f} (ln 2 = 0.693 is guessing): the signal reaching the "
                f"first layers carries almost no information about the task, so their big "
                f"steps go in useless directions.")
    return explain


def _share(orders) -> str:
    # layer 1's gradient as a share of the last layer's, from gradient_orders
    if orders is None:
        return "exactly 0"
    return f"10^{orders:.1f}" if orders < -2 else f"{10 ** orders:.2f}×"


LOSS_OPTIONS = ("it learns the spirals too (final loss under 0.1)",
                "it stays far behind (final loss over 0.3)",
                "in between (0.1 to 0.3)")


def loss_outcome(result) -> str:
    loss = result.final_loss
    if loss < 0.1:
        return LOSS_OPTIONS[0]
    return LOSS_OPTIONS[1] if loss > 0.3 else LOSS_OPTIONS[2]


def explain_critical(results) -> Callable[[str, str], str]:
    def explain(choice, outcome):
        plain, res = results[0], results[-1]
        orders, word = gradient_verdict(plain)
        return (f"at the critical init the plain net's layer 1 gets {_share(orders)} of the "
                f"last layer's gradient at step 0 ({word}: nothing vanished), and still it ends"
                f" at loss {plain.final_loss:.3f}, accuracy {plain.accuracy:.0%}, while the "
                f"residual net reaches {res.final_loss:.3f}, {res.accuracy:.0%}. that is He et "
                f"al. 2015's degradation: a deep plain stack is hard to optimise even when "
                f"its gradients are healthy; the residual form makes 'do nothing' (the "
                f"identity) the easy default each block starts from.")
    return explain


# ---------------------------------------------------------------- the depth sweep


class SweepPanel:
    """the depth sweep's controls: a text box of depths, a run button, a progress bar.

    the button is disabled while a sweep runs; a bad text becomes a message in `status`.
    """

    def __init__(self, X, y, view: DepthSweepView, draw: Callable, *, depths: str = "2, 8, 16",
                 seeds=(0, 1), **train_kwargs):
        import ipywidgets as W

        self.X, self.y, self.view, self.draw = X, y, view, draw
        self.seeds, self.train_kwargs = tuple(seeds), train_kwargs
        self.depths = W.Text(value=depths, description="depths")
        self.button = W.Button(description="run the sweep", button_style="primary")
        self.progress = W.IntProgress(value=0, min=0, max=1, description="trained")
        self.readout, self.status = W.HTML(), W.HTML()
        self.sweep = None
        self.run = guarded(self._run, self.status)
        self.button.on_click(lambda _: self.run(self.depths.value))
        self.widget = W.VBox([W.HBox([self.depths, self.button, self.progress]),
                              self.readout, self.status])

    def _tick(self, done: int, total: int):
        self.progress.max, self.progress.value = total, done

    def _run(self, text: str) -> dict:
        depths = parse_depths(text)
        self.button.disabled, self.progress.value = True, 0
        try:
            sweep = depth_sweep(self.X, self.y, depths, seeds=self.seeds, callback=self._tick,
                                **self.train_kwargs)
        finally:
            self.button.disabled = False
        self.sweep = sweep
        self.view.update(sweep)
        self.draw()
        mean = np.nanmean(sweep["final_loss"], axis=2)
        self.readout.value = note("  ".join(
            f"depth {d}: plain {p:.3f}, residual {r:.3f};"
            for d, p, r in zip(sweep["depths"], *mean, strict=True)))
        return sweep


# ---------------------------------------------------------------- the independent check


def torch_run(X, y, alpha: float, depth: int, *, activation: str = "tanh",
              init_scale: float = 1.0, optimizer: str = "adam", lr: float = LR,
              steps: int = STEPS, seed: int = SEED, width: int = 32) -> dict:
    """the loop a tutorial writes, sharing nothing with compare() but make_mlp's weights.

    torch.optim (SGD with momentum 0.9, or Adam), torch.autograd.grad for the weights and the
    blocks' inputs, norms in float64, every step's loss, gradients and weights tested for
    inf/nan. returns per step: losses (steps,), grad_norms ||dL/dx_l|| and moved
    ||W_l - W_l(0)|| / ||W_l(0)|| after the step's update (steps, depth); then finite,
    accuracy and the trained net.
    """
    torch.manual_seed(seed)
    net = make_mlp(depth, width, alpha, activation, init_scale)
    params = list(net.parameters())
    start = [b.fc.weight.detach().double().clone() for b in net.blocks]
    if optimizer == "sgd":
        opt = torch.optim.SGD(params, lr=lr, momentum=0.9)
    else:
        opt = torch.optim.Adam(params, lr=lr)
    losses, grad_norms, moved, finite = [], [], [], True
    for _ in range(steps):
        h, inputs = net.stem(X), []
        for block in net.blocks:
            inputs.append(h)  # block l's input x_l
            h = block(h)
        loss = F.cross_entropy(net.head(h), y)
        grads = torch.autograd.grad(loss, params + inputs)
        for p, g in zip(params, grads, strict=False):
            p.grad = g
        losses.append(loss.item())
        grad_norms.append([g.double().norm().item() for g in grads[len(params):]])
        finite &= math.isfinite(losses[-1]) and all(bool(torch.isfinite(g).all()) for g in grads)
        opt.step()
        finite &= all(bool(torch.isfinite(p).all()) for p in params)
        moved.append([float((b.fc.weight.detach().double() - w0).norm() / w0.norm())
                      for b, w0 in zip(net.blocks, start, strict=True)])
    with torch.no_grad():
        acc = float((net(X).argmax(1) == y).float().mean())
    return {"losses": np.array(losses), "grad_norms": np.array(grad_norms),
            "moved": np.array(moved), "finite": finite, "accuracy": acc, "net": net}


def train_pair(X, y, *, depth: int, alpha: float, init_scale: float, activation: str,
               optimizer: str, callback=None) -> list:
    """the lesson's compare(): plain and (unless alpha is 0) a skip of strength alpha."""
    skips = (0.0,) if alpha == 0 else (0.0, alpha)
    return compare(X, y, depth=depth, skips=skips, activation=activation,
                   init_scale=init_scale, steps=STEPS, lr=LR, seed=SEED, optimizer=optimizer,
                   callback=callback)


def adam_overflow_share(X, y, alpha: float, depth: int, *, activation: str = "relu",
                        init_scale: float = 6.0, seed: int = SEED, width: int = 32) -> dict:
    """after one torch.optim.Adam step: the share of block 1's weights whose running squared
    gradient v overflowed float32 to inf (their step m/sqrt(v) is exactly 0), and the share
    whose gradient was exactly 0 (a dead relu unit: m = 0, no step either)."""
    torch.manual_seed(seed)
    net = make_mlp(depth, width, alpha, activation, init_scale)
    opt = torch.optim.Adam(net.parameters(), lr=LR)
    opt.zero_grad()
    F.cross_entropy(net(X), y).backward()
    opt.step()
    w = net.blocks[0].fc.weight
    return {"inf_v": float(torch.isinf(opt.state[w]["exp_avg_sq"]).float().mean()),
            "zero_grad": float((w.grad == 0).float().mean())}
