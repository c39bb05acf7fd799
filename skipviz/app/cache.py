"""what the dashboard keeps of a training run: arrays only (no nets), in a bounded lru cache."""

from __future__ import annotations

import bisect
import threading
from collections import OrderedDict
from dataclasses import dataclass, fields, replace

import numpy as np

from ..core.train import LossTrace, TrainResult

# the per-layer size of each step's weight update, once the engine records it (issue 10)
UPDATE_FIELD = "weight_moved"  # TrainResult: ||W_l - W_l(0)|| / ||W_l(0)|| per step and block


def records_updates() -> bool:
    """true if training results carry the per-layer update sizes."""
    return UPDATE_FIELD in {f.name for f in fields(TrainResult)}


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
    boundary: np.ndarray | None = None  # (n, n) probability of class 1 at the last step shown
    finished: bool = False
    update_norms: np.ndarray | None = None  # (steps run, depth): how far each block moved, relative
    # decision grids recorded along the way: boundary_steps[i] is the step grids[i] was taken at
    boundary_steps: tuple = ()
    grids: tuple = ()
    weights: dict | None = None  # the trained net's state_dict as numpy arrays (finished runs)

    @classmethod
    def of(cls, result, steps: int, boundary=None, finished: bool = False,
           history: tuple = ()) -> Snapshot:
        """copy what the plots need out of a (partial) TrainResult.

        history: (step, grid) pairs of earlier decision grids, the last one may be `boundary`.
        """
        updates = getattr(result, UPDATE_FIELD, None)
        grid = None if boundary is None else np.asarray(boundary, np.float32)
        pairs = list(history)
        if grid is not None and (not pairs or pairs[-1][1] is not boundary):
            pairs.append((max(len(result.losses) - 1, 0), grid))
        weights = None
        net = getattr(result, "net", None)
        if finished and net is not None:
            weights = {k: v.detach().numpy().copy() for k, v in net.state_dict().items()}
        return cls(alpha=float(result.alpha),
                   losses=np.array(result.losses, dtype=np.float64),
                   grad_norms=np.array(result.grad_norms, dtype=np.float32),
                   steps=steps, diverged=bool(result.diverged), diverged_at=result.diverged_at,
                   accuracy=float(result.accuracy), elapsed=float(result.elapsed),
                   boundary=grid, finished=finished,
                   update_norms=None if updates is None else np.array(updates, np.float32),
                   boundary_steps=tuple(int(s) for s, _ in pairs),
                   grids=tuple(np.asarray(g, np.float32) for _, g in pairs),
                   weights=weights)

    def boundary_at(self, step: int | None) -> np.ndarray | None:
        """the latest decision grid taken at or before `step` (None: the last one)."""
        if step is None or not self.grids:
            return self.boundary
        i = bisect.bisect_right(self.boundary_steps, step) - 1
        return self.grids[max(i, 0)]

    def upto(self, steps_run: int) -> Snapshot:
        """this run as it stood after `steps_run` steps (a replay's frame)."""
        if steps_run >= self.steps_run:
            return self
        k = bisect.bisect_right(self.boundary_steps, steps_run - 1)
        diverged = self.diverged and self.diverged_at is not None and \
            self.diverged_at < steps_run
        return replace(self, losses=self.losses[:steps_run],
                       grad_norms=self.grad_norms[:steps_run],
                       update_norms=None if self.update_norms is None
                       else self.update_norms[:steps_run],
                       boundary_steps=self.boundary_steps[:k], grids=self.grids[:k],
                       boundary=self.grids[k - 1] if k else None, finished=False,
                       diverged=diverged, diverged_at=self.diverged_at if diverged else None,
                       accuracy=float("nan"), weights=None)

    @property
    def nbytes(self) -> int:
        arrays = [self.losses, self.grad_norms, self.update_norms, *self.grids,
                  *(self.weights or {}).values()]
        return sum(a.nbytes for a in arrays if a is not None)


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
