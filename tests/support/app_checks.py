"""what the dashboard tests check again and again: threads, drawn data, words on screen.

measured figures go to build/test-artifacts/<name>.json (printed too), never into an assert.
"""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "build" / "test-artifacts"


def trainer_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "skipviz-trainer" and t.is_alive()]


def render(app):
    """what a page that (re)connects gets: every mark of every figure sent again, in full.

    the browser draws the figures (bqplot); the kernel only serialises numbers, so an
    error in the marks' data (a shape, a dtype, a nan where json allows none) fails here.
    """
    app.figures.redraw()


def text(html: str) -> str:
    """the words of a widget's html, as a viewer reads them."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def finite_points(mark) -> int:
    """the finite y values a visible mark draws (0 for a hidden or empty mark)."""
    if not mark.visible or mark.y is None:
        return 0
    return int(np.isfinite(np.asarray(mark.y, dtype=float)).sum())


def profile_layers(app) -> list[int]:
    """how many layers each drawn step-0 gradient profile spans (0 for an empty slot)."""
    return [len(line.x) for line in app.figures.profile.start]


def loss_points(app, slot: int) -> int:
    """the steps of slot's loss curve in the browser (each band once, less the overlaps)."""
    marks = [m for m in app.figures.loss.lines[slot] if m.visible]
    return sum(len(m.x) for m in marks) - max(len(marks) - 1, 0)


def blank_panels(app) -> list[str]:
    """the panels of the dashboard that show neither data nor words: should be none."""
    f = app.figures
    blank = []
    if not any(finite_points(ln) for ln in f.profile.start) and not f.profile.note:
        blank.append("gradient profile")
    lines = [m for slot in f.loss.lines for m in slot]
    if not any(finite_points(ln) for ln in lines) and not f.loss.note:
        blank.append("loss")
    return blank


def record(name: str, **values) -> dict:
    """save measured figures (seconds, megabytes) for the readme; never asserted on."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.json"
    old = json.loads(path.read_text()) if path.exists() else {}
    old.update({k: round(v, 2) if isinstance(v, float) else v for k, v in values.items()})
    path.write_text(json.dumps(old, indent=2))
    print(f"\n{name}:", values)
    return old
