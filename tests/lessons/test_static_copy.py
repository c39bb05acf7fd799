"""a live figure leaves a png in the executed notebook, current with the figure's last state,
and stays out of the way of a live page (voila, or a browser showing the canvas)."""

import base64
import io

import nbformat
from nbclient import NotebookClient
from PIL import Image

from skipviz.lessons.static_copy import MARK

SHOWN, ALONE, LIVE = 1, 3, 5  # the cells that show a box holding a canvas (see CELLS)
CELLS = [
    # 0: two live figures and a line in each
    "%matplotlib widget\nimport base64, io\nimport ipywidgets as W\n"
    "from skipviz.lessons.widgets import live_figure\n"
    "fig, ax = live_figure(figsize=(3, 2))\nline, = ax.plot([0, 1], [0, 1])\n"
    "fig_live, ax_live = live_figure(figsize=(3, 2))\nline_live, = ax_live.plot([0, 1], [0, 1])\n"
    "def png(f):\n    buf = io.BytesIO()\n    f.savefig(buf, format='png', dpi='figure')\n"
    "    return base64.b64encode(buf.getvalue()).decode()\n"
    "fig_m, axd = live_figure(mosaic=[['a', 'b']], figsize=(3, 2))\n"
    "png(fig), png(fig_live);  # constrained layout settles on its first draw",
    # 1: the first figure in a box, as every lesson shows it
    "W.VBox([W.HTML('controls'), W.HBox([fig.canvas])])",
    # 2: the picture as it is now
    "print(png(fig))",
    # 3: a cell whose value is not the figure adds no copy
    "1 + 1",
    # 4: a later cell changes the figure
    "line.set_data([0, 1], [1, 0])\nax.set_title('changed')\nfig.canvas.draw_idle()\n"
    "print(png(fig))",
    # 5: the second figure is shown, then a browser view of it starts (ipympl's message)
    "W.VBox([fig_live.canvas])",
    "print(png(fig_live))\n"
    "fig_live.canvas._handle_message(fig_live.canvas, {'type': 'initialized'}, [])",
    # 7: changed after the browser showed it: no new png
    "line_live.set_data([0, 1], [1, 0])\nfig_live.canvas.draw_idle()",
    # 8: a figure laid out by subplot_mosaic gets its copy too
    "print(sorted(axd))\nW.VBox([fig_m.canvas])",
]


def run(cells, env_extra=None, monkeypatch=None):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    if env_extra:
        for key, value in env_extra.items():
            monkeypatch.setenv(key, value)
    NotebookClient(nb, timeout=300, kernel_name="python3").execute()
    return nb


def copies(cell) -> list[dict]:
    return [o for o in cell.outputs if o.get("metadata", {}).get(MARK)]


def printed(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream").strip()


def pixels(b64: str):
    return Image.open(io.BytesIO(base64.b64decode(b64))).convert("RGB").tobytes()


def test_an_executed_notebook_keeps_a_current_png_of_each_live_figure():
    nb = run(CELLS)
    cells = nb.cells
    [copy] = copies(cells[SHOWN])
    # a live frontend prefers the widget view and hides a view without a model...
    assert copy.data["application/vnd.jupyter.widget-view+json"]["model_id"] == ""
    # ...and a page without one shows the png, of the figure's size
    width, height = copy.metadata["image/png"]["width"], copy.metadata["image/png"]["height"]
    assert Image.open(io.BytesIO(base64.b64decode(copy.data["image/png"]))).size == (width, height)
    # the png is the figure as the later cell left it (rendered there by savefig), not as
    # it was when the box was shown
    assert pixels(copy.data["image/png"]) == pixels(printed(cells[4]))
    assert pixels(copy.data["image/png"]) != pixels(printed(cells[2]))
    assert not copies(cells[ALONE]) and not copies(cells[4])
    # the figure a browser showed keeps the png made before the browser said so
    [live] = copies(cells[LIVE])
    assert pixels(live.data["image/png"]) == pixels(printed(cells[6]))
    # the mosaic figure: its axes by name, and its copy
    assert printed(cells[8]) == "['a', 'b']" and len(copies(cells[8])) == 1
    assert sum(len(copies(c)) for c in cells) == 3


def test_voila_gets_no_copies(monkeypatch):
    # voila sets VOILA_BASE_URL in every kernel it starts: its page is always live
    nb = run(CELLS, {"VOILA_BASE_URL": "/"}, monkeypatch)
    assert sum(len(copies(c)) for c in nb.cells) == 0
    assert printed(nb.cells[4])  # the notebook itself ran as before
