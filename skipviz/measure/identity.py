"""lesson 1's question: how far is a block (or a stack of them) from doing nothing at all?"""

from __future__ import annotations

import copy

import torch
from torch import nn

from ..core.checks import check_choice, check_float, check_int
from ..core.limits import MAX_SEED
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
    depth = check_int("depth", depth, 1, 500)
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
