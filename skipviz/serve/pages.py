"""what `skipviz serve` offers: the dashboard and every numbered lesson found in a folder.

lessons are discovered, never listed by hand: any `NN_name.ipynb` in the notebook folder is a
lesson (new ones appear on the landing page by being added). each page's title and one line
come from the notebook itself: `metadata.skipviz.title/summary` when the author set them, else
the first markdown heading and the first sentence of prose under it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DASHBOARD", "Page", "discover", "is_lesson"]

DASHBOARD = "dashboard.ipynb"
LESSON_NAME = re.compile(r"^(\d{2})_[A-Za-z0-9_]+\.ipynb$")
SUMMARY_CHARS = 160
# the dashboard has no prose of its own to quote
DASHBOARD_TITLE = "The dashboard: plain vs residual, trained live"
DASHBOARD_SUMMARY = ("Pick depth, shortcut, activation and initial scale; watch both nets train "
                     "side by side and the per-layer gradient vanish, hold or explode.")


@dataclass(frozen=True)
class Page:
    """one notebook the server renders."""

    name: str  # file name inside the notebook folder, e.g. "03_vanishing_vs_preserved.ipynb"
    title: str
    summary: str
    number: int | None  # the lesson number; None for the dashboard

    @property
    def is_lesson(self) -> bool:
        return self.number is not None


def is_lesson(name: str) -> bool:
    """a numbered notebook (`NN_name.ipynb`) is a lesson; its code cells teach."""
    return LESSON_NAME.match(name) is not None


def discover(folder: Path) -> list[Page]:
    """the dashboard first (when present), then the lessons in number order."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"notebook folder {folder} does not exist")
    pages = []
    dashboard = folder / DASHBOARD
    if dashboard.is_file():
        pages.append(_page(dashboard, number=None))
    for path in sorted(folder.glob("*.ipynb")):
        match = LESSON_NAME.match(path.name)
        if match:
            pages.append(_page(path, number=int(match.group(1))))
    return pages


def _page(path: Path, number: int | None) -> Page:
    nb = json.loads(path.read_text(encoding="utf-8"))
    meta = nb.get("metadata", {})
    own = meta.get("skipviz", {}) if isinstance(meta.get("skipviz"), dict) else {}
    heading, prose = _first_heading_and_prose(nb.get("cells", []))
    if number is None:
        heading, prose = DASHBOARD_TITLE, DASHBOARD_SUMMARY
    title = own.get("title") or heading or path.stem.replace("_", " ")
    # "03 · vanishing ..." -> "vanishing ...": the card shows the number on its own
    title = re.sub(r"^\s*\d{1,2}\s*[·.:-]\s*", "", title)
    summary = own.get("summary") or _first_sentence(prose)
    return Page(name=path.name, title=title.strip(), summary=summary.strip(), number=number)


def _first_heading_and_prose(cells: list[dict]) -> tuple[str, str]:
    heading, prose = "", ""
    for cell in cells:
        if cell.get("cell_type") != "markdown":
            continue
        for block in re.split(r"\n\s*\n", "".join(cell.get("source", ""))):
            block = block.strip()
            if not block:
                continue
            if block.startswith("#"):
                if not heading:
                    heading = block.splitlines()[0].lstrip("#").strip()
                continue
            # an italic aside ("*Lesson 1 of skipviz ...*"), a list or maths is not the hook
            if block.startswith(("*", "-", "$", ">", "|", "<")) and not block.startswith("**"):
                continue
            prose = " ".join(block.split())
            return heading, prose
    return heading, prose


def _first_sentence(text: str) -> str:
    text = re.sub(r"\*\*|`|\$", "", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # [label](link) -> label
    end = re.search(r"(?<=[.!?])\s", text)
    sentence = text[: end.start()] if end else text
    if len(sentence) > SUMMARY_CHARS:
        sentence = sentence[: SUMMARY_CHARS - 1].rsplit(" ", 1)[0] + "…"
    return sentence
