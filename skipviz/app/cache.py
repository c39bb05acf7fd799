"""what the dashboard keeps of a training run: arrays only (no nets), in a bounded lru cache."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from ..core.train import LossTrace


@dataclass(frozen=True)
class Snapshot(LossTrace):
    """one variant's run, as plotted: copies of the arrays, safe to hand to another thread."""

    alpha: float
    losses: np.ndarray  # (steps run,)
    grad_norms: np.ndarray  # (steps run, depth): ||dL/dx_l||
    steps: int  # steps asked for
    diverged: bool = False
    diverged_at: int | None = None
    accuracy: float = float("nan")
    elapsed: float = 0.0
    boundary: np.ndarray | None = None  # (n, n) probability of class 1, or None
    finished: bool = False

    @classmethod
    def of(cls, result, steps: int, boundary=None, finished: bool = False) -> Snapshot:
        """copy what the plots need out of a (partial) TrainResult."""
        return cls(alpha=float(result.alpha),
                   losses=np.array(result.losses, dtype=np.float64),
                   grad_norms=np.array(result.grad_norms, dtype=np.float32),
                   steps=steps, diverged=bool(result.diverged), diverged_at=result.diverged_at,
                   accuracy=float(result.accuracy), elapsed=float(result.elapsed),
                   boundary=None if boundary is None else np.asarray(boundary, np.float32),
                   finished=finished)

    @property
    def nbytes(self) -> int:
        extra = 0 if self.boundary is None else self.boundary.nbytes
        return self.losses.nbytes + self.grad_norms.nbytes + extra


class ResultCache:
    """least-recently-used snapshots, bounded by count and by bytes; thread-safe."""

    def __init__(self, max_items: int = 48, max_bytes: int = 64 * 2**20):
        self.max_items, self.max_bytes = max_items, max_bytes
        self._items: OrderedDict[tuple, Snapshot] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key) -> Snapshot | None:
        with self._lock:
            snap = self._items.get(key)
            if snap is not None:
                self._items.move_to_end(key)
            return snap

    def put(self, key, snap: Snapshot):
        with self._lock:
            self._items[key] = snap
            self._items.move_to_end(key)
            # drop the oldest until both bounds hold (the newest always stays)
            while len(self._items) > 1 and (len(self._items) > self.max_items
                                            or self.nbytes > self.max_bytes):
                self._items.popitem(last=False)

    @property
    def nbytes(self) -> int:
        return sum(s.nbytes for s in self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def clear(self):
        with self._lock:
            self._items.clear()
