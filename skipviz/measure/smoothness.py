"""numbers for 'smoother': how much the gradient jumps step to step, how bumpy a loss slice is."""

from __future__ import annotations

import copy
import math

import numpy as np
import torch

from ..core.checks import check_float, check_int
from ..core.limits import MAX_SEED
from ..core.models import make_mlp
from ..core.scales import init_scale_for_gain
from .landscape import loss_landscape


def _finite_array(name: str, values, ndims: tuple[int, ...], min_len: int) -> np.ndarray:
    try:
        v = np.asarray(values, dtype=float)
    except (TypeError, ValueError, OverflowError) as err:
        raise ValueError(f"{name} must be an array of numbers, "
                         f"got {type(values).__name__}") from err
    if v.ndim not in ndims or min(v.shape, default=0) < min_len:
        raise ValueError(f"{name} must have {' or '.join(map(str, ndims))} dimension(s) of length "
                         f">= {min_len}, got shape {v.shape}")
    if not np.isfinite(v).all():
        raise ValueError(f"{name} must hold finite numbers only (found NaN or inf)")
    return v


def total_grad_norm(weight_grad_norms) -> np.ndarray:
    """per step, |dL/dW| over all blocks at once: sqrt of the sum of the per-block squares.

    weight_grad_norms is a TrainResult's (steps, depth) array.
    """
    v = _finite_array("weight_grad_norms", weight_grad_norms, (2,), 1)
    return np.sqrt((v**2).sum(1))


def gradient_jitter(norms) -> float:
    """how much the gradient norm jumps between steps, relative to its typical size.

    std(g[t+1] - g[t]) / mean(g): the coefficient of variation of the step-to-step
    changes. 0 for a constant norm; it does not change if every norm is scaled alike.
    """
    g = _finite_array("norms", norms, (1,), 3)
    if g.mean() <= 0:
        raise ValueError("norms must have a positive mean (all gradients were zero)")
    return float(np.diff(g).std() / g.mean())


def wiggle(losses) -> float:
    """bumpiness of a loss slice: its total up-and-down travel over the least travel possible.

    the least travel is that of a path from the first value to the last that visits the
    lowest and the highest value on the way. so a slope, one clean valley or one hump scores
    exactly 1, and every extra bump adds to it. a 2-d slice scores the mean over its rows and
    columns. the ratio ignores the loss's scale: a flat slice with small ripples is bumpy.
    """
    v = _finite_array("losses", losses, (1, 2), 3)
    if v.ndim == 2:
        return float(np.mean([_wiggle_1d(line) for line in (*v, *v.T)]))
    return _wiggle_1d(v)


def _wiggle_1d(c: np.ndarray) -> float:
    travel = np.abs(np.diff(c)).sum()
    first, last, low, high = c[0], c[-1], c.min(), c.max()
    if high == low:
        return 1.0
    # down to the lowest point first, or up to the highest first: whichever is shorter
    least = min((first - low) + (high - low) + (high - last),
                (high - first) + (high - low) + (last - low))
    return float(travel / least)


def input_gradients(net: torch.nn.Module, points) -> np.ndarray:
    """d(logit_1 - logit_0)/dx at each input point: shape (n, features).

    for the shattered-gradients picture (Balduzzi et al. 2017): along a line of inputs,
    these gradients wander smoothly in a healthy net and look like noise in a shattered one.
    """
    if not isinstance(net, torch.nn.Module):
        raise ValueError(f"net must be a torch module, got {type(net).__name__}")
    pts = torch.as_tensor(_finite_array("points", points, (2,), 1), dtype=torch.float32)
    pts.requires_grad_(True)
    out = net(pts)
    if out.ndim != 2 or out.shape[1] < 2:
        raise ValueError(f"net must output 2 or more logits per point, "
                         f"got shape {tuple(out.shape)}")
    (out[:, 1] - out[:, 0]).sum().backward()
    return pts.grad.detach().numpy()


def neighbour_correlation(grads, lag: int = 1) -> float:
    """mean cosine similarity between the gradients at points `lag` apart along a line.

    near 1: neighbouring inputs get nearly the same gradient (smooth); near 0: they are
    unrelated (shattered). points with a zero gradient are skipped.
    """
    g = _finite_array("grads", grads, (2,), 1)
    lag = check_int("lag", lag, 1, max(1, len(g) - 1))
    if len(g) <= lag:
        raise ValueError(f"grads must have more than lag={lag} rows, got {len(g)}")
    a, b = g[:-lag], g[lag:]
    na, nb = np.linalg.norm(a, axis=1), np.linalg.norm(b, axis=1)
    ok = (na > 0) & (nb > 0)
    if not ok.any():
        raise ValueError("grads are all zero: there is no direction to correlate")
    cos = (a[ok] * b[ok]).sum(1) / (na[ok] * nb[ok])
    return float(cos.mean())


def input_line(start=(-2.0, -1.0), end=(2.0, 1.0), n: int = 256) -> torch.Tensor:
    """n evenly spaced input points on the segment from start to end: shape (n, features)."""
    n = check_int("n", n, 3, 100_000)
    a = _finite_array("start", start, (1,), 1)
    b = _finite_array("end", end, (1,), 1)
    if a.shape != b.shape:
        raise ValueError(f"end must have the same length as start ({len(a)}), got {len(b)}")
    t = np.linspace(0.0, 1.0, n)[:, None]
    return torch.tensor(a + t * (b - a), dtype=torch.float32)


def mean_wiggle(net: torch.nn.Module, X, y, seeds=(0, 1, 2), span: float = 1.0,
                points: int = 41) -> float:
    """the wiggle of 1-d loss slices through `net`'s weights, averaged over a few directions."""
    if not isinstance(seeds, (tuple, list, range)) or not len(seeds):
        raise ValueError(f"seeds must be a non-empty list of direction seeds, got {seeds!r}")
    seeds = [check_int("seeds", s, 0, MAX_SEED) for s in seeds]
    span = check_float("span", span, positive=True)
    if span > 100:
        raise ValueError(f"span must be in (0, 100], got {span:g}")
    scores = []
    for s in seeds:
        losses = loss_landscape(net, X, y, dims=1, span=span, points=points, seed=s)[1]
        if not np.isfinite(losses).all():
            raise ValueError(f"span={span:g} walks so far that the loss overflowed; "
                             f"try a smaller span")
        scores.append(wiggle(losses))
    return float(np.mean(scores))


def gradient_along_line(depth: int, activation: str = "relu", gain: float = 2**0.5,
                        width: int = 32, seed: int = 0, n: int = 256) -> dict:
    """input gradients of a plain and a residual net (same start) along one line of inputs.

    the nets are fresh make_mlp nets whose blocks stretch vectors by about `gain` (sqrt 2 with
    relu is He initialisation, the setting of Balduzzi et al. 2017). returns positions (n,),
    direction, per variant the (n, 2) gradients, and their neighbour correlations.
    """
    depth = check_int("depth", depth, 1, 500)
    width = check_int("width", width, 1, 4096)
    seed = check_int("seed", seed, 0, MAX_SEED)
    # init_scale_for_gain refuses a gain of 0 (a net needs weights)
    scale = init_scale_for_gain(check_float("gain", gain, 0.0, 10.0))
    start, end = np.array([-2.0, -1.0]), np.array([2.0, 1.0])
    pts = input_line(start, end, n)
    out = {"positions": np.linspace(0.0, 1.0, n), "direction": end - start, "correlation": {}}
    for name, skip in (("plain", 0.0), ("residual", 1.0)):
        torch.manual_seed(seed)
        net = make_mlp(depth, width, skip, activation, scale)
        out[name] = input_gradients(net, pts)
        if not np.isfinite(out[name]).all():
            raise ValueError(f"depth={depth} and gain={gain:g} are too large together: "
                             f"the input gradients overflowed")
        out["correlation"][name] = neighbour_correlation(out[name])
    return out


@torch.no_grad()
def finite_difference_input_gradients(net: torch.nn.Module, points, eps: float = 1e-5
                                      ) -> np.ndarray:
    """d(logit_1 - logit_0)/dx at each point by central differences in float64: no autograd.

    the independent oracle for input_gradients: a copy of net in float64 is only run forward,
    at x + eps e_j and x - eps e_j for each input feature j.
    """
    if not isinstance(net, torch.nn.Module):
        raise ValueError(f"net must be a torch module, got {type(net).__name__}")
    eps = check_float("eps", eps, positive=True)
    if eps > 1.0:
        raise ValueError(f"eps must be in (0, 1], got {eps:g}")
    pts = torch.as_tensor(_finite_array("points", points, (2,), 1), dtype=torch.float64)
    probe = copy.deepcopy(net).double()

    def margin(x):
        out = probe(x)
        if out.ndim != 2 or out.shape[1] < 2:
            raise ValueError(f"net must output 2 or more logits per point, "
                             f"got shape {tuple(out.shape)}")
        return out[:, 1] - out[:, 0]

    cols = []
    for j in range(pts.shape[1]):
        step = torch.zeros_like(pts)
        step[:, j] = eps
        cols.append((margin(pts + step) - margin(pts - step)) / (2 * eps))
    return torch.stack(cols, 1).numpy()


@torch.no_grad()
def saturation_by_block(net: torch.nn.Module, points, threshold: float = 2.0) -> np.ndarray:
    """per block, the fraction of pre-activations W x + b beyond ±threshold on `points`.

    for tanh, |u| > 2 means tanh'(u) < 0.07: the unit works like a sign function of its input,
    flat almost everywhere and steep at one edge. net must be a make_mlp net (stem, blocks).
    """
    if not all(hasattr(net, a) for a in ("stem", "blocks")):
        raise ValueError(f"net must be a make_mlp net (stem and blocks), got {type(net).__name__}")
    threshold = check_float("threshold", threshold, positive=True)
    h = net.stem(torch.as_tensor(_finite_array("points", points, (2,), 1), dtype=torch.float32))
    fractions = []
    for block in net.blocks:
        fractions.append(float((block.fc(h).abs() > threshold).float().mean()))
        h = block(h)
    return np.array(fractions)


def trained(final_loss: float, chance: float = math.log(2)) -> bool:
    """did a two-class net learn something: a final loss at most half the chance loss ln 2.

    a net that says 50/50 everywhere scores ln 2 = 0.693; comparing the landscapes of one net
    that trained with one that did not compares a valley with a plateau, not two landscapes.
    """
    final_loss = check_float("final_loss", final_loss)
    return bool(final_loss <= chance / 2)


def compare_smoothness(results, X, y, *, span: float = 1.0, direction: int = 0,
                       points: int = 41, points_2d: int = 15) -> dict:
    """the lesson's numbers for a (plain, residual) pair of TrainResults on one dataset.

    returns "numbers": metric -> {"plain": v, "residual": v} for final loss, trained (see
    trained()), jitter, wiggle 1-d (mean over directions direction, +1, +2) and wiggle 2-d;
    and the slices to draw: "coords", "one" (1-d losses along `direction`), "coords_2d", "two".
    """
    if len(results) != 2 or any(getattr(r, "net", None) is None for r in results):
        raise ValueError("results must be a (plain, residual) pair of trained results with nets")
    direction = check_int("direction", direction, 0, MAX_SEED - 2)
    runs = dict(zip(("plain", "residual"), results, strict=True))
    numbers = {m: {} for m in ("final loss", "trained", "jitter", "wiggle 1-d", "wiggle 2-d")}
    one, two = {}, {}
    for name, r in runs.items():
        numbers["final loss"][name] = r.final_loss
        numbers["trained"][name] = trained(r.final_loss)
        numbers["jitter"][name] = gradient_jitter(total_grad_norm(r.weight_grad_norms))
        numbers["wiggle 1-d"][name] = mean_wiggle(r.net, X, y, seeds=range(direction,
                                                                            direction + 3),
                                                  span=span, points=points)
        coords, one[name] = loss_landscape(r.net, X, y, dims=1, span=span, points=points,
                                           seed=direction)
        coords_2d, two[name] = loss_landscape(r.net, X, y, dims=2, span=span,
                                              points=points_2d, seed=direction)
        numbers["wiggle 2-d"][name] = wiggle(two[name])
    return {"numbers": numbers, "coords": coords, "one": one, "coords_2d": coords_2d,
            "two": two}
