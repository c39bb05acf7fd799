"""block jacobians and the chain of them over depth: where the "+1" shows up."""

from __future__ import annotations

import copy

import numpy as np
import torch
from torch.func import jacrev

from ..core.checks import check_choice, check_float, check_int
from ..core.limits import MAX_SEED
from ..core.models import ACTIVATIONS, PlainBlock, ResidualBlock, make_mlp
from ..core.scales import init_scale_for_gain
from ..core.train import check_net


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


def plain_twin(block: ResidualBlock) -> torch.nn.Module:
    """the same layer without its shortcut: it shares fc, act (and norm and branch scale), so F.

    a block with no norm and branch scale 1 gets a PlainBlock, the class the lessons print;
    any other block gets a ResidualBlock with alpha = 0 built on the very same parts.
    """
    check_block(block)
    norm, scale = getattr(block, "norm", None), getattr(block, "scale", 1.0)
    if (norm is None or isinstance(norm, torch.nn.Identity)) and (
            not isinstance(scale, torch.Tensor) and scale == 1.0):
        twin = PlainBlock.__new__(PlainBlock)
        torch.nn.Module.__init__(twin)
        twin.fc, twin.act = block.fc, block.act
        return twin
    twin = ResidualBlock.__new__(ResidualBlock)
    torch.nn.Module.__init__(twin)
    twin.fc, twin.norm, twin.act, twin.scale, twin.alpha = block.fc, norm, block.act, scale, 0.0
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
    seed = check_int("seed", seed, 0, MAX_SEED)
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


def scalar_chain(gain: float, depth: int) -> dict[str, np.ndarray]:
    """the one-number picture: a factor g per layer gives g**l without the +1, (1+g)**l with it.

    the values keep their sign. (1 + g)**l stays >= 1 only for g >= 0: for -2 < g < 0 the
    branch works against the shortcut, |1 + g| < 1 and the residual chain vanishes too (at
    g = -1 it is exactly 0). for g > 0 it grows without bound: a floor, never a ceiling.
    """
    gain = check_float("gain", gain, -10.0, 10.0)
    depth = check_int("depth", depth, 1, 10_000)
    layers = np.arange(depth + 1)
    return {"layers": layers, "plain": gain**layers, "residual": (1.0 + gain) ** layers}


def mean_zero_growth(gain: float, depth: int) -> np.ndarray:
    """sqrt(1 + g**2)**l for l = 0 .. depth: the rms stretch of prod (I + J_i), mean-zero J_i.

    if E[J] = 0 and E[J^T J] = g**2 I, then E|(I + J) v|**2 = |v|**2 + 2 E[v^T J v] + E|J v|**2
    = (1 + g**2) |v|**2: the cross term averages away, so every block multiplies the mean
    squared stretch by 1 + g**2, i.e. E[|P_l|_F**2 / n] = (1 + g**2)**l exactly. it is an
    average: single draws scatter around it, more widely the deeper the chain.
    """
    gain = check_float("gain", gain, -10.0, 10.0)
    depth = check_int("depth", depth, 0, 10_000)
    return (1.0 + gain**2) ** (np.arange(depth + 1) / 2.0)


def rms_singular_value(values) -> np.ndarray:
    """sqrt(mean of s**2) over the last axis: |M|_F / sqrt(n), how much a typical direction is
    stretched (the largest and the smallest singular values bound it)."""
    try:
        v = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as err:
        raise ValueError(f"values must be an array of singular values, "
                         f"got {type(values).__name__}") from err
    if v.ndim == 0 or v.shape[-1] == 0:
        raise ValueError(f"values must have a non-empty last axis, got shape {v.shape}")
    return np.sqrt((v**2).mean(-1))


def finite_difference_jacobian(f, x, eps: float = 1e-6) -> torch.Tensor:
    """dy/dx by central differences, one input direction at a time: no autograd anywhere.

    J[:, j] = (f(x + eps e_j) - f(x - eps e_j)) / (2 eps), in float64 (f must accept a float64
    vector). the error is about eps**2 times the third derivative plus rounding / eps: near
    1e-10 for eps = 1e-6, far above autograd's 1e-16, far below any real difference.
    """
    if not callable(f):
        raise ValueError(f"f must be callable (a block or a function), got {type(f).__name__}")
    eps = check_float("eps", eps, positive=True)
    if eps > 1.0:
        raise ValueError(f"eps must be in (0, 1], got {eps:g}")
    x = as_vector(x, None).detach().double()
    if len(x) == 0 or not torch.isfinite(x).all():
        raise ValueError("x must be one non-empty input vector of finite numbers")
    columns = []
    with torch.no_grad():
        for j in range(len(x)):
            step = torch.zeros_like(x)
            step[j] = eps
            columns.append((f(x + step) - f(x - step)) / (2 * eps))
    return torch.stack(columns, 1)


def random_chain_singular_values(depth: int, width: int = 32, gain: float = 0.5,
                                 seed: int = 0) -> dict[str, np.ndarray]:
    """singular values of prod J_i and prod (I + J_i) for random layer jacobians J_i.

    J_i = gain * G_i / sqrt(width), G_i standard normal: each J_i alone shrinks vectors by
    about `gain`. returns arrays of shape (depth + 1, width), one row per prefix length.
    """
    depth = check_int("depth", depth, 1, 1000)
    width = check_int("width", width, 1, 512)
    gain = check_float("gain", gain, 0.0, 10.0)
    seed = check_int("seed", seed, 0, MAX_SEED)
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
