"""each lesson opens in colab: the same first code cell everywhere (tools/colab_cell.py), which
installs skipviz and turns on colab's widget manager there and does nothing anywhere else."""

import importlib.util
import shutil
import subprocess
import sys
import types
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("colab_cell", ROOT / "tools" / "colab_cell.py")
colab_cell = importlib.util.module_from_spec(spec)
spec.loader.exec_module(colab_cell)
LESSONS = colab_cell.lessons()
FIND_SPEC = importlib.util.find_spec


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


@pytest.mark.parametrize("path", LESSONS, ids=[p.name for p in LESSONS])
def test_every_lesson_starts_with_the_colab_cell(path):
    nb = nbformat.read(path, as_version=4)
    assert code_cells(nb)[0].source == colab_cell.SOURCE, (
        f"{path.name}: run `python tools/colab_cell.py` to add the colab cell")
    assert sum(c.source == colab_cell.SOURCE for c in nb.cells) == 1


def test_the_tool_adds_the_cell_once_and_leaves_the_rest(tmp_path):
    copies = []
    for path in LESSONS:
        shutil.copy(path, tmp_path / path.name)
        copies.append(tmp_path / path.name)
    stale = nbformat.read(copies[0], as_version=4)  # an older version of the cell, not first
    old = nbformat.v4.new_code_cell("# an older colab cell")
    old.id = colab_cell.CELL_ID
    stale.cells.append(old)
    nbformat.write(stale, copies[0])
    before = {p: [c for c in nbformat.read(p, as_version=4).cells
                  if c.get("id") != colab_cell.CELL_ID and c.source != colab_cell.SOURCE]
              for p in copies}

    run = [sys.executable, str(ROOT / "tools" / "colab_cell.py"), *map(str, copies)]
    assert subprocess.run(run, capture_output=True, timeout=120).returncode == 0
    once = {p: p.read_bytes() for p in copies}
    assert subprocess.run(run, capture_output=True, timeout=120).returncode == 0
    assert {p: p.read_bytes() for p in copies} == once  # a second run changes nothing
    check = subprocess.run([*run[:2], "--check", *run[2:]], capture_output=True, timeout=120)
    assert check.returncode == 0, check.stdout

    for p in copies:
        nb = nbformat.read(p, as_version=4)
        nbformat.validate(nb)
        assert code_cells(nb)[0].source == colab_cell.SOURCE
        assert code_cells(nb)[0].id == colab_cell.CELL_ID
        assert [c for c in nb.cells if c.id != colab_cell.CELL_ID] == before[p]
        # the title (a markdown cell) stays above it
        first = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
        assert all(c.cell_type == "markdown" for c in nb.cells[:first])


def run_cell(monkeypatch, colab: bool, installed: bool):
    """execute the cell as a kernel would, recording what it asks of pip and of colab."""
    calls = {"pip": [], "widget_manager": 0}
    monkeypatch.setattr(subprocess, "run", lambda cmd, **kw: calls["pip"].append(cmd))
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "skipviz" and not installed
                        else FIND_SPEC(name, *a))
    if colab:
        output = types.ModuleType("google.colab.output")

        def enable():
            calls["widget_manager"] += 1

        output.enable_custom_widget_manager = enable
        google = types.ModuleType("google")
        google_colab = types.ModuleType("google.colab")
        google_colab.output = output
        google.colab = google_colab
        for name, module in (("google", google), ("google.colab", google_colab),
                             ("google.colab.output", output)):
            monkeypatch.setitem(sys.modules, name, module)
    exec(compile(colab_cell.SOURCE, "colab-cell", "exec"), {})
    return calls


def test_off_colab_the_cell_does_nothing(monkeypatch):
    assert "google.colab" not in sys.modules
    calls = run_cell(monkeypatch, colab=False, installed=False)
    assert calls == {"pip": [], "widget_manager": 0}
    assert "google.colab" not in sys.modules


def test_on_colab_it_installs_skipviz_only_when_missing(monkeypatch):
    calls = run_cell(monkeypatch, colab=True, installed=False)
    [cmd] = calls["pip"]
    assert cmd[:4] == [sys.executable, "-m", "pip", "install"]
    assert cmd[-1] == "skipviz @ git+https://github.com/skipviz/skipviz"
    assert calls["widget_manager"] == 1
    assert run_cell(monkeypatch, colab=True, installed=True) == {"pip": [], "widget_manager": 1}
