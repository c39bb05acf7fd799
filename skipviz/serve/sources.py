"""how code shows in voila: the dashboard shows none, a lesson shows the code that teaches.

voila's `strip_sources` is one switch for every page. the dashboard keeps it on (its one cell
only builds the app; hiding it also hides how the page is made). a lesson is different: its
cells are short, start with a heading comment and are the four calls a learner would type to
get the same figure (d2l's style), and some hold the thing taught (a block's code, a shape
check). so a lesson page shows its code cells, without prompts, and hides the ones that teach
nothing to a reader of the page: a cell of imports and magics only (the setup cell), and the
cells its author marked, with the markers jupyterlab and jupyter book already use:
`metadata.jupyter.source_hidden` (jupyterlab's "collapse input") or a `hide-input` /
`remove-input` tag. the same notebook thus reads the same in jupyterlab and in voila.
"""

from __future__ import annotations

import ast
import os

import voila.handler
import voila.voila_kernel_manager
from voila.notebook_renderer import NotebookRenderer

from .pages import is_lesson

__all__ = ["HIDE_TAGS", "LessonSourceRenderer", "install", "teaches"]

HIDE_TAGS = ("hide-input", "remove-input")


def teaches(cell: dict) -> bool:
    """does a lesson show this code cell's source in voila?"""
    meta = cell.get("metadata", {})
    if meta.get("jupyter", {}).get("source_hidden", False):
        return False
    if any(tag in HIDE_TAGS for tag in meta.get("tags", [])):
        return False
    source = cell.get("source", "")
    source = "".join(source) if isinstance(source, list) else source
    # ipython magics are not python: drop them, then look at what is left
    python = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith("%"))
    try:
        body = ast.parse(python).body
    except SyntaxError:
        return True
    return not all(isinstance(node, (ast.Import, ast.ImportFrom)) for node in body)


class LessonSourceRenderer(NotebookRenderer):
    """voila's renderer, showing a lesson's teaching code (see the module docstring)."""

    async def initialize(self, **kwargs) -> None:
        await super().initialize(**kwargs)
        if not is_lesson(os.path.basename(str(self.notebook_path))):
            return
        self.exporter.exclude_input = False
        for cell in self.notebook.cells:
            if cell.get("cell_type") == "code" and not teaches(cell):
                # nbconvert's templates skip the input of a cell marked so
                cell.metadata.setdefault("transient", {})["remove_source"] = True


def install() -> None:
    """make voila's page handler and its kernel pool render with LessonSourceRenderer."""
    voila.handler.NotebookRenderer = LessonSourceRenderer
    voila.voila_kernel_manager.NotebookRenderer = LessonSourceRenderer
