"""the ipython profile every served kernel starts with: the canvas guard, and no history.

a page's browser may send any canvas size (issue 14, D4); skipviz/viz/canvas_guard.py caps it,
but only once installed. lessons build figures in many ways (live_figure(), plt.subplots(),
a lesson module), so the launcher does not rely on each: it points the kernels' IPYTHONDIR at
a profile whose startup file installs the guard the moment ipympl's backend is imported (a
kernel that never draws with ipympl pays nothing). the guard file is loaded by path, so the
kernel does not import skipviz (and torch) for it. history is off: a served page has no use
for an sqlite file per kernel.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

__all__ = ["CANVAS_GUARD", "make_profile"]

# serve may use other layers' files, not import them (tests/package/test_layers.py)
CANVAS_GUARD = Path(__file__).resolve().parents[1] / "viz" / "canvas_guard.py"

STARTUP = '''\
# written by skipviz serve: guard ipympl canvases as soon as ipympl's backend is imported
import importlib.abc
import importlib.util
import sys


def _load_guard():
    spec = importlib.util.spec_from_file_location("skipviz_canvas_guard", {guard!r})
    guard = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(guard)
    guard.install()


class _GuardOnImport(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name != "ipympl.backend_nbagg":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        run = spec.loader.exec_module

        def exec_module(module):
            run(module)
            _load_guard()

        spec.loader.exec_module = exec_module
        return spec


if "ipympl.backend_nbagg" in sys.modules:
    _load_guard()
else:
    sys.meta_path.insert(0, _GuardOnImport())
'''

CONFIG = "c.HistoryManager.enabled = False\n"


def make_profile() -> Path:
    """a fresh IPYTHONDIR (removed when the server exits); returns its path."""
    root = Path(tempfile.mkdtemp(prefix="skipviz-ipython-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    profile = root / "profile_default"
    (profile / "startup").mkdir(parents=True)
    (profile / "startup" / "00-skipviz-canvas-guard.py").write_text(
        STARTUP.format(guard=str(CANVAS_GUARD)))
    (profile / "ipython_kernel_config.py").write_text(CONFIG)
    os.chmod(root, 0o700)
    return root
