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
    """what the browser would ask for: both figures drawn (an error here fails the test).

    the worker paces its redraws by the last render's time; with no browser waiting on
    these renders, that pacing would only slow the headless tests down, so it is reset.
    """
    for canvas in app.figures.canvases:
        canvas.draw()
    app.figures.draw_seconds = 0.0


def text(html: str) -> str:
    """the words of a widget's html, as a viewer reads them."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def finite_points(line) -> int:
    return int(np.isfinite(np.asarray(line.get_ydata(), dtype=float)).sum())


def profile_layers(app) -> list[int]:
    """how many layers each drawn step-0 gradient profile spans (0 for an empty slot)."""
    return [len(line.get_xdata()) for line in app.figures.start_lines]


def blank_panels(app) -> list[str]:
    """the panels of the dashboard that show neither data nor words: should be none."""
    f = app.figures
    blank = []
    if not any(finite_points(ln) for ln in f.start_lines) and not f.profile_note.get_text():
        blank.append("gradient profile")
    if not any(finite_points(ln) for ln in f.loss_lines) and not f.loss_note.get_text():
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
