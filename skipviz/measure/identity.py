"""lesson 1's question: how far is a block (or a stack of them) from doing nothing at all?"""

from __future__ import annotations

import copy

import numpy as np
import torch
from torch import nn

from ..core.checks import check_choice, check_float, check_int
from ..core.limits import MAX_DEPTH, MAX_SEED
from ..core.models import ACTIVATIONS, ResidualBlock
from .jacobians import plain_twin


def block_pair(
    depth: int = 1,
    width: int = 2,
    activation: str = "tanh",
    seed: int = 0,
) -> tuple[nn.Sequential, nn.Sequential]:
    """(plain, residual): `depth` blocks each, built on the very same layers F.

    the plain stack is the residual stack's plain_twin block by block, so the only
    difference between the two is the shortcut `+ x`.
    """
    depth = check_int("depth", depth, 1, MAX_DEPTH)
    width = check_int("width", width, 1, 4096)
    check_choice("activation", activation, tuple(ACTIVATIONS))
    seed = check_int("seed", seed, 0, MAX_SEED)
    torch.manual_seed(seed)
    residual = nn.Sequential(*[ResidualBlock(width, activation) for _ in range(depth)])
    plain = nn.Sequential(*[plain_twin(block) for block in residual])
    return plain, residual


def scale_branch(blocks: nn.Module, scale: float) -> nn.Module:
    """a copy of `blocks` with every linear layer's weight and bias multiplied by `scale`.

    scale -> 0 drives F(x) = act(W x + b) to act(0), which is 0 for tanh, relu, gelu and
    linear (sigmoid goes to 1/2). the shortcut has no weights, so it is left as it is.
    """
    if not isinstance(blocks, nn.Module):
        raise ValueError(f"blocks must be a torch module, got {type(blocks).__name__}")
    scale = check_float("scale", scale, 0.0, 100.0)
    scaled = copy.deepcopy(blocks)
    with torch.no_grad():
        for layer in scaled.modules():
            if isinstance(layer, nn.Linear):
                layer.weight.mul_(scale)
                if layer.bias is not None:
                    layer.bias.mul_(scale)
    return scaled


def check_batch(blocks, X) -> torch.Tensor:
    """blocks must be a module, X a finite float batch of shape (n, width) that it accepts."""
    if not isinstance(blocks, nn.Module):
        raise ValueError(f"blocks must be a torch module, got {type(blocks).__name__}")
    try:
        X = torch.as_tensor(X, dtype=torch.float32)
    except (TypeError, ValueError, RuntimeError, OverflowError) as err:
        raise ValueError(f"X must be a batch of numbers of shape (n, width), "
                         f"got {type(X).__name__}") from err
    first = next((m for m in blocks.modules() if isinstance(m, nn.Linear)), None)
    width = first.in_features if first is not None else None
    if X.ndim != 2 or len(X) == 0 or (width is not None and X.shape[1] != width):
        raise ValueError(f"X must have shape (n, {width or 'width'}) with n >= 1, "
                         f"got {tuple(X.shape)}")
    if not torch.isfinite(X).all():
        raise ValueError("X must hold finite numbers only (found NaN or inf)")
    return X


@torch.no_grad()
def identity_distance(blocks: nn.Module, X) -> float:
    """|blocks(X) - X| / |X| over the whole batch: 0 for the identity, 1 if the output is 0."""
    X = check_batch(blocks, X)
    if float(X.norm()) == 0.0:
        raise ValueError("X must not be all zeros: the distance is relative to |X|")
    return float((blocks(X) - X).norm() / X.norm())


@torch.no_grad()
def through(blocks: nn.Module, X) -> torch.Tensor:
    """the batch X after the blocks (no gradients): what a figure of the output draws."""
    return blocks(check_batch(blocks, X))


def check_cloud(name: str, values) -> torch.Tensor:
    """values must be a finite float batch of shape (n, width) with n >= 2."""
    try:
        v = torch.as_tensor(values).detach()
    except (TypeError, ValueError, RuntimeError, OverflowError) as err:
        raise ValueError(f"{name} must be a batch of numbers of shape (n, width), "
                         f"got {type(values).__name__}") from err
    if v.ndim != 2 or len(v) < 2 or not v.is_floating_point():
        raise ValueError(f"{name} must be a float batch of shape (n, width) with n >= 2, "
                         f"got shape {tuple(v.shape)}")
    if not torch.isfinite(v).all():
        raise ValueError(f"{name} must hold finite numbers only (found NaN or inf)")
    return v


def centred_pair(X, Y) -> tuple[torch.Tensor, torch.Tensor, float]:
    """X and Y in float64 with their means taken off, and the size |X - mean X| (> 0)."""
    X, Y = check_cloud("X", X).double(), check_cloud("Y", Y).double()
    if len(X) != len(Y):
        raise ValueError(f"Y must have one row per row of X ({len(X)}), got {len(Y)}")
    Xc, Yc = X - X.mean(0), Y - Y.mean(0)
    size = float(Xc.norm())
    if size == 0.0:
        raise ValueError("X must not be one repeated point: the measure is relative to its size")
    return Xc, Yc, size


def spread(X, Y) -> float:
    """|Y - mean Y| / |X - mean X|: how much a stack shrank (< 1) or grew (> 1) the cloud.

    the means come off first, so a block that only shifts the cloud has spread 1.
    """
    _, Yc, size = centred_pair(X, Y)
    return float(Yc.norm()) / size


def refit_error(X, Y) -> float:
    """how badly the best affine map from the output Y back to the input X misses.

    |X - (Y A + c)| / |X - mean X| for the least-squares A, c, in float64. near 0: x can be
    read back from y, so a shrunk signal is still all there; 1: no affine map can use y (a
    constant Y scores exactly 1). a bent (nonlinear) output can score high and still hold x.
    """
    Xc, Yc, size = centred_pair(X, Y)
    if float(Yc.abs().max()) == 0.0:
        return 1.0
    # with both centred, c is the mean and lstsq only fits the part that varies
    A = torch.linalg.lstsq(Yc, Xc, driver="gelsd").solution
    return float((Xc - Yc @ A).norm()) / size


def distinct_outputs(Y) -> int:
    """how many different rows Y holds, compared bit for bit in its own dtype.

    two inputs that land on the very same output can never be told apart again, by any
    method: fewer distinct outputs than distinct inputs is information lost for good.
    """
    return int(len(torch.unique(check_cloud("Y", Y), dim=0)))


@torch.no_grad()
def information_by_depth(
    X,
    depth: int = 20,
    scale: float = 1.0,
    activation: str = "tanh",
    seed: int = 0,
) -> dict:
    """what is left of X after 1, 2, ..., depth blocks of block_pair, F scaled by `scale`.

    the blocks are block_pair(depth, ...)'s, so the first k of them are exactly the stack
    block_pair(k, ...) builds. returns "blocks" (1..depth) and, per variant ("plain",
    "residual"), arrays "spread", "refit_error" and "distinct" (see those functions), all
    computed in float32 as the lesson's figure is.
    """
    depth = check_int("depth", depth, 1, MAX_DEPTH)
    X = check_cloud("X", X).float()
    out = {"blocks": np.arange(1, depth + 1)}
    for name, stack in zip(("plain", "residual"),
                           block_pair(depth, X.shape[1], activation, seed), strict=True):
        stack = scale_branch(stack, scale)
        rows, Y = [], X
        for block in stack:
            Y = block(Y)
            if not torch.isfinite(Y).all():
                raise ValueError(f"scale={scale:g} makes the {name} stack overflow; "
                                 f"try a smaller scale")
            rows.append((spread(X, Y), refit_error(X, Y), distinct_outputs(Y)))
        cols = np.array(rows, dtype=float).T
        out[name] = {"spread": cols[0], "refit_error": cols[1], "distinct": cols[2].astype(int)}
    return out
