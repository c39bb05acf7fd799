"""keep a live control alive: a bad value becomes a short message, never a traceback."""

from __future__ import annotations

import functools
import html
from typing import Callable

from ..viz.canvas_guard import install as guard_canvases
from ..viz.palette import PLAIN_COLOR
from .static_copy import keep_static_copy


def guarded(update: Callable, status) -> Callable:
    """wrap a widget callback; a ValueError from the package is shown in `status` instead.

    `status` is anything with a text `.value` (an ipywidgets.HTML). it is cleared before each
    call, so `update` may write its own note there (e.g. 'the plain net diverged'); other
    errors are bugs and still raise.
    """
    if not callable(update):
        raise ValueError(f"update must be callable, got {type(update).__name__}")
    if not hasattr(status, "value"):
        raise ValueError(f"status must have a .value (an ipywidgets.HTML), "
                         f"got {type(status).__name__}")

    @functools.wraps(update)
    def run(*args, **kwargs):
        status.value = ""
        run.last_error = None
        try:
            return update(*args, **kwargs)
        except ValueError as err:
            run.last_error = str(err)
            status.value = warning(run.last_error)
            return None

    run.last_error = None  # the text of the last refused value, for a notebook to print
    return run


def warning(text: str) -> str:
    """html for a one-line warning in the plain net's colour."""
    return f"<span style='color:{PLAIN_COLOR}'>⚠ {html.escape(text, quote=False)}</span>"


def note(text: str) -> str:
    """html for a one-line neutral note."""
    return f"<span style='color:#444444'>{html.escape(text, quote=False)}</span>"


def live_figure(*subplots_args, mosaic=None, **subplots_kwargs):
    """a matplotlib figure for a live ipympl canvas: (fig, axes), built without showing twice.

    takes plt.subplots' arguments (layout="constrained" unless given), or with `mosaic=` the
    layout of plt.subplot_mosaic (axes then come back as its dict). the canvas's title bar
    is hidden: put `fig.canvas` in a widget box to show it. the cell that shows the box also
    gets a png of the figure, kept current, for pages without a kernel (see static_copy).
    """
    import matplotlib.pyplot as plt

    subplots_kwargs.setdefault("layout", "constrained")
    with plt.ioff():
        if mosaic is None:
            fig, axes = plt.subplots(*subplots_args, **subplots_kwargs)
        else:
            fig, axes = plt.subplot_mosaic(mosaic, *subplots_args, **subplots_kwargs)
    if hasattr(fig.canvas, "header_visible"):
        fig.canvas.header_visible = False
        # a page must not make the kernel draw a 16000 x 16000 canvas (issue 14, D4)
        guard_canvases()
    keep_static_copy(fig)
    return fig, axes


def controls_with_tips(tips: dict, *below):
    """a column of controls, each with its italic 'try: ...' prompt, then `below` widgets."""
    import ipywidgets as W

    rows = [W.HBox([control, W.HTML(f"<i>{html.escape(tip, quote=False)}</i>")])
            for control, tip in tips.items()]
    return W.VBox([*rows, *below])


class Prediction:
    """predict, then see: the learner commits to an answer before a run, then reads why.

    >>> p = Prediction("without the skip, layer 1's gradient at depth 30 will be ...",
    ...                ["about the same as the last layer's", "a thousand times smaller or less"],
    ...                run=lambda: ..., explain=lambda choice, outcome: "...")
    >>> p.widget     # show it; the run button stays disabled until an answer is chosen
    >>> p.choose("a thousand times smaller or less")   # what a click does, for nbval

    `run()` does the experiment and returns the option that came true, computed from its own
    numbers (never a fixed answer); `explain(choice, outcome)` returns the text shown after it.
    """

    def __init__(self, question: str, options, run: Callable, explain: Callable):
        import ipywidgets as W

        options = [str(o) for o in options]
        if len(options) < 2:
            raise ValueError(f"options must hold at least 2 answers, got {len(options)}")
        if not (callable(run) and callable(explain)):
            raise ValueError("run and explain must be callable")
        self.options, self._run, self._explain = options, run, explain
        self.choice = self.outcome = None
        self.question = W.HTML(f"<b>predict first:</b> {html.escape(question, quote=False)}")
        self.answers = W.RadioButtons(options=options, value=None,
                                      layout=W.Layout(width="max-content"))
        self.button = W.Button(description="commit and run", button_style="primary",
                               disabled=True)
        self.result = W.HTML()
        self.answers.observe(self._chosen, names="value")
        self.button.on_click(lambda _: self.reveal())
        self.widget = W.VBox([self.question, self.answers, self.button, self.result])

    def _chosen(self, change=None):
        self.button.disabled = self.answers.value is None

    def choose(self, option: str):
        """pick `option` and run, as the learner's click would; returns the outcome."""
        if option not in self.options:
            raise ValueError(f"option must be one of {self.options}, got {option!r}")
        self.answers.value = option
        return self.reveal()

    def reveal(self):
        if self.answers.value is None:
            raise ValueError("choose an answer first: the point is to commit before the run")
        self.choice = self.answers.value
        self.button.disabled, self.answers.disabled = True, True
        self.result.value = note("running…")
        try:
            self.outcome = self._run()
            if self.outcome not in self.options:
                raise ValueError(f"run() must return one of the options, got {self.outcome!r}")
            verdict = "you were right" if self.choice == self.outcome else "not this time"
            self.result.value = (f"<b>{verdict}:</b> it came out "
                                 f"<b>{html.escape(self.outcome, quote=False)}</b>. "
                                 + self._explain(self.choice, self.outcome))
        finally:
            self.button.disabled, self.answers.disabled = False, False
        return self.outcome
