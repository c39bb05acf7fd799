"""start, watch and stop the class JupyterHub of deploy/hub/jupyterhub_config.py.

    python deploy/hub/hubctl.py start [--port 8000]   # in the foreground; ctrl-c stops it
    python deploy/hub/hubctl.py proxy                 # only install configurable-http-proxy

configurable-http-proxy (the hub's front door, a node program) is installed from npm into
build/hub-proxy/ the first time, pinned to PROXY_VERSION. `Hub` runs the hub for the tests and
bench/hub_crowd.py on free ports in a state folder of their own, and measures its processes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CONFIG = HERE / "jupyterhub_config.py"
PROXY_VERSION = "5.3.0"
PROXY_PREFIX = ROOT / "build" / "hub-proxy"
BIN = Path(sys.executable).parent


def proxy_command(prefix: Path = PROXY_PREFIX) -> Path:
    """configurable-http-proxy, installed with npm into `prefix` when it is not there yet."""
    command = prefix / "node_modules" / ".bin" / "configurable-http-proxy"
    if command.exists():
        return command
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("the hub needs configurable-http-proxy from npm, and npm is missing: "
                           "apt-get install npm (see .ci/run)")
    prefix.mkdir(parents=True, exist_ok=True)
    subprocess.run([npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund",
                    "--loglevel=error", f"configurable-http-proxy@{PROXY_VERSION}"],
                   check=True, timeout=600)
    return command


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Learner:
    """one learner's processes: their jupyter server and the kernels it started."""

    name: str
    server: psutil.Process
    kernels: list[psutil.Process]


class Hub:
    """a jupyterhub on 127.0.0.1 with its own state folder, ports and proxy; a context manager."""

    def __init__(self, state: Path, port: int | None = None):
        self.state = Path(state)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.log = self.state / "hub.log"
        self._seen: dict[int, psutil.Process] = {}

    def env(self) -> dict:
        return {**os.environ, "SKIPVIZ_HUB_STATE": str(self.state),
                "SKIPVIZ_HUB_PORT": str(self.port), "SKIPVIZ_HUB_API_PORT": str(free_port()),
                "SKIPVIZ_PROXY_API_PORT": str(free_port()), "SKIPVIZ_PROXY": str(proxy_command())}

    def start(self, timeout: float = 180) -> Hub:
        self.state.mkdir(parents=True, exist_ok=True)
        env = self.env()
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen([str(BIN / "jupyterhub"), "-f", str(CONFIG)],
                                         cwd=self.state, env=env, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyterhub exited {self.proc.returncode}:\n{self.output()}")
            try:
                with urllib.request.urlopen(f"{self.url}/hub/api", timeout=5) as r:
                    if r.status == 200:
                        return self
            except OSError:
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"jupyterhub did not answer in {timeout:.0f} s:\n{self.output()}")

    def output(self, tail: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-tail:] if self.log.exists() else ""

    def processes(self) -> list[psutil.Process]:
        """the hub and everything it started (proxy, servers, kernels), as they are now."""
        if self.proc is None:
            return []
        try:
            root = psutil.Process(self.proc.pid)
            found = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []
        # servers run in sessions of their own: keep finding them through their parent
        for p in found:
            self._seen.setdefault(p.pid, p)
        return found

    def learners(self) -> dict[str, Learner]:
        out = {}
        for p in self.processes():
            try:
                if "jupyterhub-singleuser" not in " ".join(p.cmdline()):
                    continue
                name = p.environ().get("JUPYTERHUB_USER", "?")
                kernels = [k for k in p.children(recursive=True)
                           if "ipykernel" in " ".join(k.cmdline())]
            except psutil.NoSuchProcess:
                continue
            out[name] = Learner(name, p, kernels)
        return out

    def memory(self) -> dict:
        """resident memory in MB: per learner server and kernel, and the unique memory (uss)
        of everything together (rss counts shared libraries once per process)."""
        learners = self.learners()
        rss = {}
        for learner in learners.values():
            try:
                rss[learner.name] = dict(
                    server_mb=learner.server.memory_info().rss / 2**20,
                    kernel_mb=[k.memory_info().rss / 2**20 for k in learner.kernels])
            except psutil.NoSuchProcess:
                continue
        uss = 0.0
        for p in self.processes():
            try:
                uss += p.memory_full_info().uss / 2**20
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
        return dict(learners=rss, total_uss_mb=uss)

    def stop(self, timeout: float = 60) -> None:
        """stop the hub (it stops every learner's server), then anything it left behind."""
        if self.proc is None:
            return
        self.processes()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        _, alive = psutil.wait_procs(list(self._seen.values()), timeout=10)
        for p in alive:  # only processes this hub started (found under its pid)
            try:
                p.kill()
            except psutil.NoSuchProcess:
                pass
        self.proc = None

    def __enter__(self) -> Hub:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    start = sub.add_parser("start", help="run the hub in the foreground")
    start.add_argument("--port", type=int, default=8000)
    start.add_argument("--ip", default="127.0.0.1", help="0.0.0.0 to let a class connect")
    start.add_argument("--state", type=Path, default=ROOT / "build" / "hub")
    sub.add_parser("proxy", help="install configurable-http-proxy only")
    args = parser.parse_args(argv)
    proxy = proxy_command()
    if args.command == "proxy":
        print(proxy)
        return 0
    args.state.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "SKIPVIZ_HUB_STATE": str(args.state.resolve()),
           "SKIPVIZ_HUB_IP": args.ip, "SKIPVIZ_HUB_PORT": str(args.port),
           "SKIPVIZ_PROXY": str(proxy)}
    print(f"learners open http://{args.ip}:{args.port}/hub/login (any name, no password)")
    os.chdir(args.state)
    os.execve(str(BIN / "jupyterhub"), [str(BIN / "jupyterhub"), "-f", str(CONFIG)], env)
    return 0


if __name__ == "__main__":
    sys.exit(main())
