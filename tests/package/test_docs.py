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
