"""a JupyterHub for a class on one machine: every learner gets their own server and kernels.

    python deploy/hub/hubctl.py start            # installs configurable-http-proxy if missing
    # learners open http://HOST:8000/hub/login, type any name, land on the dashboard:
    #   /user/NAME/voila/render/notebooks/dashboard.ipynb  (lessons: /user/NAME/lab)

dummy login (any name, no password) and SimpleLocalProcessSpawner (every server runs as the
user who started the hub, home in <state>/users/NAME): for trying a class on one machine or a
closed network, not for the internet. a real deployment swaps these two lines for an
authenticator and a spawner that isolate learners (e.g. OAuth + DockerSpawner, or Zero to
JupyterHub on Kubernetes); the rest still applies. the environment sets ports and paths:
SKIPVIZ_HUB_STATE (db, cookie secret, homes; default build/hub), SKIPVIZ_HUB_IP / _PORT (the
public address, default 127.0.0.1:8000), SKIPVIZ_HUB_API_PORT, SKIPVIZ_PROXY_API_PORT,
SKIPVIZ_PROXY (the configurable-http-proxy command).
"""

import json
import os
import shutil
import sys
from pathlib import Path

c = get_config()  # noqa: F821 (jupyterhub provides it)

ROOT = Path(__file__).resolve().parents[2]
STATE = Path(os.environ.get("SKIPVIZ_HUB_STATE", ROOT / "build" / "hub")).resolve()
BIN = Path(sys.executable).parent
VOILA_JSON = ROOT / "voila.json"
STATE.mkdir(parents=True, exist_ok=True)

# where learners connect (the proxy), and the two internal ports
c.JupyterHub.ip = os.environ.get("SKIPVIZ_HUB_IP", "127.0.0.1")
c.JupyterHub.port = int(os.environ.get("SKIPVIZ_HUB_PORT", "8000"))
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(os.environ.get("SKIPVIZ_HUB_API_PORT", "8081"))
c.ConfigurableHTTPProxy.api_url = (
    f"http://127.0.0.1:{os.environ.get('SKIPVIZ_PROXY_API_PORT', '8001')}")
c.ConfigurableHTTPProxy.command = [os.environ.get("SKIPVIZ_PROXY", "configurable-http-proxy")]
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(STATE / "jupyterhub.pid")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops every learner's server

# who may log in, and where their servers run
c.JupyterHub.authenticator_class = "dummy"
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = str(STATE / "users" / "{username}")
# thirty learners logging in together: servers start slowly on a busy machine
c.JupyterHub.concurrent_spawn_limit = 50
c.Spawner.start_timeout = 300
c.Spawner.http_timeout = 300
# a link to the dashboard starts its owner's server by itself (no "start my server" click)
c.JupyterHub.implicit_spawn_seconds = 0.5

# each learner's server: the dashboard as the landing page; voila reads the VoilaConfiguration
# of voila.json from the server's working directory (the home, see below), but a jupyter
# server ignores that file's culling section, so the same numbers are passed to it here
culling = json.loads(VOILA_JSON.read_text())["MappingKernelManager"]
c.Spawner.cmd = [str(BIN / "jupyterhub-singleuser")]
c.Spawner.args = ["--allow-root",  # the local spawner runs as whoever started the hub
                  *(f"--MappingKernelManager.{k}={json.dumps(v)}" for k, v in culling.items())]
c.Spawner.default_url = "/voila/render/notebooks/dashboard.ipynb"
with open("/proc/cpuinfo") as cpuinfo:
    avx512 = " avx512f " in cpuinfo.read().replace("\n", " ")
c.Spawner.environment = {
    # one thread per kernel: thirty learners share the machine's cores
    "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
    # as `make app`: numpy's OpenBLAS with its AVX-512 kernels where the cpu has them
    **({"OPENBLAS_CORETYPE": "SkylakeX"} if avx512 else {}),
    # one result store for the class: a setting trained by one learner is replayed for the rest
    "SKIPVIZ_STORE": str(STATE / "store"),
}


def copy_lessons(spawner) -> None:
    """a learner's home gets the notebooks and voila.json (kept if already there)."""
    home = Path(spawner.home_dir)
    (home / "notebooks").mkdir(parents=True, exist_ok=True)
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        if not (home / "notebooks" / notebook.name).exists():
            shutil.copy(notebook, home / "notebooks" / notebook.name)
    shutil.copy(VOILA_JSON, home / "voila.json")


c.Spawner.pre_spawn_hook = copy_lessons
