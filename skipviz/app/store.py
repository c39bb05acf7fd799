"""results shared by every kernel of a server: a setting trained once is replayed, not retrained.

training is deterministic per setting, so a class opening the same link trains it once. each
finished variant is one .npz file (no pickles) named by a hash of what decides its numbers:
the run key, the package version and torch's. files are written whole and renamed into place,
so a kernel never reads half a file; the directory is pruned oldest-first past `max_bytes`.

>>> store = ResultStore()                    # $SKIPVIZ_STORE, or ~/.cache/skipviz/runs
>>> store.put(key, snap); store.get(key)     # the same arrays back, in any kernel
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from importlib import metadata
from pathlib import Path

import numpy as np
import torch

from .cache import Snapshot

FORMAT = 2  # bump when the file layout changes: older files are then ignored
MAX_BYTES = 512 * 2**20
# the modules whose code decides a stored run's numbers
ENGINE_FILES = ("core/engine.py", "core/compare.py", "core/models.py", "core/train.py",
                "core/data.py", "measure/boundary.py", "app/runner.py", "app/cache.py")


@functools.lru_cache(maxsize=1)
def package_version() -> str:
    """the installed version, and a hash of the code that decides a run's numbers (an
    editable install keeps its version number while the engine changes)."""
    try:
        version = metadata.version("skipviz")
    except metadata.PackageNotFoundError:
        version = "unknown"
    digest = hashlib.sha256()
    root = Path(__file__).resolve().parents[1]
    for name in ENGINE_FILES:
        try:
            digest.update((root / name).read_bytes())
        except OSError:
            digest.update(name.encode())
    return f"{version}+{digest.hexdigest()[:12]}"


def default_dir() -> Path:
    env = os.environ.get("SKIPVIZ_STORE")
    if env:
        return Path(env)
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "skipviz" / "runs"


def store_key(run_key: tuple) -> str:
    """the file name of a run: its setting, this package's version and torch's."""
    text = json.dumps([FORMAT, package_version(), torch.__version__, list(run_key)], default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:40]


class ResultStore:
    """finished snapshots on disk, keyed by run key; safe for many processes at once."""

    def __init__(self, directory: str | Path | None = None, max_bytes: int = MAX_BYTES):
        self.dir = Path(directory) if directory is not None else default_dir()
        self.max_bytes = max_bytes
        self.enabled = True
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except OSError:
            self.enabled = False  # a read-only home: the dashboard trains, it only cannot share

    def path(self, run_key: tuple) -> Path:
        return self.dir / f"{store_key(run_key)}.npz"

    def get(self, run_key: tuple) -> Snapshot | None:
        if not self.enabled:
            return None
        path = self.path(run_key)
        try:
            with np.load(path, allow_pickle=False) as f:
                snap = _snapshot(f)
            os.utime(path)  # recently used: pruned last
            return snap
        except FileNotFoundError:
            return None
        except Exception:  # a damaged or foreign file is a miss, and goes away
            path.unlink(missing_ok=True)
            return None

    def put(self, run_key: tuple, snap: Snapshot):
        if not self.enabled or not snap.finished:
            return
        arrays = _arrays(snap)
        try:
            fd, tmp = tempfile.mkstemp(dir=self.dir, suffix=".tmp")
            with os.fdopen(fd, "wb") as f:
                np.savez(f, **arrays)
            os.replace(tmp, self.path(run_key))
        except OSError:
            Path(tmp).unlink(missing_ok=True)
            return
        self.prune()

    def prune(self):
        files = sorted(self.dir.glob("*.npz"), key=_mtime)
        sizes = [_size(p) for p in files]
        total = sum(sizes)
        for p, size in zip(files, sizes, strict=True):
            if total <= self.max_bytes:
                break
            p.unlink(missing_ok=True)
            total -= size

    def clear(self):
        for p in self.dir.glob("*.npz"):
            p.unlink(missing_ok=True)


def _mtime(p: Path) -> float:
    try:
        return p.stat().st_mtime
    except OSError:
        return 0.0


def _size(p: Path) -> int:
    try:
        return p.stat().st_size
    except OSError:
        return 0


def _arrays(s: Snapshot) -> dict:
    out = {"alpha": np.float64(s.alpha), "losses": s.losses, "grad_norms": s.grad_norms,
           "steps": np.int64(s.steps), "diverged": np.bool_(s.diverged),
           "diverged_at": np.int64(-1 if s.diverged_at is None else s.diverged_at),
           "accuracy": np.float64(s.accuracy), "elapsed": np.float64(s.elapsed),
           "boundary_steps": np.asarray(s.boundary_steps, np.int64)}
    if s.boundary is not None:
        out["boundary"] = s.boundary
    if s.update_norms is not None:
        out["update_norms"] = s.update_norms
    # one entry per grid: live grids are coarser than the finished run's last one
    for i, grid in enumerate(s.grids):
        out[f"grid/{i:04d}"] = grid
    for name, value in (s.weights or {}).items():
        out["w/" + name] = value
    return out


def _snapshot(f) -> Snapshot:
    at = int(f["diverged_at"])
    grids = tuple(f[k] for k in sorted(k for k in f.files if k.startswith("grid/")))
    weights = {k[2:]: f[k] for k in f.files if k.startswith("w/")}
    return Snapshot(alpha=float(f["alpha"]), losses=f["losses"], grad_norms=f["grad_norms"],
                    steps=int(f["steps"]), diverged=bool(f["diverged"]),
                    diverged_at=None if at < 0 else at, accuracy=float(f["accuracy"]),
                    elapsed=float(f["elapsed"]),
                    boundary=f["boundary"] if "boundary" in f else None, finished=True,
                    update_norms=f["update_norms"] if "update_norms" in f else None,
                    boundary_steps=tuple(int(s) for s in f["boundary_steps"]), grids=grids,
                    weights=weights or None)
