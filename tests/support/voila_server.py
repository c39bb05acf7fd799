"""start the dashboard under voila on a free port, as `make app` does, for browser tests.

>>> with VoilaServer() as server:
...     page.goto(server.url + "?depth=5")

the tests share one server through the `voila_server` fixture in browser_kit.py.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = "notebooks/dashboard.ipynb"
# the lab template asks a cdn for icon fonts; with no internet those requests fail harmlessly
CDN_HOSTS = ("cdn.jsdelivr.net", "cdnjs.cloudflare.com", "unpkg.com")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class VoilaServer:
    """voila serving NOTEBOOK from the repo root (so it reads the repo's voila.json)."""

    def __init__(self, notebook: str = NOTEBOOK, port: int | None = None, extra=()):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log = tempfile.NamedTemporaryFile("w+", prefix="voila-", suffix=".log", delete=False)
        self.cmd = [sys.executable, "-m", "voila", notebook, "--no-browser",
                    f"--port={self.port}", "--Voila.port_retries=0", *extra]
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60.0) -> VoilaServer:
        env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(self.cmd, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT,
                                     env=env, start_new_session=True)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"voila exited with {self.proc.returncode}:\n{self.output()}")
            try:
                # a static file answers without starting a kernel
                urllib.request.urlopen(self.url + "voila/static/voila.js", timeout=2).close()
                return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"voila did not answer on {self.url} in {timeout} s:\n{self.output()}")

    def wait_for_log(self, text: str, timeout: float = 120.0) -> bool:
        """wait until voila's log shows `text`, e.g. 'Kernel pool of dashboard.ipynb is filled'
        (the pre-heated kernel is ready, so the next page loads warm)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if text in self.output(tail=None):
                return True
            time.sleep(0.2)
        return False

    def output(self, tail: int | None = 5000) -> str:
        self.log.flush()
        text = Path(self.log.name).read_text(errors="replace")
        return text if tail is None else text[-tail:]

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        # voila and the kernels it started share the session we gave it: end that group only
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False
