"""lesson 3: a plain and a skip net trained side by side, what the optimiser and the initial
scale change about it, and the depth sweep (the degradation problem).

the training view is drawn by the browser (bqplot) and fed while the nets train; its static
copy and the depth sweep are matplotlib. the sentences under the figures are computed from
the runs' own numbers; `torch_run` is the independent check: a plain pytorch loop.
"""

from __future__ import annotations

import base64
import html
import io
import math
import os
import sys
import time
import weakref
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
from ..viz import artists
from ..viz.artists import PairLines
from ..viz.axes import positive, set_log_ylim
from ..viz.live import DecisionMap, GradientProfile, LossCurves, UpdateSizes, widget_tree
from ..viz.palette import variant_color
from .static_copy import LIVE_VIEW_CLASS, MARK
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


# the live view's rhythm: compare() calls back every CALLBACK_EVERY steps, a frame goes to the
# browser at most every FRAME_SECONDS (and at the end), and each net's boundary is kept after
# its first step, every SNAPSHOT_EVERY steps and at its last, on a BOUNDARY_GRID² grid
CALLBACK_EVERY, FRAME_SECONDS, SNAPSHOT_EVERY, BOUNDARY_GRID = 5, 0.1, 50, 50
SLOTS = 2  # slot 0 shows the plain net, slot 1 the skip net (empty when alpha is 0)

# the per-layer panels: the field of TrainResult each draws, its title's head, its y label
PANELS = (
    ("grad_norms", "‖dL/dx_l‖ at", "‖dL/dx_l‖"),
    ("weight_grad_norms", "‖dL/dW_l‖ at", "‖dL/dW_l‖"),
    ("weight_moved", "how far W_l moved by", "‖W_l − W_l(0)‖ / ‖W_l(0)‖"),
)
ZERO_WORDS = "a log axis has no place for 0, inf or nan: those layers have no dot"
TITLE_SIZE = "small"  # of the static copy's panels
LAYER_AXIS = "layer l (input → output)"
NO_MODEL = {"version_major": 2, "version_minor": 0, "model_id": ""}  # a widget view of nothing


def row_index(rows, step: int | None) -> int:
    """the row of `rows` (one per step run) shown at `step`: None is the latest, and a run
    that stopped early (diverged) shows its last."""
    last = len(rows) - 1
    return last if step is None else max(0, min(step, last))


def panel_title(head: str, step: int) -> str:
    """'‖dL/dx_l‖ at step 0 (solid), step 149 (dashed)'."""
    return f"{head} step 0 (solid), step {step} (dashed)"


class Boundaries:
    """one net's decision boundary while it trains: (step, p(class 1) on the grid) after
    its first step, every SNAPSHOT_EVERY steps and after its last; a step counts as in
    weight_moved: the map 'after step k' is drawn by the weights k + 1 updates made."""

    def __init__(self, X, n: int = BOUNDARY_GRID):
        self.X, self.n = X, n
        self.kept: list[tuple[int, np.ndarray]] = []

    def observe(self, result, last: bool = False):
        """keep the boundary of `result.net` if this step is on the schedule (or `last`)."""
        done = result.steps_run
        if result.diverged or result.net is None or not done:
            return  # a diverged net keeps the boundaries it had
        if self.kept and self.kept[-1][0] == done - 1:
            return
        if last or done == 1 or done % SNAPSHOT_EVERY == 0 or done == result.config.get("steps"):
            self.kept.append((done - 1, decision_grid(result.net, self.X, self.n)[2]))

    def at(self, step: int | None) -> tuple[int, np.ndarray] | None:
        """the latest boundary kept after step `step` or an earlier one (the first if there
        is none; step None: the latest)."""
        if not self.kept:
            return None
        before = [k for k in self.kept if step is None or k[0] <= step]
        return before[-1] if before else self.kept[0]


def map_title(result, kept) -> str:
    """'residual (skip): accuracy 100%, map after step 149'."""
    if result.diverged:
        state = f"diverged at step {result.diverged_at}"
    elif math.isfinite(result.accuracy):
        state = f"accuracy {result.accuracy:.0%}"
    else:
        state = "training"
    where = "no map" if kept is None else f"map after step {kept[0]}"
    return f"{variant_label(result.alpha)}: {state}, {where}"


class TrainingView:
    """lesson 3's six panels, drawn by the browser (bqplot) and fed while the nets train:
    per layer ||dL/dx_l||, ||dL/dW_l|| and how far W_l moved (step 0 solid, the shown step
    dashed); the loss; each net's decision boundary, kept every SNAPSHOT_EVERY steps.

    >>> view = TrainingView(X, y)
    >>> view.widget                                              # show it once
    >>> results = train_pair(X, y, ..., callback=view.follow())  # frames while it trains
    >>> view.show(results, step)                                 # the finished run at `step`
    >>> view.show_step(step)                                     # the scrubber

    `frames` counts the frames drawn. in an ipython kernel the cell that shows `widget` also
    gets a png of the six panels, kept current (StaticCopy), for pages without a kernel.
    """

    def __init__(self, X, y, *, width: int = 370, height: int = 270,
                 frame_seconds: float = FRAME_SECONDS, static_copy: bool = True):
        import ipywidgets as W

        self.X, self.frame_seconds = X, frame_seconds
        self.grad_x = GradientProfile(SLOTS, width, height, value_label=PANELS[0][2])
        self.grad_w = GradientProfile(SLOTS, width, height, value_label=PANELS[1][2])
        self.moved = UpdateSizes(SLOTS, width, height)
        self.profiles = (self.grad_x, self.grad_w, self.moved.profile)
        self.loss = LossCurves(SLOTS, width, height)
        self.maps = [DecisionMap(X, y, n=BOUNDARY_GRID, width=width, height=height)
                     for _ in range(SLOTS)]
        for panel, (_, head, label) in zip(self.profiles, PANELS, strict=True):
            panel.x_axis.label, panel.y_axis.label = LAYER_AXIS, label
            panel.figure.title = panel_title(head, 0)
        self.loss.x_axis.label, self.loss.y_axis.label = "step", "cross-entropy loss"
        self.loss.figure.title = "training loss"
        self.key = W.HTML(key_html([]))  # which colour is which net, what solid and dashed mean
        self.notes = W.HTML()  # the layers a log panel cannot draw (exactly 0), in words
        self.widget = W.VBox([self.key, W.HBox([p.figure for p in self.profiles]), self.notes,
                              W.HBox([self.loss.figure, *[m.figure for m in self.maps]])])
        # make docs counts each live view by this class: it must leave one picture (StaticCopy)
        self.widget.add_class(LIVE_VIEW_CLASS)
        self.results: list = []
        self.boundaries: list[Boundaries] = []
        self.step: int | None = None  # the step the scrubber pinned (None: the latest)
        self.frames = 0
        self._shown: list = [None] * SLOTS  # the boundary each map holds
        self.static = StaticCopy.attach(self, X, y) if static_copy else None

    def follow(self) -> Callable[[list], None]:
        """a compare() callback for a new run: it keeps the boundaries on their schedule and
        draws a frame at most every `frame_seconds`. the view changes at its first call, so
        a run refused before its first step leaves the last run on show."""
        last = [-math.inf]

        def observe(results: list):
            if not self._holds(results):
                self._reset(results)
            for kept, result in zip(self.boundaries, results, strict=True):
                kept.observe(result)
            now = time.perf_counter()
            if now - last[0] >= self.frame_seconds:
                last[0] = now
                self._draw(None)

        return observe

    def show(self, results: list, step: int | None = None):
        """the finished run (followed or not) at `step`: accuracies, last boundaries."""
        if not self._holds(results):
            self._reset(results)
        for kept, result in zip(self.boundaries, results, strict=True):
            kept.observe(result, last=True)
        self.show_step(step)

    def show_step(self, step: int | None):
        """scrub every panel to `step`: profiles, loss cursor, the boundary kept before it."""
        self.step = step
        if self.results:
            self._draw(step)

    def _holds(self, results: list) -> bool:
        # the same run: compare() hands its callback the same result objects every time
        return [id(r) for r in results] == [id(r) for r in self.results]

    def _reset(self, results: list):
        self.results = list(results)
        self.boundaries = [Boundaries(self.X) for _ in results]
        self._shown = [None] * SLOTS
        steps = max(r.config.get("steps", r.steps_run) for r in results)
        self.loss.reset(steps, [r.alpha for r in results])
        self.key.value = key_html([r.alpha for r in results])

    def shown_step(self, step: int | None = None) -> int:
        """the step the per-layer panels name: `step`, or the latest any run reached."""
        return max((row_index(r.losses, step) for r in self.results if r.steps_run), default=0)

    def _draw(self, step: int | None):
        results = self.results
        notes = []
        for (field, head, _), panel in zip(PANELS, self.profiles, strict=True):
            drawn = []
            for slot in range(SLOTS):
                rows = getattr(results[slot], field) if slot < len(results) else []
                if not len(rows):
                    panel.show(slot, None)
                    continue
                row = rows[row_index(rows, step)]
                alpha = results[slot].alpha
                panel.show(slot, alpha, rows[0], row, None, variant_label(alpha))
                drawn += [rows[0], row]
            panel.fit(*drawn, depth=max((len(d) for d in drawn), default=1))
            panel.figure.title = panel_title(head, self.shown_step(step))
            lines = panel_notes(results, field, step)
            if lines:
                notes.append(f"<b>{html.escape(head.rsplit(' ', 1)[0])}</b>: "
                             + html.escape("; ".join(lines)))
        self.notes.value = "<br>".join(notes) + (f" <i>({ZERO_WORDS})</i>" if notes else "")
        for slot, result in enumerate(results):
            self.loss.extend(slot, result.losses)
            finite = np.flatnonzero(np.isfinite(result.losses))
            if result.diverged and len(finite):  # a cross where it stopped
                self.loss.mark_end(slot, int(finite[-1]), float(result.losses[finite[-1]]))
        self.loss.fit(*[r.losses for r in results])
        self.loss.show_step(step)
        words = "; ".join(f"{variant_label(r.alpha)}: diverged at step {r.diverged_at}"
                          for r in results if r.diverged)
        if self.loss.note != words:  # a note is an array trait: the same words are resent
            self.loss.note = words
        for slot, view in enumerate(self.maps):
            probs, title, color = self.boundary(slot, step)
            if probs is not self._shown[slot]:  # a boundary is sent once, not every frame
                view.update(probs)
                self._shown[slot] = probs
            view.figure.title = title
            view.figure.title_style = {"font-size": "12px", "fill": color}
        self.frames += 1

    def boundary(self, slot: int, step: int | None) -> tuple[np.ndarray | None, str, str]:
        """what map `slot` shows at `step`: (p(class 1) or None, its title, its colour)."""
        if slot >= len(self.results):
            return None, "(no second run: α = 0)", "#333333"
        result = self.results[slot]
        kept = self.boundaries[slot].at(step)
        return (None if kept is None else kept[1], map_title(result, kept),
                variant_color(result.alpha))


def key_html(alphas) -> str:
    """the line above the live panels: each variant in its colour, then how to read them."""
    names = " &nbsp; ".join(f"<b style='color:{variant_color(a)}'>━ {variant_label(a)}</b>"
                            for a in alphas)
    return (f"{names} &nbsp; <i>per layer: solid = step 0, before any update; dashed = the step "
            f"shown (the latest while training, then the show-step slider)</i>")


class StepProfiles(PairLines):
    """PairLines at the shown step (dashed, diamonds) over each run's first row (solid)."""

    def __init__(self, ax, head: str, ylabel: str):
        super().__init__(ax, panel_title(head, 0), LAYER_AXIS, ylabel, style="d--",
                         markersize=3)
        self.head = head
        self.first = [ax.plot([], [], "o-", ms=3, lw=1)[0] for _ in range(SLOTS)]

    def update(self, runs: list, step: int):
        """runs: (alpha, rows) with one row per step run; rows[0] is drawn solid."""
        layers = [np.arange(1, rows.shape[1] + 1) for _, rows in runs]
        super().update([(alpha, x, rows[row_index(rows, step)])
                        for (alpha, rows), x in zip(runs, layers, strict=True)])
        for i, line in enumerate(self.first):
            if i < len(runs):
                line.set_data(layers[i], positive(runs[i][1][0]))
                line.set_color(variant_color(runs[i][0]))
            else:
                line.set_data([], [])
        set_log_ylim(self.ax, *[rows[[0, row_index(rows, step)]] for _, rows in runs], pad=1.5)
        self.ax.set_title(panel_title(self.head, step), fontsize=TITLE_SIZE)


class ExperimentView:
    """TrainingView's six panels drawn by matplotlib: its static copy for pages without a
    kernel (and a figure a test can draw on Agg axes)."""

    def __init__(self, axes, X, y):
        ax = axes.ravel()
        self.X = X
        self.grad_x, self.grad_w, self.moved = (
            StepProfiles(a, head, label) for a, (_, head, label) in zip(ax[:3], PANELS,
                                                                          strict=True))
        self.loss = PairLines(ax[3], "training loss", "step", "cross-entropy loss")
        self.maps = [artists.DecisionMap(a, X, y, n=BOUNDARY_GRID) for a in ax[4:]]
        self.cursor = ax[3].axvline(0, color="#777777", lw=0.8, ls=":")
        # a log axis cannot draw an exact 0: say so on the panel instead of leaving a gap
        self.zeros = [a.text(0.02, 0.02, "", transform=a.transAxes, fontsize="x-small",
                             color="#555555", va="bottom") for a in ax[:3]]

    def update(self, results: list, step: int, boundaries=None):
        """results from compare(); `step` picks the row of the per-layer panels.

        boundaries: per slot (p(class 1) or None, title), e.g. TrainingView.boundary's;
        None draws each finished net's own (a diverged one is left blank)."""
        panels = (self.grad_x, self.grad_w, self.moved)
        for (field, _, _), panel, text in zip(PANELS, panels, self.zeros, strict=True):
            panel.update([(r.alpha, getattr(r, field)) for r in results if r.steps_run], step)
            lines = panel_notes(results, field, step)
            text.set_text("\n".join(lines + ["(no place on a log axis)"] if lines else []))
        self.loss.update([(r.alpha, np.arange(r.steps_run), r.losses) for r in results])
        self.cursor.set_xdata([step, step])
        if boundaries is None:
            boundaries = [(None if r.diverged else decision_grid(r.net, self.X, BOUNDARY_GRID)[2],
                           f"{variant_label(r.alpha)}: "
                           + ("diverged" if r.diverged else f"accuracy {r.accuracy:.0%}"))
                          for r in results]
        boundaries = list(boundaries) + [(None, "(no second run: α = 0)")] * SLOTS
        for view, (probs, title) in zip(self.maps, boundaries, strict=False):
            view.update(probs)
            view.ax.set_title(title, fontsize=TITLE_SIZE)


class StaticCopy:
    """a png of a TrainingView in the output of the cell that shows it, for pages without a
    kernel (make docs, github, nbviewer): the browser draws bqplot, so an executed notebook
    holds no picture of it. after every cell that changed the view, ExperimentView draws the
    same numbers into the png.

    the png travels as static_copy's do: beside a widget view with no model, which a live
    frontend prefers and hides. no copy under voila or colab (see static_copy), nor outside
    ipython; a widget callback runs no cell, so moving a control costs no png.
    """

    def __init__(self, view: TrainingView, X, y):
        from matplotlib.figure import Figure

        self.view = weakref.ref(view)
        # fixed margins: constrained layout took half of each png's second
        self.figure = Figure(figsize=(13, 7.6), dpi=80)
        self.figure.subplots_adjust(left=0.07, right=0.99, top=0.95, bottom=0.07, wspace=0.3,
                                    hspace=0.3)
        self.picture = ExperimentView(self.figure.subplots(2, 3), X, y)
        self.handle, self.drawn, self.shell = None, None, None

    @classmethod
    def attach(cls, view: TrainingView, X, y) -> StaticCopy | None:
        from IPython import get_ipython

        shell = get_ipython()
        if shell is None or not hasattr(shell, "events") or "VOILA_BASE_URL" in os.environ \
                or "google.colab" in sys.modules:
            return None
        copy = cls(view, X, y)
        shell.events.register("post_run_cell", copy.after_cell)
        copy.shell = shell
        return copy

    def after_cell(self, result=None):
        from IPython.display import display
        from ipywidgets import Widget

        view = self.view()
        if view is None:
            self.shell.events.unregister("post_run_cell", self.after_cell)
            return
        if self.handle is None:
            shown = getattr(result, "result", None)  # the cell's value, e.g. the lesson's VBox
            if isinstance(shown, Widget) and any(w is view.widget for w in widget_tree(shown)):
                data, meta = self.bundle(view)
                self.handle = display(data, raw=True, metadata=meta, display_id=True)
        elif self.drawn != view.frames:
            data, meta = self.bundle(view)
            self.handle.update(data, raw=True, metadata=meta)

    def bundle(self, view: TrainingView) -> tuple[dict, dict]:
        """(data, metadata) of a display: the png, and a widget view that has no model."""
        self.drawn = view.frames
        if view.results:
            self.picture.update(view.results, view.shown_step(view.step),
                                [view.boundary(slot, view.step)[:2] for slot in range(SLOTS)])
        buf = io.BytesIO()
        self.figure.savefig(buf, format="png")
        size = (self.figure.get_size_inches() * self.figure.dpi).round().astype(int)
        return ({"application/vnd.jupyter.widget-view+json": NO_MODEL,
                 "image/png": base64.b64encode(buf.getvalue()).decode("ascii"),
                 "text/plain": "<a static copy of the live training view>"},
                {"image/png": {"width": int(size[0]), "height": int(size[1])}, MARK: True})


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


def layer_span(layers) -> str:
    """'layer 3', 'layers 1–12', or '5 layers' for layers that are not one run."""
    if len(layers) == 1:
        return f"layer {layers[0]}"
    if len(layers) != layers[-1] - layers[0] + 1:
        return f"{len(layers)} layers"
    return f"layers {layers[0]}–{layers[-1]}"


def zero_note(result, step: int, field: str = "grad_norms") -> str | None:
    """why a line has a gap on a log axis: 'plain: layers 1-12 exactly 0 (not drawable)'."""
    rows = getattr(result, field)
    if not len(rows):
        return None
    zeros = zero_layers(rows[min(step, len(rows) - 1)])
    if not len(zeros):
        return None
    return (f"{variant_label(result.alpha)}: {layer_span(zeros)} exactly 0, which a log axis "
            f"cannot draw")


def panel_notes(results, field: str, step: int | None) -> list[str]:
    """what a per-layer panel cannot draw in its two rows (step 0 and the shown step): the
    layers exactly 0, or a row with nothing finite. one line per run and span."""
    lines = []
    for r in results:
        rows = getattr(r, field)
        if not len(rows):
            continue
        seen: dict[str, list[str]] = {}  # what is missing: the steps it is missing at
        for s in sorted({0, row_index(rows, step)}):
            zeros = zero_layers(rows[s])
            if len(zeros):
                seen.setdefault(f"{layer_span(zeros)} exactly 0", []).append(str(s))
            elif not np.isfinite(positive(rows[s])).any():
                seen.setdefault("nothing finite", []).append(str(s))
        lines += [f"{variant_label(r.alpha)}: {what} at step {' and '.join(steps)}"
                  for what, steps in seen.items()]
    return lines


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
               optimizer: str, callback=None, callback_every: int = CALLBACK_EVERY) -> list:
    """the lesson's compare(): plain and (unless alpha is 0) a skip of strength alpha.

    `callback(results)` (e.g. TrainingView.follow()) sees the partial results every
    `callback_every` steps; it only reads them, so the numbers are those of a run without."""
    skips = (0.0,) if alpha == 0 else (0.0, alpha)
    return compare(X, y, depth=depth, skips=skips, activation=activation,
                   init_scale=init_scale, steps=STEPS, lr=LR, seed=SEED, optimizer=optimizer,
                   callback=callback, callback_every=callback_every)


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
