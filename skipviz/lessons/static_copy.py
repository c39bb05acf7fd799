"""a static picture of each live figure, for pages without a kernel (github, nbviewer, html).

an ipympl canvas is drawn by the browser from a running kernel; a saved notebook keeps only
a reference to the widget, so without the kernel a lesson is text with no pictures. after a
cell shows a live figure (a widget box holding its canvas), a png of the figure is added to
that cell's output, and replaced whenever a later cell changes the figure.

the png travels in a display whose bundle also carries a widget view with an empty model id.
a frontend with a widget manager (jupyterlab, notebook 7, voila) prefers the widget view and
hides a view with no model, so a live page never shows the figure twice; github, nbviewer
and nbconvert know no such model and show the png. once a browser view of the canvas has
started (ipympl's 'initialized' message), the live view is the picture: no more pngs are made.
"""

from __future__ import annotations

import base64
import io
import os
import sys
import weakref

__all__ = ["MARK", "keep_static_copy"]

# the metadata key that marks these outputs (make docs and the tests look for it)
MARK = "skipviz_static_copy"
# the class of a browser-drawn (bqplot) live view's box: make docs counts each view by it,
# and each must leave one picture, as every ipympl canvas must
LIVE_VIEW_CLASS = "sv-live-view"
_NO_MODEL = {"version_major": 2, "version_minor": 0, "model_id": ""}
_copies: list[_Copy] = []
_hooked: list = []  # the shell whose post_run_cell event runs `_after_cell`


class _Copy:
    """one live figure and the display of its png (None until a cell has shown the figure)."""

    def __init__(self, fig):
        self.figure = weakref.ref(fig)
        self.handle = None


def keep_static_copy(fig) -> bool:
    """give `fig` (an ipympl figure) a png copy in the output of the cell that shows it.

    returns False, and does nothing, where no copy is wanted or possible: outside IPython,
    for a canvas that is not ipympl's, under voila (always a live page) and on colab (whose
    widget manager is not known to hide an empty view).
    """
    shell = _shell()
    if shell is None or not hasattr(fig.canvas, "syncing_data_url"):
        return False
    if "VOILA_BASE_URL" in os.environ or "google.colab" in sys.modules:
        return False
    if not _hooked:
        shell.events.register("post_run_cell", _after_cell)
        _hooked.append(shell)
    _copies.append(_Copy(fig))
    return True


def _shell():
    from IPython import get_ipython

    shell = get_ipython()
    return shell if shell is not None and hasattr(shell, "events") else None


def _after_cell(result) -> None:
    from IPython.display import display

    shown = getattr(result, "result", None)  # the cell's value, e.g. the lesson's VBox
    for copy in list(_copies):
        fig = copy.figure()
        # a browser view of the canvas is live (it says 'initialized'): it is the picture now
        if fig is None or not fig.canvas.syncing_data_url:
            _copies.remove(copy)
        elif copy.handle is None and shown is fig.canvas:
            _copies.remove(copy)  # a canvas shown alone carries ipympl's own png
        elif copy.handle is None and _holds(shown, fig.canvas):
            data, meta = _bundle(fig)
            copy.handle = display(data, raw=True, metadata=meta, display_id=True)
        elif copy.handle is not None and fig.stale:
            data, meta = _bundle(fig)
            copy.handle.update(data, raw=True, metadata=meta)


def _holds(widget, canvas, depth: int = 0) -> bool:
    """is `canvas` inside `widget` (a box of boxes)?"""
    if widget is canvas:
        return True
    children = getattr(widget, "children", None)
    if depth > 20 or not isinstance(children, (list, tuple)):
        return False
    return any(_holds(child, canvas, depth + 1) for child in children)


def _bundle(fig) -> tuple[dict, dict]:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi="figure")  # also marks the figure as drawn (not stale)
    width, height = (fig.get_size_inches() * fig.dpi).round().astype(int).tolist()
    data = {
        "application/vnd.jupyter.widget-view+json": _NO_MODEL,
        "image/png": base64.b64encode(buf.getvalue()).decode("ascii"),
        "text/plain": "<a static copy of the live figure>",
    }
    return data, {"image/png": {"width": width, "height": height}, MARK: True}
