"""probes: how big the signal is at every layer, going forward and coming back, and what
happens when blocks of a trained net are broken (zeroed, or deleted at test time as in Veit
et al. 2016, "Residual networks behave like ensembles of relatively shallow networks")."""

from __future__ import annotations

import copy
import itertools
import math
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from ..core.checks import check_choice, check_int
from ..core.train import accuracy, as_tensor, check_data, check_net

BREAK_MODES = ("zero", "delete")


def layer_inputs(net: torch.nn.Module, X: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor]:
    """x_0 (the stem's output), x_1, ..., x_L (the last block's output), and the logits."""
    xs = [net.stem(X)]
    for block in net.blocks:
        xs.append(block(xs[-1]))
    return xs, net.head(xs[-1])


@torch.no_grad()
def forward_signal(net: torch.nn.Module, X) -> np.ndarray:
    """how much x_l still varies from input to input, for l = 0 .. depth: shape (depth + 1,).

    each unit's std over the batch, averaged over the units. the spread across inputs, not
    the size of x_l: a layer that maps every input to the same vector has passed on nothing,
    however large that vector is (the biases alone keep |x_l| away from zero).
    """
    net = check_net(net)
    X = _check_X(net, X)
    if X.shape[0] < 2:
        raise ValueError(f"X must hold at least 2 inputs to measure a spread, got {X.shape[0]}")
    xs, _ = layer_inputs(net, X)
    # (n, width) -> (width,) -> one number
    return np.array([x.std(dim=0).mean().item() for x in xs])


def backward_signal(net: torch.nn.Module, X, y) -> np.ndarray:
    """||dL/dx_l|| for l = 0 .. depth (L = mean cross-entropy): shape (depth + 1,).

    the parameters' .grad are left as they were: the gradient is taken with autograd.grad.
    """
    net = check_net(net)
    X, y = _check_Xy(net, X, y)
    with torch.enable_grad():
        xs, logits = layer_inputs(net, X)
        loss = F.cross_entropy(logits, y)
        grads = torch.autograd.grad(loss, xs)
    return np.array([g.norm().item() for g in grads])


def break_block(net: torch.nn.Module, block: int, mode: str = "zero") -> torch.nn.Module:
    """a copy of `net` with block `block` broken; the original is not touched.

    mode="zero" sets every weight and bias of the block to 0, so F(x) is act(0): a residual
    block becomes the identity, a plain block outputs a constant. mode="delete" removes the
    block from the stack (width -> width, so the shapes still fit for plain and residual).
    """
    net = check_net(net)
    block = check_int("block", block, 0, len(net.blocks) - 1)
    check_choice("mode", mode, BREAK_MODES)
    broken = copy.deepcopy(net)
    if mode == "zero":
        with torch.no_grad():
            for p in broken.blocks[block].parameters():
                p.zero_()
    else:
        del broken.blocks[block]
    return broken


def break_each(net: torch.nn.Module, X, y, mode: str = "zero") -> np.ndarray:
    """accuracy on (X, y) after breaking block k alone, for every k: shape (depth,)."""
    net = check_net(net)
    X, y = _check_Xy(net, X, y)
    check_choice("mode", mode, BREAK_MODES)
    return np.array([accuracy(break_block(net, k, mode), X, y) for k in range(len(net.blocks))])


@contextmanager
def evaluating(net: torch.nn.Module):
    """`net` in eval mode for a test-time measurement, its own mode restored afterwards: a
    batchnorm then uses its running statistics and leaves them as they were."""
    was_training = net.training
    net.eval()
    try:
        yield net
    finally:
        net.train(was_training)


@torch.no_grad()
def without_blocks(net: torch.nn.Module, X, deleted) -> torch.Tensor:
    """the logits of `net` on X with the blocks in `deleted` (0-based) taken out of the stack.

    every block maps width -> width, so the rest still fit together; the net is not copied
    or changed (it runs in eval mode, as at test time), the deleted blocks are not called.
    """
    net = check_net(net)
    X = _check_X(net, X)
    gone = _check_subset("deleted", deleted, len(net.blocks))
    with evaluating(net):
        x = net.stem(X)
        for i, block in enumerate(net.blocks):
            if i not in gone:
                x = block(x)
        return net.head(x)


@dataclass
class DeletionCurve:
    """test accuracy against the number of blocks deleted: index k holds k deleted blocks."""

    deleted: np.ndarray  # k = 0 .. n
    mean: np.ndarray  # mean accuracy over the subsets of k blocks that were tried
    low: np.ndarray  # the worst of them
    high: np.ndarray  # the best of them
    subsets: np.ndarray  # how many subsets of size k were tried
    exhaustive: np.ndarray  # True where that was every one of the C(n, k) subsets


def deletion_curve(net: torch.nn.Module, X, y, max_subsets: int = 256,
                   seed: int = 0) -> DeletionCurve:
    """accuracy with k blocks deleted at test time, for k = 0 .. n (Veit et al. 2016, fig. 5).

    for each k every subset of k blocks is tried when there are at most `max_subsets` of
    them, else `max_subsets` distinct subsets drawn with `seed`.
    """
    net = check_net(net)
    X, y = _check_Xy(net, X, y)
    max_subsets = check_int("max_subsets", max_subsets, 1, 100_000)
    seed = check_int("seed", seed, 0, 2**32 - 1)
    n = len(net.blocks)
    rng = np.random.default_rng(seed)
    rows = []
    for k in range(n + 1):
        if math.comb(n, k) <= max_subsets:
            subsets = list(itertools.combinations(range(n), k))
        else:
            subsets = _draw_subsets(rng, n, k, max_subsets)
        acc = np.array([(without_blocks(net, X, s).argmax(1) == y).float().mean().item()
                        for s in subsets])
        rows.append((acc.mean(), acc.min(), acc.max(), len(subsets),
                     len(subsets) == math.comb(n, k)))
    mean, low, high, count, full = (np.array(col) for col in zip(*rows, strict=True))
    return DeletionCurve(np.arange(n + 1), mean, low, high, count, full)


def _draw_subsets(rng, n: int, k: int, count: int) -> list[tuple[int, ...]]:
    # distinct subsets, drawn until there are enough (count < C(n, k) here, so this ends)
    seen: set[tuple[int, ...]] = set()
    while len(seen) < count:
        seen.add(tuple(sorted(rng.choice(n, size=k, replace=False).tolist())))
    return sorted(seen)


def _check_subset(name: str, blocks, n: int) -> set[int]:
    try:
        chosen = [check_int(name, b, 0, n - 1) for b in blocks]
    except TypeError as err:
        raise ValueError(f"{name} must be a collection of block indices in [0, {n - 1}], "
                         f"got {type(blocks).__name__}") from err
    if len(set(chosen)) != len(chosen):
        raise ValueError(f"{name} must name each block once, got {list(blocks)}")
    return set(chosen)


def _check_X(net, X) -> torch.Tensor:
    # the training checks with dummy labels, so a bad X gets the same named errors as in train
    X = as_tensor("X", X, torch.float32)
    labels = torch.zeros(X.shape[0] if X.ndim else 0, dtype=torch.long)
    return check_data(X, labels, in_features=_in_features(net))[0]


def _check_Xy(net, X, y):
    out_features = getattr(getattr(net, "head", None), "out_features", None)
    return check_data(X, y, out_features, _in_features(net))


def _in_features(net):
    return getattr(getattr(net, "stem", None), "in_features", None)
