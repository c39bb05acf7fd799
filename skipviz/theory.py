"""the maths behind the lessons: block jacobians, the chain over depth, loss landscapes."""

from __future__ import annotations

import copy

import numpy as np
import torch
import torch.nn.functional as F
from torch.func import jacrev

from ._validate import check_choice, check_float, check_int
from .models import ACTIVATIONS, PlainBlock, ResidualBlock, make_mlp
from .train import check_data, check_net


def check_block(block, need=("fc", "act")) -> torch.nn.Module:
    if not isinstance(block, torch.nn.Module) or not all(hasattr(block, a) for a in need):
        raise ValueError(f"block must be a ResidualBlock, got {type(block).__name__}")
    return block


def as_vector(x, fc) -> torch.Tensor:
    """x as one input vector for the layer fc: shape (in_features,), fc's float dtype."""
    width = getattr(fc, "in_features", None)
    dtype = fc.weight.dtype if isinstance(fc, torch.nn.Linear) else None
    try:
        x = torch.as_tensor(x, dtype=dtype)
    except (TypeError, ValueError, RuntimeError, OverflowError) as err:
        raise ValueError(f"x must be one input vector of numbers, got {type(x).__name__}") from err
    if x.ndim != 1 or (width is not None and len(x) != width):
        raise ValueError(f"x must be one input vector of shape ({width or 'width'},), "
                         f"got {tuple(x.shape)}")
    # jacrev needs a floating point input to differentiate
    return x if x.is_floating_point() else x.to(torch.get_default_dtype())


def svdvals(m: torch.Tensor) -> torch.Tensor:
    # an overflowed product has no singular values: nan (a gap in a plot), not a crash
    if not torch.isfinite(m).all():
        return torch.full((min(m.shape),), float("nan"), dtype=m.dtype)
    return torch.linalg.svdvals(m)


def plain_twin(block: ResidualBlock) -> PlainBlock:
    """the same layer without its shortcut (shares fc and act, so the same F)."""
    check_block(block)
    twin = PlainBlock.__new__(PlainBlock)
    torch.nn.Module.__init__(twin)
    twin.fc, twin.act = block.fc, block.act
    return twin


def block_jacobian(block: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    """dy/dx of one block at one input vector x of shape (width,): a (width, width) matrix."""
    if not isinstance(block, torch.nn.Module) or type(block).forward is torch.nn.Module.forward:
        raise ValueError(f"block must be a torch module with a forward, got {type(block).__name__}")
    # the first linear layer inside the block tells the width and dtype x must have
    fc = next((m for m in block.modules() if isinstance(m, torch.nn.Linear)), None)
    x = as_vector(x, fc)
    return jacrev(block)(x).detach()


def identity_gap(block: ResidualBlock, x: torch.Tensor) -> float:
    """max |J_residual - J_plain - alpha I|: 0 up to rounding, i.e. dL/dx = dL/dy (dF/dx + 1)."""
    check_block(block, ("fc", "act", "alpha"))
    j_res = block_jacobian(block, x)
    j_plain = block_jacobian(plain_twin(block), x)
    eye = torch.eye(len(x), dtype=j_res.dtype)
    return float((j_res - j_plain - block.alpha * eye).abs().max())


def blocks_forward(blocks, x: torch.Tensor) -> torch.Tensor:
    for block in blocks:
        x = block(x)
    return x


def end_to_end_jacobian(net: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    """jacobian of the whole stack of blocks at x (the stem's output), shape (width, width)."""
    check_net(net)
    first = net.blocks[0] if len(net.blocks) else None
    x = as_vector(x, getattr(first, "fc", None))
    return jacrev(lambda v: blocks_forward(net.blocks, v))(x).detach()


def jacobian_singular_values(net: torch.nn.Module, x: torch.Tensor) -> np.ndarray:
    """singular values of the end-to-end jacobian, largest first."""
    return svdvals(end_to_end_jacobian(net, x)).cpu().numpy()


def chain_singular_values(net: torch.nn.Module, x: torch.Tensor) -> np.ndarray:
    """singular values of the jacobian of the first l blocks, for l = 0 .. depth.

    x is the stem's output, as for end_to_end_jacobian. the chain rule is walked one block at
    a time in float64 (J = J_l @ ... @ J_1), so one call gives every prefix: shape
    (depth + 1, width), row 0 is the identity's (all ones), rows largest value first.
    """
    check_net(net)
    blocks = copy.deepcopy(net.blocks).double()
    first = blocks[0] if len(blocks) else None
    v = as_vector(x, getattr(first, "fc", None)).detach().double()
    product = torch.eye(len(v), dtype=torch.float64)
    rows = [svdvals(product)]
    for block in blocks:
        product = jacrev(block)(v).detach() @ product
        with torch.no_grad():
            v = block(v)
        rows.append(svdvals(product))
    return torch.stack(rows).numpy()


def mlp_chain_singular_values(depth: int, width: int = 32, gain: float = 0.5,
                              activation: str = "tanh", seed: int = 0,
                              x=None) -> dict[str, np.ndarray]:
    """chain_singular_values of a real make_mlp net, plain and residual, from the same weights.

    the blocks' weights are scaled so each stretches vectors by about `gain` (see
    init_scale_for_gain); x is one input point (default (0.5, -0.3)), passed through the
    stem first. returns arrays of shape (depth + 1, width), like random_chain_singular_values.
    """
    depth = check_int("depth", depth, 1, 1000)
    width = check_int("width", width, 1, 512)
    gain = check_float("gain", gain, 0.0, 10.0)
    if gain == 0:
        raise ValueError("gain must be in (0, 10]: a net needs non-zero weights, got 0")
    check_choice("activation", activation, tuple(ACTIVATIONS))
    seed = check_int("seed", seed, 0, 2**32 - 1)
    x = torch.tensor([0.5, -0.3]) if x is None else as_vector(x, None)
    if len(x) == 0 or not torch.isfinite(x).all():
        raise ValueError("x must be one non-empty input point of finite numbers")
    out = {}
    for name, skip in (("plain", 0.0), ("residual", 1.0)):
        torch.manual_seed(seed)
        net = make_mlp(depth, width, skip, activation, init_scale_for_gain(gain),
                       in_features=len(x))
        with torch.no_grad():
            start = net.stem(x.float())
        out[name] = chain_singular_values(net, start)
    return out


def init_scale_for_gain(gain: float) -> float:
    """the make_mlp init_scale at which one block's weights stretch a vector by about `gain`.

    torch's default nn.Linear init draws U(-1/sqrt(width), 1/sqrt(width)), variance
    1 / (3 width), so |W v| is about |v| / sqrt(3); sqrt(3) * gain undoes that. the activation
    (tanh' <= 1) shrinks the stretch a little more.
    """
    gain = check_float("gain", gain, positive=True)
    return float(np.sqrt(3.0) * gain)


def scalar_chain(gain: float, depth: int) -> dict[str, np.ndarray]:
    """the one-number picture: a factor g per layer gives g**l without the +1, (1+g)**l with it."""
    gain = check_float("gain", gain, -10.0, 10.0)
    depth = check_int("depth", depth, 1, 10_000)
    layers = np.arange(depth + 1)
    return {"layers": layers, "plain": gain**layers, "residual": (1.0 + gain) ** layers}


def random_chain_singular_values(depth: int, width: int = 32, gain: float = 0.5,
                                 seed: int = 0) -> dict[str, np.ndarray]:
    """singular values of prod J_i and prod (I + J_i) for random layer jacobians J_i.

    J_i = gain * G_i / sqrt(width), G_i standard normal: each J_i alone shrinks vectors by
    about `gain`. returns arrays of shape (depth + 1, width), one row per prefix length.
    """
    depth = check_int("depth", depth, 1, 1000)
    width = check_int("width", width, 1, 512)
    gain = check_float("gain", gain, 0.0, 10.0)
    seed = check_int("seed", seed, 0, 2**32 - 1)
    g = torch.Generator().manual_seed(seed)
    eye = torch.eye(width, dtype=torch.float64)
    plain, res = eye.clone(), eye.clone()
    out = {"plain": [svdvals(plain)], "residual": [svdvals(res)]}
    for _ in range(depth):
        J = gain * torch.randn(width, width, generator=g, dtype=torch.float64) / width**0.5
        plain, res = J @ plain, (eye + J) @ res
        out["plain"].append(svdvals(plain))
        out["residual"].append(svdvals(res))
    return {k: torch.stack(v).numpy() for k, v in out.items()}


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
    seed = check_int("seed", seed, 0, 2**32 - 1)
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
