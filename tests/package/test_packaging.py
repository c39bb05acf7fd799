"""pyproject.toml, environment.yml and binder/ must list the same runtime packages."""

import re
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[2]
# conda-forge names the cpu-only torch build differently
CONDA_NAMES = {"pytorch-cpu": "torch"}


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
    assert _conda_deps(ROOT / "binder" / "environment.yml") == wanted


def test_binder_installs_the_package_and_one_thread():
    post = (ROOT / "binder" / "postBuild").read_text()
    assert "set -e" in post and "pip install --no-deps ." in post
    assert "OMP_NUM_THREADS=1" in (ROOT / "binder" / "start").read_text()


def test_makefile_pins_torch_exactly():
    make = (ROOT / "Makefile").read_text()
    assert re.search(r"TORCH \?= torch==\d+\.\d+\.\d+", make)
