"""loss landscapes: the loss along filter-normalised random directions (Li et al. 2018)."""

from __future__ import annotations

import copy

import numpy as np
import torch
import torch.nn.functional as F

from ..core.checks import check_float, check_int
from ..core.limits import MAX_SEED
from ..core.train import check_data


def filter_normalized_direction(net: torch.nn.Module,
                                generator: torch.Generator) -> list[torch.Tensor]:
    """a random direction in weight space scaled filter by filter (Li et al. 2018).

    each row of a weight matrix (one unit's incoming weights, the mlp's 'filter') gets the
    norm of the same row of the trained weights; biases get no direction, as in the paper.
    """
    direction = []
    for p in net.parameters():
        d = torch.randn(p.shape, generator=generator, dtype=p.dtype)
        if p.ndim <= 1:
            d.zero_()
        else:
            rows_p, rows_d = p.detach().flatten(1), d.flatten(1)
            scale = rows_p.norm(dim=1, keepdim=True) / (rows_d.norm(dim=1, keepdim=True) + 1e-10)
            d = (rows_d * scale).view_as(p)
        direction.append(d)
    return direction


def check_fits(net: torch.nn.Module, X: torch.Tensor, y: torch.Tensor):
    """one forward pass: X must fit net's input and y its (n, classes) output, whatever net is."""
    try:
        logits = net(X)
    except RuntimeError as err:
        raise ValueError(f"net cannot take X of shape {tuple(X.shape)}: {err}") from err
    if logits.ndim != 2 or len(logits) != len(y) or (y >= logits.shape[-1]).any():
        raise ValueError(f"y labels must be in [0, classes) of net's output, "
                         f"shape {tuple(logits.shape)}")


@torch.no_grad()
def loss_landscape(net: torch.nn.Module, X, y, *, dims: int = 1, span: float = 1.0,
                   points: int = 41, seed: int = 0):
    """the loss along 1 or 2 filter-normalised random directions through the trained weights.

    returns (coords, losses) for dims=1, and (coords, losses_grid) with losses_grid of shape
    (points, points), rows along the second direction, for dims=2.
    """
    dims = check_int("dims", dims, 1, 2)
    span = check_float("span", span, positive=True)
    points = check_int("points", points, 3, 201)
    seed = check_int("seed", seed, 0, MAX_SEED)
    if not isinstance(net, torch.nn.Module) or type(net).forward is torch.nn.Module.forward:
        raise ValueError(f"net must be a torch module with a forward, got {type(net).__name__}")
    X, y = check_data(X, y, getattr(getattr(net, "head", None), "out_features", None),
                      getattr(getattr(net, "stem", None), "in_features", None))
    check_fits(net, X, y)
    g = torch.Generator().manual_seed(seed)
    dirs = [filter_normalized_direction(net, g) for _ in range(dims)]
    probe = copy.deepcopy(net)
    base = [p.detach().clone() for p in net.parameters()]
    coords = np.linspace(-span, span, points)

    def loss_at(a: float, b: float) -> float:
        for p, p0, d0, d1 in zip(probe.parameters(), base, dirs[0], dirs[-1], strict=True):
            p.copy_(p0 + a * d0 + (b * d1 if dims == 2 else 0.0))
        return F.cross_entropy(probe(X), y).item()

    if dims == 1:
        return coords, np.array([loss_at(a, 0.0) for a in coords])
    grid = np.array([[loss_at(a, b) for a in coords] for b in coords])
    return coords, grid
