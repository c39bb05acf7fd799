"""gradient capture: per block, the norm of dL/dx at its input and of dL/dW of its weights."""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import torch


def norm(t: torch.Tensor) -> float:
    """||t|| as a python float, never inf where every element is finite.

    float32's sum of squares overflows once elements pass ~1e19 (an exploding relu net's
    gradient reaches 1e21 with every number finite): then the sum runs again in float64.
    """
    value = torch.linalg.vector_norm(t.detach()).item()
    if math.isinf(value):
        value = torch.linalg.vector_norm(t.detach(), dtype=torch.float64).item()
    return value


def norms(tensors) -> np.ndarray:
    """norm() of each tensor (float64), from one fused call unless one overflowed."""
    tensors = [t.detach() for t in tensors]
    if not tensors:
        return np.zeros(0)
    out = torch.stack(torch._foreach_norm(tensors)).double().numpy()
    for i in np.flatnonzero(np.isinf(out)):
        out[i] = norm(tensors[i])
    return out


class GradientRecorder:
    """context manager: hooks every block, records one row per backward, unhooks on exit.

    >>> with GradientRecorder(net) as rec:
    ...     loss = loss_fn(net(X), y); loss.backward()
    >>> rec.grad_norms          # (backwards, depth): ||dL/dx_l|| at block l's input
    >>> rec.weight_grad_norms   # (backwards, depth): ||dL/dW_l|| of block l's weights
    """

    def __init__(self, net: torch.nn.Module, blocks=None):
        blocks = getattr(net, "blocks", None) if blocks is None else blocks
        if not isinstance(blocks, (list, tuple, torch.nn.ModuleList)) or not all(
            isinstance(b, torch.nn.Module) for b in blocks
        ):
            raise ValueError("net must have .blocks (an MLP from make_mlp), or blocks must be "
                             f"a list of modules, got {type(blocks).__name__}")
        self.blocks = list(blocks)
        self._x_rows: list[np.ndarray] = []
        self._w_rows: list[np.ndarray] = []
        self._touched: list[bool] = []
        self._handles = []

    def __enter__(self):
        for i, block in enumerate(self.blocks):
            self._handles.append(block.register_forward_pre_hook(partial(self._on_forward, i)))
            for name, p in block.named_parameters():
                if name.endswith("weight") and p.requires_grad:
                    self._handles.append(p.register_hook(partial(self._on_weight_grad, i)))
        return self

    def __exit__(self, *exc):
        for handle in self._handles:
            handle.remove()
        self._handles.clear()
        return False

    def _on_forward(self, i, module, args):
        x = args[0]
        if not (torch.is_grad_enabled() and x.requires_grad):
            return None
        if i == 0 or not self._x_rows:
            # a new forward pass starts at the first block: open a new row for its backward
            depth = len(self.blocks)
            self._x_rows.append(np.full(depth, np.nan))
            self._w_rows.append(np.zeros(depth))
            self._touched.append(False)
        row = len(self._x_rows) - 1
        x.register_hook(partial(self._on_input_grad, row, i))
        return None

    def _on_input_grad(self, row, i, grad):
        self._x_rows[row][i] = norm(grad)
        self._touched[row] = True

    def _on_weight_grad(self, i, grad):
        if self._x_rows:
            # weights may appear in several forwards; squares add up (in float64), sqrt on read
            size = norm(grad)
            self._w_rows[-1][i] += size * size
            self._touched[-1] = True

    def _rows(self, rows):
        kept = [r for r, t in zip(rows, self._touched, strict=True) if t]
        return np.array(kept).reshape(len(kept), len(self.blocks))

    @property
    def grad_norms(self) -> np.ndarray:
        return self._rows(self._x_rows)

    @property
    def weight_grad_norms(self) -> np.ndarray:
        return np.sqrt(self._rows(self._w_rows))

    def last_step_finite(self) -> bool:
        """true if every norm of the latest forward/backward is finite."""
        if not self._x_rows:
            return True
        return bool(np.isfinite(self._x_rows[-1]).all() and np.isfinite(self._w_rows[-1]).all())

    def clear(self):
        self._x_rows.clear()
        self._w_rows.clear()
        self._touched.clear()
