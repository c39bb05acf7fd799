"""in jupyterlab (chromium) the static copy of a live figure never shows beside the live canvas,
and a saved notebook reopened without the kernel's widgets shows the copy instead."""

import subprocess
import sys
import time

import nbformat
import pytest
from nbclient import NotebookClient
from support.browser_kit import TIMEOUT_MS, browser, new_page  # noqa: F401 (a fixture)
from support.voila_server import free_port

CELLS = ["%matplotlib widget\nimport ipywidgets as W\n"
         "from skipviz.lessons.widgets import live_figure\n"
         "fig, ax = live_figure(figsize=(3, 2))\nax.plot([0, 1], [0, 1]);",
         "W.VBox([W.HTML('controls'), fig.canvas])"]
KERNEL_IDLE = """() => { const w = window.jupyterapp.shell.currentWidget;
    const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
    return !!k && k.status === 'idle'; }"""
VISIBLE = """(sel) => Array.from(document.querySelectorAll('.jp-OutputArea-output ' + sel))
                     .filter(e => e.offsetParent !== null).length"""


@pytest.fixture
def lab(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, tmp_path / "live.ipynb")
    NotebookClient(nb, timeout=300, kernel_name="python3").execute()
    nbformat.write(nb, tmp_path / "saved.ipynb")
    port = free_port()
    log = open(tmp_path / "lab.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", f"--port={port}",
         "--ServerApp.port_retries=0", "--ServerApp.token=", "--ServerApp.password=",
         f"--ServerApp.root_dir={tmp_path}", "--LabApp.expose_app_in_browser=True"],
        stdout=log, stderr=subprocess.STDOUT)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def open_notebook(page, url: str):
    end = time.monotonic() + TIMEOUT_MS / 1000
    while True:  # the server may still be starting
        try:
            page.goto(url, timeout=TIMEOUT_MS)
            break
        except Exception:
            if time.monotonic() > end:
                raise
            time.sleep(1)
    # attached, not visible: jupyterlab 4 renders a notebook's cells in a windowed list
    page.wait_for_selector(".jp-Notebook .jp-Cell", state="attached", timeout=TIMEOUT_MS)
    page.wait_for_function("window.jupyterapp && window.jupyterapp.commands"
                           ".hasCommand('notebook:run-all-cells')", timeout=TIMEOUT_MS)


@pytest.mark.timeout(900)
def test_lab_shows_the_live_canvas_alone_and_a_saved_notebook_its_picture(lab, browser):  # noqa: F811
    page = new_page(browser, (1200, 900))
    open_notebook(page, f"{lab}/lab/tree/live.ipynb")
    # wait for the kernel, then run everything as a learner would (shift+enter on each cell)
    page.wait_for_function(KERNEL_IDLE, timeout=TIMEOUT_MS)
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function(VISIBLE, arg="canvas", timeout=TIMEOUT_MS)
    page.wait_for_function(
        "() => document.querySelectorAll('.jp-OutputArea-child').length >= 2",
        timeout=TIMEOUT_MS)
    time.sleep(3)  # the copy's output is added after the cell's value: give it time to show
    assert page.evaluate(VISIBLE, "canvas") >= 1
    assert page.evaluate(VISIBLE, "img") == 0, "the static copy shows beside the live canvas"

    saved = new_page(browser, (1200, 900))
    open_notebook(saved, f"{lab}/lab/tree/saved.ipynb")
    saved.wait_for_function(VISIBLE, arg="img", timeout=TIMEOUT_MS)
    assert saved.evaluate(VISIBLE, "img") == 1
    for p in (page, saved):
        p.context.close()
