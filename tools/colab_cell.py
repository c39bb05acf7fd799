"""give every lesson notebook the same first code cell, so each lesson opens in Colab.

    python tools/colab_cell.py              # insert or refresh the cell in notebooks/NN_*.ipynb
    python tools/colab_cell.py --check      # exit 1 if a lesson lacks it (changes nothing)
    python tools/colab_cell.py A.ipynb ...  # only these notebooks

on Colab the cell installs skipviz when it is missing (from GitHub, the same main branch the
notebook was opened from) and turns on Colab's custom widget manager, without which ipympl's
figures and the other non-core widgets do not show there. anywhere else it does nothing.
running the tool again changes nothing; an older version of the cell (found by its id) is
replaced in place and moved before the first code cell.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
CELL_ID = "colab-setup"
SOURCE = """\
# on colab: install skipviz if it is missing, turn on colab's widget manager (elsewhere: nothing)
import sys

if "google.colab" in sys.modules:
    import importlib.util
    import subprocess

    if importlib.util.find_spec("skipviz") is None:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet",
                        "skipviz @ git+https://github.com/skipviz/skipviz"], check=True)
    from google.colab import output

    output.enable_custom_widget_manager()"""


def lessons() -> list[Path]:
    return sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def has_cell(nb) -> bool:
    """is the first code cell exactly the colab cell?"""
    code = [c for c in nb.cells if c.cell_type == "code"]
    return bool(code) and code[0].source == SOURCE


def with_cell(nb):
    """`nb` with the colab cell as its first code cell (a stale copy of it removed)."""
    if has_cell(nb) and sum(c.get("id") == CELL_ID for c in nb.cells) <= 1:
        return nb
    nb.cells = [c for c in nb.cells if c.get("id") != CELL_ID and c.source != SOURCE]
    first = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code"), len(nb.cells))
    cell = nbformat.v4.new_code_cell(SOURCE)
    cell.id = CELL_ID
    nb.cells.insert(first, cell)
    return nb


def apply(path: Path) -> bool:
    """put the cell into the notebook at `path`; True if the file changed."""
    nb = nbformat.read(path, as_version=4)
    if has_cell(nb) and sum(c.get("id") == CELL_ID for c in nb.cells) <= 1:
        return False
    nbformat.validate(with_cell(nb))
    nbformat.write(nb, path)
    return True


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every lesson")
    parser.add_argument("--check", action="store_true", help="only report, change nothing")
    args = parser.parse_args(argv)
    paths = args.notebooks or lessons()
    if args.check:
        missing = [str(p) for p in paths if not has_cell(nbformat.read(p, as_version=4))]
        for p in missing:
            print(f"{p}: the first code cell is not the colab cell (run tools/colab_cell.py)")
        return 1 if missing else 0
    for path in paths:
        print(f"{path}: {'colab cell added' if apply(path) else 'unchanged'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
