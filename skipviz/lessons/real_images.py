"""lesson 10: plain and residual conv nets on scikit-learn's handwritten digits.

`DepthPrediction` asks before it trains a net of each depth; `DigitsLesson` retrains one net
at the chosen depth, skip and optimiser and draws its per-block gradients, its loss, the
accuracy against depth and the test digits it got wrong.
"""

from __future__ import annotations

import html

import numpy as np

from ..core.digits import DigitRun, Digits, misclassified, train_digits
from ..viz.artists import PairLines
from ..viz.palette import CHANCE_COLOR, PLAIN_COLOR, RESIDUAL_COLOR
from .widgets import Prediction, guarded, live_figure, note, warning

HIGHER, SAME, LOWER = ("higher than the 1-block net's", "about the same (within 5 points)",
                       "more than 5 points lower")
MISTAKES_SHOWN = 8
EPOCH_CHOICES = (1, 2, 4, 8)


def _key(run: DigitRun) -> tuple:
    c = run.config
    return c["blocks"], c["skip"], c["optimizer"], c["seed"], c["epochs"]


def _name(skip: bool) -> str:
    return "resnet (skip)" if skip else "plain (no skip)"


class DepthPrediction:
    """predict, then train: plain nets and resnets of each depth in `depths`, one seed.

    the outcome is read off the plain nets' own test accuracies: the `deep` net against the
    1-block one, a difference beyond 5 points either way counts.
    """

    def __init__(self, data: Digits, depths=(1, 4, 8, 12), deep: int = 8, *,
                 optimizer: str = "adam", epochs: int = 2, seed: int = 0):
        import ipywidgets as W

        if not isinstance(data, Digits):
            raise ValueError(f"data must be a Digits (from load_digits), "
                             f"got {type(data).__name__}")
        depths = tuple(int(d) for d in depths)
        if 1 not in depths or deep not in depths:
            raise ValueError(f"depths must hold 1 and deep={deep}, got {depths}")
        self.data, self.depths, self.deep = data, depths, deep
        self.settings = dict(optimizer=optimizer, epochs=epochs, seed=seed)
        self.runs: list[DigitRun] = []
        self.bar = W.IntProgress(value=0, min=0, max=1, description="training",
                                 layout=W.Layout(width="420px"))
        self.prediction = Prediction(
            f"train plain conv nets of {', '.join(map(str, depths))} blocks "
            f"(2 convolutions each) for {epochs} epochs. the test accuracy of the "
            f"{deep}-block plain net will be ...",
            [HIGHER, SAME, LOWER], run=self._run, explain=self._explain)
        self.widget = W.VBox([self.prediction.widget, self.bar])

    def accuracy(self, skip: bool) -> dict[int, float]:
        """blocks -> test accuracy of the plain (skip False) or residual nets trained so far."""
        return {r.config["blocks"]: r.test_accuracy for r in self.runs
                if r.config["skip"] == skip}

    def _run(self) -> str:
        todo = [(blocks, skip) for blocks in self.depths for skip in (False, True)]
        weights = [blocks for blocks, _ in todo]  # a step costs about one unit per block
        self.bar.max, self.bar.value = sum(weights) * 100, 0
        self.runs = []
        done = 0
        for (blocks, skip), weight in zip(todo, weights, strict=True):
            def progress(step, total, done=done, weight=weight):
                self.bar.value = done + round(100 * weight * step / total)

            self.runs.append(train_digits(self.data, blocks, skip, progress=progress,
                                          **self.settings))
            done += 100 * weight
        plain = self.accuracy(False)
        change = plain[self.deep] - plain[1]
        return HIGHER if change > 0.05 else LOWER if change < -0.05 else SAME

    def _explain(self, choice: str, outcome: str) -> str:
        plain, res = self.accuracy(False), self.accuracy(True)
        deep = self.deep
        rows = "".join(f"<tr><td>{b}</td><td>{2 * b + 2}</td><td>{plain[b]:.1%}</td>"
                       f"<td>{res[b]:.1%}</td></tr>" for b in self.depths)
        table = ("<table><tr><th>blocks</th><th>weight layers</th><th>plain</th>"
                 f"<th>resnet</th></tr>{rows}</table>")
        what = {
            LOWER: "deeper and worse: he et al. 2015's degradation problem, on real images. a "
                   "deeper net could copy the shallow one and leave its extra blocks as "
                   "identities; plain blocks make that hard to find, a resnet block starts "
                   "near it (F = 0 is the identity).",
            SAME: "the extra plain blocks neither helped nor hurt in this budget.",
            HIGHER: "the extra plain blocks helped in this budget.",
        }[outcome]
        why = ("" if choice == outcome else
               f" you expected {html.escape(choice, quote=False)}: " + {
                   HIGHER: "more layers can only add capacity, but capacity is not what "
                           "limits a plain net here, its training is.",
                   SAME: "the extra blocks could have learned to do nothing; gradient "
                         "descent did not find that with plain blocks.",
                   LOWER: "with these settings the plain net held up; try more blocks.",
               }[choice])
        return (f"the {deep}-block plain net reached {plain[deep]:.1%} on the test digits, "
                f"the 1-block one {plain[1]:.1%}; the {deep}-block resnet {res[deep]:.1%}. "
                f"{html.escape(what, quote=False)}{why}{table}")


class DigitsView:
    """per-block ||dL/dx|| at step 0, the loss, accuracy against depth, the wrong digits."""

    def __init__(self, axes: dict):
        """axes: 'grads', 'loss', 'depth', and 'mistake0' .. 'mistake7'."""
        self.axes = axes
        self.grads = PairLines(axes["grads"], "‖dL/dx‖ at each block's input, step 0",
                               "block (1 = next to the input)", "gradient norm",
                               style="o-", markersize=4)
        self.loss = PairLines(axes["loss"], "training loss (cross-entropy)", "step",
                              "loss", log=True)
        self.depth = PairLines(axes["depth"], "test accuracy against depth", "blocks",
                               "test accuracy", log=False, style="o-", markersize=5)
        axes["depth"].axhline(0.1, color=CHANCE_COLOR, lw=0.8, ls=":")
        (self.here,) = axes["depth"].plot([], [], "*", ms=14, color="#000000",
                                          label="_this run")
        self.digits = [axes[f"mistake{i}"] for i in range(MISTAKES_SHOWN)]
        self.images = [ax.imshow(np.zeros((8, 8)), cmap="gray_r", vmin=0, vmax=16,
                                 interpolation="nearest") for ax in self.digits]
        for ax in self.digits:
            ax.set_xticks([])
            ax.set_yticks([])

    def update(self, focus: DigitRun, other: DigitRun | None, sweep: dict, data: Digits):
        """focus: the run the controls ask for; other: the other variant at the same settings;
        sweep: skip -> {blocks: test accuracy}."""
        pair = [focus] if other is None else sorted([focus, other],
                                                    key=lambda r: r.config["skip"])
        self.grads.update([(float(r.config["skip"]), np.arange(1, r.config["blocks"] + 1),
                            r.grad_norms[0]) for r in pair if len(r.grad_norms)])
        self.loss.update([(float(r.config["skip"]), np.arange(1, r.steps_run + 1), r.losses)
                          for r in pair])
        lines = [(float(skip), sorted(acc), [acc[b] for b in sorted(acc)])
                 for skip, acc in sorted(sweep.items()) if acc]
        self.depth.update(lines)
        self.here.set_data([focus.config["blocks"]], [focus.test_accuracy])
        self.axes["depth"].set_ylim(0, 1.02)
        wrong = misclassified(focus, data, MISTAKES_SHOWN)
        color = RESIDUAL_COLOR if focus.config["skip"] else PLAIN_COLOR
        for i, (ax, image) in enumerate(zip(self.digits, self.images, strict=True)):
            if i < len(wrong):
                j = wrong[i]
                image.set_data(data.raw_test[j])
                ax.set_title(f"{int(data.y_test[j])} → {int(focus.predictions[j])}",
                             color=color, fontsize="small")
            else:
                image.set_data(np.zeros((8, 8)))
                ax.set_title("")


class DigitsLesson:
    """the live part of lesson 10: choose depth, skip and optimiser, press train.

    every run is kept (a second look at the same settings is instant); the figure shows the
    chosen net and, for comparison, the other variant at the same settings if it was trained.
    """

    def __init__(self, data: Digits, runs=(), *, blocks: int = 8, skip: bool = False,
                 optimizer: str = "adam", seed: int = 0, epochs: int = 2):
        import ipywidgets as W

        if not isinstance(data, Digits):
            raise ValueError(f"data must be a Digits (from load_digits), "
                             f"got {type(data).__name__}")
        if epochs not in EPOCH_CHOICES:
            raise ValueError(f"epochs must be one of {EPOCH_CHOICES}, got {epochs!r}")
        self.data = data
        self.runs: dict[tuple, DigitRun] = {_key(r): r for r in runs}
        self.blocks = W.BoundedIntText(value=blocks, min=1, max=16, description="blocks")
        self.skip = W.ToggleButtons(options=[("skip off (plain)", False),
                                             ("skip on (resnet)", True)], value=skip)
        self.optimizer = W.Dropdown(options=["adam", "sgd"], value=optimizer,
                                    description="optimiser")
        self.seed = W.BoundedIntText(value=seed, min=0, max=99, description="seed")
        self.epochs = W.Dropdown(options=EPOCH_CHOICES, value=epochs, description="epochs")
        self.button = W.Button(description="train", icon="play", button_style="primary")
        self.bar = W.IntProgress(value=0, min=0, max=1, layout=W.Layout(width="300px"))
        self.status = W.HTML()
        self.summary = W.HTML()
        self.fig, axd = live_figure(
            mosaic=[["grads"] * 3 + ["loss"] * 3 + ["depth"] * 2,
                    [f"mistake{i}" for i in range(MISTAKES_SHOWN)]],
            figsize=(11, 5.0), height_ratios=[3, 1])
        self.view = DigitsView(axd)
        self.button.on_click(guarded(self.train, self.status))
        for control in (self.blocks, self.skip, self.optimizer, self.seed, self.epochs):
            control.observe(guarded(self.show, self.status), names="value")
        self.widget = W.VBox([
            W.HBox([self.blocks, self.optimizer, self.epochs, self.seed]),
            W.HBox([self.skip, self.button, self.bar]),
            self.summary, self.status, self.fig.canvas])

    def settings(self) -> tuple:
        return (self.blocks.value, self.skip.value, self.optimizer.value, self.seed.value,
                self.epochs.value)

    def train(self, _=None) -> DigitRun:
        """train the net the controls ask for (unless it was trained before) and draw it."""
        key = self.settings()
        if key not in self.runs:
            blocks, skip, optimizer, seed, epochs = key
            self.button.disabled = True
            try:
                self.runs[key] = train_digits(self.data, blocks, skip, optimizer=optimizer,
                                              seed=seed, epochs=epochs,
                                              progress=self._progress)
            finally:
                self.button.disabled = False
        self.show()
        return self.runs[key]

    def _progress(self, step: int, total: int):
        self.bar.max, self.bar.value = total, step

    def show(self, _=None) -> DigitRun | None:
        """draw the chosen run if it exists; else say that train will make it."""
        blocks, skip, optimizer, seed, epochs = key = self.settings()
        focus = self.runs.get(key)
        if focus is None:
            self.status.value = note(f"press train: no {_name(skip)} of {blocks} blocks "
                                     f"with {optimizer}, seed {seed} yet")
            return None
        other = self.runs.get((blocks, not skip, optimizer, seed, epochs))
        sweep = {s: {k[0]: r.test_accuracy for k, r in self.runs.items()
                     if k[1] == s and k[2:] == (optimizer, seed, epochs)}
                 for s in (False, True)}
        self.view.update(focus, other, sweep, self.data)
        self.fig.canvas.draw_idle()
        g = focus.grad_norms[0]
        self.summary.value = (
            f"<b>{_name(skip)}, {blocks} blocks, {optimizer}, seed {seed}</b>: "
            f"test accuracy {focus.test_accuracy:.1%} (train {focus.train_accuracy:.1%}); "
            f"at step 0 ‖dL/dx‖ at block 1 is {g[0] / g[-1]:.3g}× the last block's; "
            f"{len(misclassified(focus, self.data, None))} of {len(self.data.y_test)} "
            f"test digits wrong; {focus.elapsed:.1f} s")
        if focus.diverged:
            self.status.value = warning("training diverged (a non-finite loss): stopped there")
        return focus


def digit_gallery(data: Digits, per_row: int = 10):
    """one test image of each class 0-9, as the nets see them (ink 0-16); returns the figure."""
    if not isinstance(data, Digits):
        raise ValueError(f"data must be a Digits (from load_digits), got {type(data).__name__}")
    fig, axes = live_figure(1, per_row, figsize=(per_row * 0.9, 1.3))
    labels = data.y_test.numpy()
    for c, ax in enumerate(axes):
        found = np.flatnonzero(labels == c % 10)
        ax.imshow(data.raw_test[found[0]], cmap="gray_r", vmin=0, vmax=16,
                  interpolation="nearest")
        ax.set_title(str(c % 10), fontsize="small")
        ax.set_xticks([])
        ax.set_yticks([])
    return fig
