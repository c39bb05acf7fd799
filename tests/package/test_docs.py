"""make docs on one short lesson: the html shows a picture for every live figure the run made."""

import re
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]
LESSON = ROOT / "notebooks" / "01_residual_block.ipynb"


def test_docs_html_shows_every_live_figure(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "docs.py"), str(LESSON),
                           "--out", str(tmp_path)], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]

    # the live figures the run made, counted from the executed notebook's widget state
    executed = nbformat.read(tmp_path / LESSON.name, as_version=4)
    state = executed.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    canvases = [m for m in state.values() if m["model_name"] == "MPLCanvasModel"]
    assert canvases

    page = (tmp_path / LESSON.with_suffix(".html").name).read_text(encoding="utf-8")
    images = re.findall(r"<img[^>]+src=\"data:image/png;base64,", page)
    assert len(images) == len(canvases), (len(images), len(canvases))
    # controls need a kernel: no widget reprs in the page, a note says where it runs live
    assert "VBox(children" not in page and "Figure(" not in page
    assert "mybinder.org" in page and "colab.research.google.com" in page
    assert LESSON.name in (tmp_path / "index.html").read_text(encoding="utf-8")


def _docs_tool():
    import importlib.util

    spec = importlib.util.spec_from_file_location("docs_tool", ROOT / "tools" / "docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(docs, cells: list[str], path: Path):
    # executed the way make docs executes a lesson (widget state kept)
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells]),
                   path)
    return docs.execute(path)


def test_a_browser_drawn_view_counts_as_a_live_figure_and_needs_its_picture(tmp_path):
    # lesson 3's training view is drawn by bqplot: no ipympl canvas, one png of its own
    docs = _docs_tool()
    setup = ("import skipviz as sv\nfrom skipviz.lessons.vanishing import TrainingView\n"
             "X, y = sv.make_dataset('spirals', n=64, seed=0)\n")
    with_copy = _run(docs, [setup + "view = TrainingView(X, y)", "view.widget"],
                     tmp_path / "with_copy.ipynb")
    without = _run(docs, [setup + "view = TrainingView(X, y, static_copy=False)", "view.widget"],
                   tmp_path / "without.ipynb")
    assert docs.live_figures(with_copy) == docs.live_figures(without) == 1
    assert docs.pictures(with_copy) == 1  # make docs passes: a picture for the view
    assert docs.pictures(without) == 0  # and it would fail a lesson that left none
