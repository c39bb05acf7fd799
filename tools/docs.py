"""make docs: execute every lesson and write a static html copy of each, figures included.

    python tools/docs.py                      # every lesson -> build/docs/
    python tools/docs.py notebooks/01_*.ipynb --out /tmp/docs

a lesson's live figures are ipympl canvases or browser-drawn (bqplot) views, which need a
kernel; each leaves a png copy in the executed notebook (skipviz.lessons.static_copy, and
lesson 3's StaticCopy), and that png is what the html shows. the controls need a kernel
too: in the html they are left out, with a note at the top saying where the lesson runs
live. build/docs/ also gets each executed notebook
(outputs and widget state kept: nbviewer shows the pictures from it) and an index.html.
a lesson that shows fewer pictures than it has live figures fails the build.
"""

from __future__ import annotations

import argparse
import copy
import html
import json
import sys
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
REPO = "skipviz/skipviz"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
CANVAS_MODEL = "MPLCanvasModel"  # ipympl's model name: one per live figure


def lessons() -> list[Path]:
    return sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def execute(path: Path, timeout: int = 600):
    """the lesson run top to bottom in a fresh kernel, as nbval runs it; widget state kept."""
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=timeout, kernel_name="python3", store_widget_state=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return nb


def live_figures(nb) -> int:
    """how many live figures the run created (from the saved widget state): ipympl canvases,
    and browser-drawn views (bqplot), each a box with the class LIVE_VIEW_CLASS."""
    from skipviz.lessons.static_copy import LIVE_VIEW_CLASS

    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    return sum(1 for m in state.values()
               if m.get("model_name") == CANVAS_MODEL
               or LIVE_VIEW_CLASS in m.get("state", {}).get("_dom_classes", []))


def pictures(nb) -> int:
    """pngs of live figures: static copies, and the png ipympl adds to a canvas shown alone."""
    from skipviz.lessons.static_copy import MARK

    return sum(1 for cell in nb.cells for out in cell.get("outputs", [])
               if "image/png" in out.get("data", {})
               and (out.get("metadata", {}).get(MARK) or WIDGET_VIEW in out.get("data", {})))


def static(nb, name: str):
    """a copy for html: no widget state, no outputs that only a kernel could show, and a
    note on where the lesson runs live."""
    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs
                            if set(o.get("data", {})) - {WIDGET_VIEW, "text/plain"}
                            or WIDGET_VIEW not in o.get("data", {})]
    binder = f"https://mybinder.org/v2/gh/{REPO}/main?urlpath=lab/tree/notebooks/{name}"
    colab = f"https://colab.research.google.com/github/{REPO}/blob/main/notebooks/{name}"
    nb.cells.insert(0, nbformat.v4.new_markdown_cell(
        f"*A static copy of `{name}`, executed by `make docs`: the pictures are the live "
        f"figures as the lesson left them; the controls need a running kernel. Run it live on "
        f"[Binder]({binder}) or [Colab]({colab}), or locally with `make app`.*"))
    return nb


def to_html(nb) -> str:
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
    return body


def build(paths: list[Path], out: Path) -> list[dict]:
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for path in paths:
        start = time.monotonic()
        nb = execute(path)
        nbformat.write(nb, out / path.name)
        page = out / path.with_suffix(".html").name
        page.write_text(to_html(static(nb, path.name)), encoding="utf-8")
        rows.append(dict(lesson=path.name, html=str(page), live_figures=live_figures(nb),
                         pictures=pictures(nb), seconds=round(time.monotonic() - start, 1)))
        print(json.dumps(rows[-1]), flush=True)
    links = "".join(f"<li><a href='{html.escape(Path(r['html']).name)}'>"
                    f"{html.escape(r['lesson'])}</a> ({r['pictures']} figures)</li>" for r in rows)
    (out / "index.html").write_text(
        f"<!doctype html><meta charset='utf-8'><title>skipviz lessons</title>"
        f"<h1>skipviz lessons (static copies)</h1><ul>{links}</ul>", encoding="utf-8")
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every lesson")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "docs")
    args = parser.parse_args(argv)
    rows = build([p.resolve() for p in args.notebooks] or lessons(), args.out)
    missing = [r["lesson"] for r in rows if r["pictures"] < r["live_figures"]]
    if missing:
        print(f"lessons with a live figure and no picture: {missing}", file=sys.stderr)
        return 1
    print(f"wrote {len(rows)} lessons to {args.out}/index.html")
    return 0


if __name__ == "__main__":
    sys.exit(main())
