"""what the serve and server-safety tests share: `skipviz serve` in a subprocess, small
notebooks to serve, and a probe that times a static GET while an attack runs.

>>> with SkipvizServer(notebooks=tiny_notebooks(tmp_path)) as server:
...     with StaticProbe(server.port) as probe:
...         attack(server)
...     probe.report()   # recorded, never asserted tightly: the machine is shared
"""

from __future__ import annotations

import http.client
import json
import re
import statistics
import sys
import threading
import time
from pathlib import Path

import psutil

from support.browser_kit import kernel_process, kernels
from support.voila_server import ROOT, VoilaServer, free_port  # noqa: F401 (re-exported)

STATIC = "voila/static/voila.js"  # answered by voila without a kernel
POOL_FILLED = "Kernel pool of dashboard.ipynb is filled"
STATIC_BOUND_S = 1.0  # issue 14: a static GET answers in < 1 s during every attack


def request(port: int, path: str, method: str = "GET", host: str | None = None,
            headers: dict | None = None, timeout: float = 120.0):
    """one request exactly as written (no redirect following): (status, headers, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    conn.putrequest(method, "/" + path, skip_host=True, skip_accept_encoding=True)
    conn.putheader("Host", host or f"127.0.0.1:{port}")
    for key, value in (headers or {}).items():
        conn.putheader(key, value)
    conn.endheaders()
    response = conn.getresponse()
    body = response.read().decode(errors="replace")
    conn.close()
    return response.status, dict(response.getheaders()), body


def kernel_id_of(html: str) -> str:
    return re.search(r'"kernelId": "([0-9a-f-]+)"', html).group(1)


def static_seconds(port: int, timeout: float = 10.0) -> float:
    """seconds for one static GET (the timeout when it does not answer in time)."""
    start = time.monotonic()
    try:
        status, _, _ = request(port, STATIC, timeout=timeout)
    except OSError:
        return timeout
    return time.monotonic() - start if status == 200 else timeout


class StaticProbe:
    """times a static GET every `every` seconds in a thread, for as long as the block runs."""

    def __init__(self, port: int, every: float = 0.25):
        self.port, self.every = port, every
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.samples.append(static_seconds(self.port))
            self._stop.wait(self.every)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(30)
        return False

    @property
    def worst(self) -> float:
        return max(self.samples) if self.samples else float("inf")

    def report(self, label: str) -> str:
        text = (f"{label}: static GET during the attack, {len(self.samples)} samples, "
                f"median {statistics.median(self.samples) * 1000:.0f} ms, "
                f"worst {self.worst * 1000:.0f} ms")
        print("\n" + text)
        return text


def tiny_notebooks(folder: Path) -> Path:
    """a stand-in dashboard and lesson that start in a second (no torch): the server's fixes
    do not depend on what a notebook computes. the dashboard reads its query string as the
    real one does (a pre-heated kernel waits for it) and holds widgets with binary state."""
    folder.mkdir(parents=True, exist_ok=True)
    dashboard = ["# a stand-in dashboard",
                 "import ipywidgets as W",
                 "from voila.utils import get_query_string",
                 "query = get_query_string() or ''",
                 "print('query is', repr(query))",
                 "W.VBox([W.Image(value=bytes(4000), format='png'), W.IntSlider()])"]
    lesson = ["# a stand-in lesson", "x = 6 * 7", "print('the answer is', x)"]
    for name, source, title in (("dashboard.ipynb", dashboard, None),
                                ("01_tiny.ipynb", lesson, "# 01 · A tiny lesson\n\nIt adds.")):
        cells = [{"cell_type": "code", "execution_count": None, "id": f"c{len(source)}",
                  "metadata": {}, "outputs": [], "source": "\n".join(source)}]
        if title:
            cells.insert(0, {"cell_type": "markdown", "id": "m0", "metadata": {},
                             "source": title})
        nb = {"cells": cells, "nbformat": 4, "nbformat_minor": 5,
              "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                          "language": "python"}}}
        (folder / name).write_text(json.dumps(nb))
    return folder


class SkipvizServer(VoilaServer):
    """`skipviz serve` (or the `command` given, e.g. a clean venv's `skipviz serve`) on a free
    port, in its own process group; start, stop and the log are VoilaServer's."""

    def __init__(self, notebooks: Path | None = None, extra=(), command=None,
                 port: int | None = None):
        super().__init__(port=port)
        base = command or [sys.executable, "-m", "skipviz", "serve"]
        self.cmd = [*base, f"--port={self.port}", *extra]
        if notebooks is not None:
            self.cmd.append(f"--notebooks={notebooks}")

    def kernels(self) -> list[psutil.Process]:
        return kernels(self)

    def kernel_process(self, kid: str) -> psutil.Process:
        return kernel_process(self, kid)
