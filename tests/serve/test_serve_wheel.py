"""issue 13's "done when": the built wheel, installed in a clean venv, serves the landing page
and every notebook, each opening in chromium with no console error and no cell error.

the wheel is built from the committed tree (`git archive HEAD`: no stale build/ and no one's
unfinished files leak into it). the venv gets torch 2.13.0 (the cpu wheel this machine has)
and everything else the wheel declares from the package index, as a learner's `pip install`
would. slow (minutes): the install, then every lesson running to its end.
"""

import json
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from support.browser_kit import TIMEOUT_MS, browser, close, new_page, real_errors  # noqa: F401
from support.serve_kit import POOL_FILLED, ROOT, SkipvizServer, request

from skipviz.serve.pages import discover

TORCH = "torch==2.13.0"  # the exact cpu build (an open range pulls a multi-GB cuda one)


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    tree = tmp_path_factory.mktemp("tree")
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "HEAD"], check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    return tree


@pytest.fixture(scope="module")
def wheel(tree) -> Path:
    out = tree.parent / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(out), str(tree)], check=True)
    (found,) = out.glob("skipviz-*.whl")
    return found


@pytest.fixture(scope="module")
def clean_venv(wheel, tmp_path_factory) -> Path:
    venv = tmp_path_factory.mktemp("venv") / "clean"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    start = time.monotonic()
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", TORCH, str(wheel)], check=True)
    print(f"\nclean venv: pip install {TORCH} {wheel.name} took "
          f"{time.monotonic() - start:.0f} s")
    return venv


def test_the_wheel_carries_every_notebook_the_voila_config_and_the_command(wheel, tree):
    notebooks = tree / "notebooks"
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        shipped = sorted(n.rsplit("/", 1)[1] for n in names
                         if n.startswith("skipviz/serve/notebooks/"))
        assert shipped == sorted(p.name for p in notebooks.glob("*.ipynb")) and shipped
        for name in shipped:
            assert zf.read(f"skipviz/serve/notebooks/{name}") == (notebooks / name).read_bytes()
        assert json.loads(zf.read("skipviz/serve/voila.json")) == json.loads(
            (tree / "voila.json").read_text())
        (entry,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        assert "skipviz = skipviz.serve.cli:main" in zf.read(entry).decode()
        assert "skipviz/serve/notebooks/.ipynb_checkpoints" not in " ".join(names)


@pytest.mark.timeout(3600)
def test_a_clean_venv_serves_the_landing_page_and_every_notebook(clean_venv, browser,  # noqa: F811
                                                                 tree):
    pages = discover(tree / "notebooks")
    # the lessons of the installed package (not the checkout) are the ones served
    with SkipvizServer(command=[str(clean_venv / "bin" / "skipviz"), "serve"]) as server:
        assert server.wait_for_log(POOL_FILLED), server.output()
        assert all(k.cmdline()[0].startswith(str(clean_venv)) for k in server.kernels())
        status, _, landing = request(server.port, "")
        assert status == 200
        timings = {}
        page = new_page(browser)
        page.goto(server.url)
        links = page.eval_on_selector_all("a.card", "els => els.map(e => e.getAttribute('href'))")
        assert links == [f"/voila/render/{p.name}" for p in pages]
        assert real_errors(page) == [], real_errors(page)
        close(page)
        for link in links:
            page = new_page(browser)
            start = time.monotonic()
            page.goto(server.url + link.lstrip("/"), timeout=TIMEOUT_MS)
            # voila removes its spinner once every cell ran and the widgets are drawn
            page.wait_for_selector("#loading", state="detached", timeout=TIMEOUT_MS)
            page.wait_for_timeout(3000)  # let late widget views report their errors
            timings[link.rsplit("/", 1)[1]] = round(time.monotonic() - start, 1)
            body = page.inner_text("body")
            assert "There was an error when executing cell" not in body, (link, body[-1500:])
            assert "Traceback" not in body, link
            assert real_errors(page) == [], (link, real_errors(page))
            close(page)
    print("seconds until each page was drawn:", json.dumps(timings))
