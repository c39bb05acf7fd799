"""lesson 07, 归一化 normalisation: healthy gradients are not enough.

the step-0 table of every norm (plain and residual), the live experiment (NormLesson: train
plain and residual with one norm from one start), and the lesson's two predictions.
"""

from __future__ import annotations

import html
import math

import numpy as np
import torch

from ..core.compare import compare, variant_label
from ..core.models import NORMS, make_mlp
from ..core.train import TrainResult
from ..measure.signal_scale import signal_scale
from ..measure.verdict import gradient_orders, verdict
from ..viz.artists import PairLines
from ..viz.palette import CHANCE_COLOR
from .widgets import Prediction, controls_with_tips, guarded, live_figure, note

LN2 = math.log(2)  # the loss of a net that says 50/50 on every point: it has learnt nothing
NOTHING_MARGIN = 0.01  # a final loss within this of ln 2 counts as "learnt nothing"
NORM_LABELS = {"none": "no norm", "batch": "BatchNorm", "layer": "LayerNorm"}
HEALTHY = ("shrinking", "preserved", "growing")  # the verdicts between vanishing and exploding


def learnt_nothing(loss: float) -> bool:
    """a loss still at ln 2 (or above): the net has not separated the two classes at all."""
    return not loss < LN2 - NOTHING_MARGIN


def step0_rows(X, y, *, depth: int, activation: str, seed: int = 0) -> list[dict]:
    """for every norm, plain and residual, at the start: ||dL/dx_1|| / ||dL/dx_L||, its verdict,
    and how much the forward signal's variance grew (block L's output / block 1's input)."""
    rows = []
    for norm in NORMS:
        for alpha in (0.0, 1.0):
            torch.manual_seed(seed)
            s = signal_scale(make_mlp(depth, skip=alpha, activation=activation, norm=norm), X, y)
            rows.append(dict(norm=norm, alpha=alpha, ratio=s.gradient_ratio, verdict=s.verdict,
                             growth=s.growth))
    return rows


def rows_html(rows: list[dict]) -> str:
    """the step-0 rows as a small html table: one line per norm, plain then residual."""
    cells = ["<tr><th>norm</th><th>plain: ‖dL/dx_1‖ / ‖dL/dx_L‖</th><th>residual: ‖dL/dx_1‖ / "
             "‖dL/dx_L‖</th><th>residual: variance, block L's output / block 1's input</th></tr>"]
    for norm in NORMS:
        plain, res = (next(r for r in rows if r["norm"] == norm and r["alpha"] == a)
                      for a in (0.0, 1.0))
        cells.append(f"<tr><td>{NORM_LABELS[norm]}</td>"
                     f"<td>{plain['ratio']:.2g} ({plain['verdict']})</td>"
                     f"<td>{res['ratio']:.2g} ({res['verdict']})</td>"
                     f"<td>{res['growth']:.2g}</td></tr>")
    return "<table>" + "".join(cells) + "</table>"


def describe(result: TrainResult) -> str:
    """one sentence: the step-0 gradient ratio, its verdict, and where the loss ended."""
    name = f"{variant_label(result.alpha)}, {NORM_LABELS[result.config['norm']]}"
    orders = gradient_orders(result.grad_norms[0])
    ratio = "0" if orders is None else f"{10 ** orders:.2g}" if math.isfinite(orders) else "nan"
    if result.diverged:
        return (f"{name}: diverged at step {result.diverged_at} (the loss or a gradient was "
                f"inf/NaN).")
    end = " = ln 2: it learnt nothing" if learnt_nothing(result.final_loss) else ""
    return (f"{name}: at step 0 block 1's gradient is {ratio}× block {result.grad_norms.shape[1]}'s"
            f" ({verdict(orders)}); loss after {result.steps_run} steps {result.final_loss:.3f}"
            f"{end}.")


class NormLesson:
    """the live experiment: one norm, plain and residual from one start, trained with Adam."""

    def __init__(self, X, y, *, depth: int = 50, norm: str = "layer", activation: str = "tanh",
                 steps: int = 100, seed: int = 0, lr: float = 1e-2):
        import ipywidgets as W

        self.X, self.y, self.steps, self.seed, self.lr = X, y, steps, seed, lr
        self.runs: dict[tuple, list[TrainResult]] = {}  # every setting trained so far
        self.norm = W.Dropdown(options=[(NORM_LABELS[n], n) for n in NORMS], value=norm,
                               description="norm")
        self.activation = W.Dropdown(options=["tanh", "relu"], value=activation,
                                     description="activation")
        self.depth = W.IntSlider(value=depth, min=2, max=80, description="depth",
                                 continuous_update=False)
        self.button = W.Button(description="train both", button_style="primary")
        self.progress = W.IntProgress(value=0, min=0, max=2 * steps, description="steps")
        self.status, self.readout = W.HTML(), W.HTML()
        self.fig, (ax_grad, ax_loss) = live_figure(1, 2, figsize=(10.5, 3.6))
        self.grad = PairLines(ax_grad, "‖dL/dx_l‖ at step 0, before any update",
                              "block l (1 = next to the input)", "gradient norm", style=".-",
                              markersize=3)
        self.loss = PairLines(ax_loss, f"training loss (Adam, lr {lr:g})", "step",
                              "cross-entropy", log=False)
        ax_loss.axhline(LN2, color=CHANCE_COLOR, ls=":", lw=1)
        ax_loss.text(0, LN2, " ln 2: learnt nothing", color=CHANCE_COLOR, va="bottom",
                     fontsize="small")
        self.safe_train = guarded(self.train, self.status)
        self.button.on_click(lambda _: self.safe_train())
        tips = {
            self.norm: "try: LayerNorm, then BatchNorm, then no norm, at depth 50.",
            self.activation: "try: relu with BatchNorm: the plain net's gradient explodes more.",
            self.depth: "try: 10. Where does the plain LayerNorm net start to learn nothing?",
        }
        self.widget = W.VBox([controls_with_tips(tips, W.HBox([self.button, self.progress]),
                                                 self.status),
                              self.fig.canvas, self.readout])

    def key(self) -> tuple:
        return (self.norm.value, self.activation.value, self.depth.value, self.steps, self.seed)

    def run(self, norm: str, activation: str = "tanh", depth: int = 50) -> list[TrainResult]:
        """set the controls to this experiment and train it (a prediction's run)."""
        self.norm.value, self.activation.value, self.depth.value = norm, activation, depth
        return self.train()

    def train(self) -> list[TrainResult]:
        """train plain and residual for the controls' setting (cached), then redraw."""
        key = self.key()
        if key not in self.runs:
            self.button.disabled = True
            self.progress.value = 0
            try:
                self.runs[key] = compare(
                    self.X, self.y, depth=self.depth.value, activation=self.activation.value,
                    norm=self.norm.value, steps=self.steps, lr=self.lr, seed=self.seed,
                    callback=self._on_progress, callback_every=10)
            finally:
                self.button.disabled = False
        self.progress.value = self.progress.max
        self.show(self.runs[key])
        return self.runs[key]

    def _on_progress(self, results):
        self.progress.value = sum(r.steps_run for r in results)

    def show(self, results: list[TrainResult]):
        self.grad.update([(r.alpha, np.arange(1, r.grad_norms.shape[1] + 1), r.grad_norms[0])
                          for r in results])
        self.loss.update([(r.alpha, np.arange(r.steps_run), r.losses) for r in results])
        self.loss.ax.set_ylim(bottom=0)
        self.fig.canvas.draw_idle()
        self.readout.value = "<br>".join(note(describe(r)) for r in results)


# the trainability prediction: plain net, LayerNorm, tanh, depth 50
VANISH_NOTHING = "its layer-1 gradient vanishes, so it learns nothing"
HEALTHY_LEARNS = "its gradients are healthy, so it learns the spirals"
HEALTHY_NOTHING = "its gradients are healthy, and still it learns nothing"


def trainability_prediction(lesson: NormLesson) -> Prediction:
    """predict what a 50-block plain net with LayerNorm does, then train it."""

    def run():
        plain, _ = lesson.run("layer", "tanh", 50)
        if verdict(gradient_orders(plain.grad_norms[0])) not in HEALTHY:
            return VANISH_NOTHING
        return HEALTHY_NOTHING if learnt_nothing(plain.final_loss) else HEALTHY_LEARNS

    def explain(choice, outcome):
        plain, res = lesson.runs[("layer", "tanh", 50, lesson.steps, lesson.seed)]
        ratio = plain.grad_norms[0][0] / plain.grad_norms[0][-1]
        word = verdict(gradient_orders(plain.grad_norms[0]))
        words = {
            VANISH_NOTHING: "Without a norm it would (lesson 03), but LayerNorm rescales every "
                            "block's pre-activation to mean 0 and variance 1, so the signal "
                            "keeps its size in both directions. ",
            HEALTHY_LEARNS: "The gradient's size is fine, yet size is not what is missing. ",
            HEALTHY_NOTHING: "",
        }[choice]
        return html.escape(
            f"{words}At step 0 block 1's gradient is {ratio:.2g}× block 50's ({word}: nothing "
            f"vanished). After {plain.steps_run} steps the plain net's loss is "
            f"{plain.final_loss:.3f}, ln 2 = {LN2:.3f}: it still says 50/50 on every point. The "
            f"residual net with the same LayerNorm, from the same start, reaches "
            f"{res.final_loss:.3f}.", quote=False)

    return Prediction("a plain net of 50 blocks, each act(LayerNorm(W x + b)), tanh, trained "
                      f"for {lesson.steps} Adam steps on the spirals:",
                      [VANISH_NOTHING, HEALTHY_LEARNS, HEALTHY_NOTHING], run, explain)


# the explosion prediction: plain net, BatchNorm, at step 0
VANISHED = "vanished: under a thousandth of it"
ABOUT_SAME = "about the same: within a factor of a thousand either way"
EXPLODED = "exploded: over a thousand times larger"


def explosion_prediction(lesson: NormLesson, relu_ratio: float) -> Prediction:
    """predict the size of a plain batchnorm net's layer-1 gradient at step 0, then train it."""

    def run():
        plain, _ = lesson.run("batch", "tanh", 50)
        word = verdict(gradient_orders(plain.grad_norms[0]))
        return {"vanishing": VANISHED, "exploding": EXPLODED}.get(word, ABOUT_SAME)

    def explain(choice, outcome):
        plain, res = lesson.runs[("batch", "tanh", 50, lesson.steps, lesson.seed)]
        ratio = plain.grad_norms[0][0] / plain.grad_norms[0][-1]
        return html.escape(
            f"Block 1's gradient is {ratio:.2g}× block 50's with tanh, {relu_ratio:.2g}× with "
            f"relu: it grows toward the input, the opposite of vanishing. Yang et al. 2019 "
            f"prove that in a deep plain net BatchNorm makes the gradient explode with depth at "
            f"initialisation, and that no choice of weight scale or activation removes it. The "
            f"net still trains a little (loss {plain.final_loss:.3f} after {plain.steps_run} "
            f"steps): Adam divides each gradient by its own running size, so a huge gradient "
            f"does not make a huge step. The residual net with BatchNorm reaches "
            f"{res.final_loss:.3f}.", quote=False)

    return Prediction("the same plain net with BatchNorm instead (He et al. 2015's plain "
                      "nets): block 1's gradient at step 0, against block 50's, will be ...",
                      [VANISHED, ABOUT_SAME, EXPLODED], run, explain)
