"""one voila server for everything skipviz shows: the landing page, the dashboard, each lesson.

it is voila itself (0.5), started in directory mode on the packaged notebook folder, with the
packaged voila.json (localhost only, no sources of the dashboard, no tracebacks, no files)
and these changes to what it serves:
- `/` is the landing page (no kernel); `/?depth=..` goes on to the dashboard with that query,
  so links made for `make app`'s old single-notebook server keep working;
- only the discovered pages render (`/voila/render/<name>`); the tree, contents api and
  anything else in the folder are not served;
- a pool of pre-heated kernels for the dashboard only (a lesson's kernel starts on demand);
- the fixes of upstream_fixes (D1, D2), the Host check (D5), the orphan reaper (D6), the
  kernels' profile that guards every ipympl canvas (D4) and the lesson source policy
  (sources.py).
"""

from __future__ import annotations

import os
import re
import tempfile
from importlib import resources
from pathlib import Path

import tornado.web
from jupyter_server.utils import url_path_join
from traitlets import Float, Integer, List, Unicode, default
from voila.app import Voila
from voila.request_info_handler import RequestInfoSocketHandler
from voila.tornado.contentshandler import VoilaContentsHandler
from voila.tornado.handler import TornadoVoilaHandler
from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler
from voila.tornado.treehandler import TornadoVoilaTreeHandler

from . import sources
from .host_check import LOCAL_HOSTS, HostCheckedApplication
from .kernel_profile import make_profile
from .landing import render_landing
from .pages import DASHBOARD, Page, discover
from .upstream_fixes import KernelWebsocketHandler, RequestInfoHandler

__all__ = ["SkipvizVoila", "packaged_config_dir", "packaged_notebooks"]

# what served kernels need from the environment: one thread each (a class shares the cores)
KERNEL_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}


def packaged_notebooks() -> Path:
    """the notebook folder shipped in the package (in a checkout: a link to notebooks/)."""
    return Path(str(resources.files("skipviz.serve") / "notebooks"))


def packaged_config_dir() -> Path:
    """the folder of the packaged voila.json (in a checkout: a link to the repo's)."""
    return Path(str(resources.files("skipviz.serve")))


class LandingHandler(tornado.web.RequestHandler):
    def initialize(self, pages: list[Page], base_url: str) -> None:
        self.pages = pages
        self.base_url = base_url

    def get(self) -> None:
        if self.request.query and any(p.name == DASHBOARD for p in self.pages):
            # `/?depth=5` was the dashboard's address under `make app`: keep it a link to it
            self.redirect(f"{self.base_url}voila/render/{DASHBOARD}?{self.request.query}")
            return
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-cache")
        self.set_header("Content-Security-Policy",
                        "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
        self.finish(render_landing(self.pages, self.base_url))


class SkipvizVoila(Voila):
    """voila serving the landing page and the discovered pages, hardened (module docstring)."""

    name = "skipviz-serve"
    description = Unicode("skipviz serve: the landing page, the dashboard and every lesson.")

    allowed_hosts = List(
        Unicode(), list(LOCAL_HOSTS), config=True,
        help="host names (with the served port) a request may address; others get 403")
    dashboard_pool_size = Integer(
        1, config=True, help="pre-heated kernels kept ready for the dashboard")
    orphan_timeout = Float(
        45.0, config=True,
        help="seconds a kernel no page connected to may stay before it is shut down")
    refill_delay = Float(
        30.0, config=True,
        help="seconds before a taken pre-heated kernel is replaced (voila's fill_delay)")

    @default("config_file_paths")
    def _config_file_paths_default(self):
        # the packaged voila.json only: a voila.json in the current folder must not loosen it
        return [str(packaged_config_dir())]

    @default("root_dir")
    def _default_root_dir(self):
        return str(packaged_notebooks())

    def initialize(self, argv=None):
        sources.install()
        # these classes must be set before voila builds its kernel manager (in init_settings)
        self.config.VoilaConfiguration.multi_kernel_manager_class = (
            "skipviz.serve.reaper.OrphanReapingKernelManager")
        super().initialize(argv)
        if self.notebook_path:
            raise ValueError("skipviz serve serves a folder, not one notebook")
        self.pages = discover(Path(self.root_dir))
        if not self.pages:
            raise ValueError(f"no dashboard or NN_name.ipynb lesson in {self.root_dir}")
        pools = {"default": {"pool_size": 0}}
        if any(p.name == DASHBOARD for p in self.pages):
            pools[DASHBOARD] = {"pool_size": self.dashboard_pool_size}
        self.config.VoilaKernelManager.kernel_pools_config = pools
        # voila replaces a taken kernel after 1 s: the new one imports torch and runs the
        # notebook on the cores the page that took the old one is loading on (a class of 8
        # on 2 cores: all done after 57-62 s with 1 s, 40-67 s with 10 s, 21-22 s with 90 s)
        self.config.VoilaKernelManager.fill_delay = self.refill_delay
        self.config.OrphanReapingKernelManager.orphan_timeout = self.orphan_timeout
        for key, value in KERNEL_ENV.items():
            os.environ.setdefault(key, value)
        # kernels inherit the server's environment: this profile guards their canvases (D4)
        os.environ["IPYTHONDIR"] = str(make_profile())

    def init_handlers(self) -> list:
        names = "|".join(re.escape(p.name) for p in self.pages)
        root = url_path_join(self.server_url, "/")
        swap = {VoilaKernelWebsocketHandler: KernelWebsocketHandler,
                RequestInfoSocketHandler: RequestInfoHandler}
        handlers = [(root, LandingHandler, {"pages": self.pages, "base_url": self.base_url})]
        for pattern, handler, *rest in super().init_handlers():
            if handler in (TornadoVoilaTreeHandler, VoilaContentsHandler):
                continue  # no listing of the folder: the landing page lists what is served
            if handler is TornadoVoilaHandler:
                pattern = url_path_join(self.server_url, rf"/voila/render/({names})")
            handlers.append((pattern, swap.get(handler, handler), *rest))
        return handlers

    def start(self):
        # voila's own start(), with a tornado application that checks the Host header
        self.connection_dir = tempfile.mkdtemp(prefix="voila_", dir=self.connection_dir_root)
        self.log.info("Storing connection files in %s.", self.connection_dir)
        settings = self.init_settings()
        self.app = HostCheckedApplication(allowed_hosts=self.allowed_hosts,
                                          port=lambda: self.port, **settings)
        self.app.settings.update(self.tornado_settings)
        self.app.add_handlers(".*$", self.init_handlers())
        self.log.info("Serving %d pages from %s: %s", len(self.pages), self.root_dir,
                      ", ".join(p.name for p in self.pages))
        self.listen()
