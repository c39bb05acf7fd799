"""the package's layers, read from its imports: arrows point one way, privates stay home."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "skipviz"
# a layer may import the layers listed for it (and itself), nothing above or beside it
ALLOWED = {
    "core": {"core"},
    "measure": {"core", "measure"},
    "viz": {"core", "measure", "viz"},
    "lessons": {"core", "measure", "viz", "lessons"},
    "app": {"core", "measure", "viz", "app"},
    "serve": {"serve"},
}
MODULES = sorted(p for p in ROOT.rglob("*.py"))


def layer_of(path: Path) -> str | None:
    rel = path.relative_to(ROOT).parts
    return rel[0] if len(rel) > 1 else None


def imports(path: Path, root: Path = ROOT):
    """(imported module as a dotted path inside skipviz, imported names) for every import."""
    tree = ast.parse(path.read_text(), filename=str(path))
    pkg = ["skipviz", *path.relative_to(root).parts[:-1]]
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg[: len(pkg) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if mod == "skipviz" or mod.startswith("skipviz."):
                yield node.lineno, mod, [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("skipviz."):
                    yield node.lineno, a.name, []


def test_every_subpackage_is_a_known_layer():
    layers = {p.name for p in ROOT.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert layers <= set(ALLOWED), f"a new layer needs a place in ALLOWED: {layers - set(ALLOWED)}"
    assert {"core", "measure", "viz", "lessons", "app"} <= layers


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_flow_one_way(path):
    layer = layer_of(path)
    if layer is None:
        return  # skipviz/__init__.py and __main__.py sit above every layer
    for line, mod, _ in imports(path):
        target = mod.split(".")[1] if mod.count(".") else None
        assert target is None or target in ALLOWED[layer], (
            f"{path.relative_to(ROOT)}:{line} imports {mod}: {layer} may import only "
            f"{sorted(ALLOWED[layer])}")


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_private_name_crosses_a_module(path):
    for line, mod, names in imports(path):
        private = [n for n in names if n.startswith("_") and not n.startswith("__")]
        assert not private, f"{path.relative_to(ROOT)}:{line} imports private {private} from {mod}"


def test_the_checker_sees_a_wrong_arrow(tmp_path):
    # the rules above must be able to fail: an upward import in core is caught
    fake = tmp_path / "skipviz" / "core" / "probe.py"
    fake.parent.mkdir(parents=True)
    fake.write_text("from ..app.settings import Settings\nfrom .train import _secret\n")
    found = list(imports(fake, tmp_path / "skipviz"))
    assert found[0][1] == "skipviz.app.settings"
    assert found[0][1].split(".")[1] not in ALLOWED["core"]
    assert found[1][2] == ["_secret"]


@pytest.mark.parametrize("layer", ["core", "measure", "viz", "lessons", "app"])
def test_every_layer_says_what_it_exports(layer):
    import importlib

    mod = importlib.import_module(f"skipviz.{layer}")
    assert mod.__all__, f"skipviz.{layer} has an empty __all__"
    missing = [n for n in mod.__all__ if not hasattr(mod, n)]
    assert not missing, f"skipviz.{layer}.__all__ names what it lacks: {missing}"


def test_importing_skipviz_changes_no_global_state():
    import subprocess
    import sys

    code = ("import torch; n = torch.get_num_threads(); import skipviz, skipviz.app, "
            "skipviz.lessons; assert torch.get_num_threads() == n, (n, torch.get_num_threads()); "
            "print(n)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={"OMP_NUM_THREADS": "2", "PATH": ""}, check=False)
    assert out.returncode == 0, out.stderr


def test_the_public_api_resolves_lazily_to_each_layers_object():
    import importlib
    import subprocess
    import sys

    import skipviz as sv

    for name in sv.__all__:
        layer = importlib.import_module(f"skipviz.{sv._HOME[name]}")
        assert getattr(sv, name) is getattr(layer, name), name
    # a process that only serves pages never pays for torch (~220 MB, seconds to import)
    code = "import sys, skipviz, skipviz.serve.cli; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False", out.stdout + out.stderr
