"""what the browser tests share: debian's chromium driven by playwright, one voila server.

never skipped: without chromium the fixtures fail loudly (ci installs it, see .ci/run).
starting voila and warming its first kernel costs ~10 s, so every test module that asks for
`voila_server` gets the same one (stopped when the session ends).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import psutil
import pytest
from playwright.sync_api import sync_playwright

from support.voila_server import CDN_HOSTS, VoilaServer

CHROMIUM = os.environ.get("SKIPVIZ_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 240_000  # a loaded 2-cpu ci machine starts kernels slowly; never a timing claim
POOL_FILLED = "Kernel pool of dashboard.ipynb is filled"

_shared: dict = {}


@pytest.fixture(scope="session")
def voila_server(request):
    # a fixture imported into several modules is a fixture per module: share by hand
    if "server" not in _shared:
        _shared["server"] = VoilaServer().start()
        request.addfinalizer(lambda: _shared.pop("server").stop())
    return _shared["server"]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"chromium not found at {CHROMIUM}: apt-get install chromium (see .ci/run)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


def new_page(browser, viewport=(1500, 1000)):
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    # a loaded 2-cpu ci machine may take longer than playwright's 30 s to serve a page
    context.set_default_navigation_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.errors = []
    page.on("console", lambda m: page.errors.append(m) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.errors.append(e))
    return page


@pytest.fixture
def page(browser):
    page = new_page(browser)
    yield page
    close(page)


def close(page):
    """close like a learner closing the tab: voila hears it and shuts the page's kernel."""
    try:
        page.close(run_before_unload=True)
        time.sleep(0.2)
    finally:
        page.context.close()


def real_errors(page) -> list[str]:
    """console errors, less the lab template's icon-font requests to a cdn (no internet here)."""
    out = []
    for e in page.errors:
        text = getattr(e, "text", None) or str(e)
        url = getattr(e, "location", {}).get("url", "") if hasattr(e, "location") else ""
        if any(host in url or host in text for host in CDN_HOSTS):
            continue
        out.append(text)
    return out


def wait_done(page, must_contain: str = "", timeout_ms: int = TIMEOUT_MS):
    page.wait_for_function(
        """(text) => { const s = document.querySelector('.sv-status');
                       return s && s.classList.contains('sv-done')
                                && s.innerText.includes(text); }""",
        arg=must_contain, timeout=timeout_ms)


def assert_clean(page):
    body = page.inner_text("body")
    for bad in ("Traceback", "Error:", "Exception"):
        assert bad not in body, f"{bad!r} shown on the page"
    assert not page.locator(".sv-status.sv-error").count()
    errors = real_errors(page)
    assert errors == [], f"the page's console logged errors: {errors}"


def kernel_id(page) -> str:
    return page.evaluate(
        "JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId")


def kernels(server) -> list[psutil.Process]:
    """the kernel processes voila started (pre-heated ones included)."""
    out = []
    for child in psutil.Process(server.proc.pid).children(recursive=True):
        try:
            if "ipykernel" in " ".join(child.cmdline()):
                out.append(child)
        except psutil.NoSuchProcess:
            continue
    return out


def kernel_process(server, kid: str) -> psutil.Process:
    """the process of the kernel voila started for `kid` (its connection file names it)."""
    for child in kernels(server):
        if any(kid in arg for arg in child.cmdline()):
            return child
    raise AssertionError(f"no process for kernel {kid}")
