"""pyproject.toml, environment.yml and binder/ must list the same runtime packages; binder pins
them to the versions this environment (the one CI tests) has installed."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[2]
# conda-forge names the cpu-only torch build differently
CONDA_NAMES = {"pytorch-cpu": "torch"}
# binder pins these as well: they serve and run the pages, so voila's behaviour depends on them
SERVER_PINS = {"jupyter_server", "ipykernel"}


def _name(spec: str) -> str:
    return re.split(r"[<>=!~ \[]", spec.strip(), maxsplit=1)[0].lower()


def _conda_deps(path: Path) -> set[str]:
    names = set()
    for line in path.read_text().splitlines():
        m = re.match(r"\s+-\s+([A-Za-z0-9_.-]+)", line)
        if m and m.group(1) not in ("conda-forge",):
            names.add(CONDA_NAMES.get(_name(m.group(1)), _name(m.group(1))))
    return names - {"python", "pip"}


def test_environments_agree_with_pyproject():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    wanted = {_name(d) for d in pyproject["project"]["dependencies"]}
    assert _conda_deps(ROOT / "environment.yml") == wanted
    assert _conda_deps(ROOT / "binder" / "environment.yml") == wanted | SERVER_PINS


def test_binder_installs_the_package_and_one_thread():
    post = (ROOT / "binder" / "postBuild").read_text()
    assert "set -e" in post and "pip install --no-deps ." in post
    assert "OMP_NUM_THREADS=1" in (ROOT / "binder" / "start").read_text()


def test_makefile_pins_torch_exactly():
    make = (ROOT / "Makefile").read_text()
    assert re.search(r"TORCH \?= torch==\d+\.\d+\.\d+", make)



def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        m = re.match(r"\s+-\s+([A-Za-z0-9_.-]+)\s*(\S*)", line)
        if m and m.group(1) not in ("conda-forge", "python", "pip"):
            pins[m.group(1)] = m.group(2)
    return pins


def _public(version: str) -> str:
    return version.split("+", 1)[0]  # torch's local tag: 2.13.0+cpu is 2.13.0


def test_binder_pins_what_ci_tests():
    import importlib.metadata as md

    pins = _pins(ROOT / "binder" / "environment.yml")
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    wanted = {_name(d) for d in pyproject["project"]["dependencies"]}
    assert {CONDA_NAMES.get(n, n).lower() for n in pins} == wanted | SERVER_PINS
    drift = {}
    for conda_name, spec in pins.items():
        assert spec.startswith("==") and "," not in spec, f"{conda_name} is not pinned: {spec!r}"
        dist = CONDA_NAMES.get(conda_name, conda_name)
        if spec[2:] != _public(md.version(dist)):
            drift[conda_name] = (spec[2:], md.version(dist))
    assert not drift, f"binder pins differ from the installed (tested) versions: {drift}"
    torch_pin = re.search(r"TORCH \?= torch==(\S+)", (ROOT / "Makefile").read_text()).group(1)
    assert pins["pytorch-cpu"] == f"=={torch_pin}"
    assert "python=3.11" in (ROOT / "binder" / "environment.yml").read_text()


def test_binder_server_culls_like_voila_json(tmp_path, monkeypatch):
    # on binder voila runs inside jupyter server, which ignores voila.json's culling section;
    # postBuild copies that section into the server's config: run its python part here
    post = (ROOT / "binder" / "postBuild").read_text()
    script = post.split("<<'PY'\n", 1)[1].split("\nPY\n", 1)[0]
    monkeypatch.chdir(ROOT)
    exec(script.replace("sys.prefix", repr(str(tmp_path))), {})
    conf = tmp_path / "etc" / "jupyter" / "jupyter_server_config.d" / "skipviz.json"
    written = json.loads(conf.read_text())
    voila = json.loads((ROOT / "voila.json").read_text())
    assert written == {"MappingKernelManager": voila["MappingKernelManager"]}
    assert written["MappingKernelManager"]["cull_idle_timeout"] > 0


def test_metadata_names_the_license_and_urls(tmp_path):
    # the metadata a package index shows, as setuptools writes it for the wheel
    out = subprocess.run(
        [sys.executable, "-c", "import sys; from setuptools import build_meta as b; "
         "print(b.prepare_metadata_for_build_wheel(sys.argv[1]))", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": ""})
    assert out.returncode == 0, out.stderr[-2000:]
    meta = (tmp_path / out.stdout.split()[-1] / "METADATA").read_text()
    assert "License-Expression: MIT" in meta
    assert "License-File: LICENSE" in meta
    assert "Project-URL: Changelog, https://" in meta and "Project-URL: Source, https://" in meta
    assert "MIT License" in (ROOT / "LICENSE").read_text()
    assert "## [Unreleased]" in (ROOT / "CHANGELOG.md").read_text()


def test_readme_renders_on_a_package_index():
    # an index shows the readme away from the repository: images and links need full urls
    readme = (ROOT / "README.md").read_text()
    targets = re.findall(r"\]\(([^)\s]+)", readme) + re.findall(r"<img[^>]+src=\"([^\"]+)", readme)
    relative = [t for t in targets if not t.startswith(("https://", "http://", "#"))]
    assert not relative, f"relative links or images in the README: {relative}"
    assert any(t.startswith("https://raw.githubusercontent.com/") for t in targets)
