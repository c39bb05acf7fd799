"""paths: a residual net of n blocks read as 2^n paths (Veit et al. 2016, "Residual networks
behave like ensembles of relatively shallow networks").

each block y = F(x) + alpha * x offers two roads, through its branch F or along its shortcut.
a path picks one road at every block; its length is the number of branches it goes through.
the jacobian of the stack is the product of (alpha I + J_F) over the blocks, and multiplying
it out gives one product per path: the gradient at the input is exactly the sum, over the 2^n
paths, of the gradient each path carries (the jacobians are taken where the forward pass put
each block, so this holds for the nonlinear net, not only a linearised one).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from ..core.checks import check_int
from ..core.train import check_data, check_net
from .probes import evaluating

MAX_ENUMERATED_BLOCKS = 14  # 2^14 paths: brute force beyond that takes minutes


def path_counts(n: int) -> np.ndarray:
    """how many of the 2^n paths go through exactly k branches, k = 0 .. n: C(n, k)."""
    n = check_int("n", n, 0, 1000)
    return np.array([math.comb(n, k) for k in range(n + 1)], dtype=float)


def path_length_distribution(n: int) -> np.ndarray:
    """the share of paths of each length k = 0 .. n: the binomial C(n, k) / 2^n."""
    counts = path_counts(n)
    return counts / counts.sum()


class _Unrolled:
    """one forward pass of `net`, kept so that any mix of roads can be walked back.

    x_i is every block's input, detached, so that a backward step through block i's branch
    is one vector-jacobian product of F_i(x_i) = block(x_i) - alpha_i x_i at x_i.
    """

    def __init__(self, net: torch.nn.Module, X, y):
        net = check_net(net)
        out_features = getattr(getattr(net, "head", None), "out_features", None)
        in_features = getattr(getattr(net, "stem", None), "in_features", None)
        X, y = check_data(X, y, out_features, in_features)
        self.alphas = [float(getattr(block, "alpha", 0.0)) for block in net.blocks]
        self.inputs, self.branches = [], []
        # eval mode, as at test time: a batchnorm keeps its running statistics untouched
        with torch.enable_grad(), evaluating(net):
            x = net.stem(X).detach()
            for block, alpha in zip(net.blocks, self.alphas, strict=True):
                x_in = x.clone().requires_grad_(True)
                y_out = block(x_in)
                # the branch alone: whatever the block does beyond its scaled shortcut
                self.inputs.append(x_in)
                self.branches.append(y_out - alpha * x_in)
                x = y_out.detach()
            top = x.clone().requires_grad_(True)
            loss = F.cross_entropy(net.head(top), y)
            # dL/dx_n: where every path starts its way back
            (self.top_grad,) = torch.autograd.grad(loss, top)
        self.n = len(self.alphas)

    def through_branch(self, i: int, g: torch.Tensor) -> torch.Tensor:
        """g J_{F_i}: the gradient g after block i's branch."""
        if not torch.any(g):
            return torch.zeros_like(g)
        (out,) = torch.autograd.grad(self.branches[i], self.inputs[i], g, retain_graph=True)
        return out

    def along(self, branches_taken) -> torch.Tensor:
        """the gradient at x_0 carried by the one path through exactly `branches_taken`."""
        g = self.top_grad
        for i in reversed(range(self.n)):
            g = self.through_branch(i, g) if i in branches_taken else self.alphas[i] * g
        return g


def path_gradients(net: torch.nn.Module, X, y) -> torch.Tensor:
    """dL/dx_0 split by path length: row k sums the gradients of all C(n, k) paths of length k.

    shape (n + 1, batch, width); the rows add up to dL/dx_0. one sweep down the stack (a
    dynamic programme over the blocks): at block i a length-k sum either keeps its length
    (shortcut, times alpha_i) or comes from a length-(k - 1) sum through the branch.
    """
    walk = _Unrolled(net, X, y)
    g = walk.top_grad
    rows = [g] + [torch.zeros_like(g) for _ in range(walk.n)]
    for depth_done, i in enumerate(reversed(range(walk.n))):
        # after depth_done blocks no path is longer than depth_done: skip the zero rows
        new = [walk.alphas[i] * rows[0]]
        for k in range(1, walk.n + 1):
            through = walk.through_branch(i, rows[k - 1]) if k <= depth_done + 1 else 0
            new.append(walk.alphas[i] * rows[k] + through)
        rows = new
    return torch.stack(rows).detach()


def enumerate_path_gradients(net: torch.nn.Module, X, y) -> torch.Tensor:
    """the same split as path_gradients, the slow way: walk all 2^n paths one by one.

    an independent check for small nets (n <= 14): shape (n + 1, batch, width).
    """
    walk = _Unrolled(net, X, y)
    if walk.n > MAX_ENUMERATED_BLOCKS:
        raise ValueError(f"net must have at most {MAX_ENUMERATED_BLOCKS} blocks to enumerate "
                         f"its 2^n paths, got {walk.n}")
    rows = [torch.zeros_like(walk.top_grad) for _ in range(walk.n + 1)]
    for k in range(walk.n + 1):
        for taken in itertools.combinations(range(walk.n), k):
            rows[k] = rows[k] + walk.along(set(taken))
    return torch.stack(rows).detach()


@dataclass
class PathGradients:
    """how much gradient paths of each length bring to x_0, as in Veit et al.'s figure 6."""

    lengths: np.ndarray  # k = 0 .. n
    counts: np.ndarray  # C(n, k) paths of length k
    per_path: np.ndarray  # mean ||gradient at x_0|| of one path of length k (sampled)
    total: np.ndarray  # counts * per_path: all paths of length k together (veit's fig. 6b)
    summed: np.ndarray  # ||sum of the length-k paths' gradients|| (exact; they partly cancel)
    samples: np.ndarray  # how many paths of each length were walked for per_path

    @property
    def effective(self) -> tuple[int, int]:
        """the shortest range of lengths that holds 90 % of the total, around its peak."""
        share = self.total / self.total.sum()
        lo = hi = int(np.argmax(share))
        while share[lo:hi + 1].sum() < 0.9:
            left = share[lo - 1] if lo > 0 else -1.0
            right = share[hi + 1] if hi < len(share) - 1 else -1.0
            if left >= right:
                lo -= 1
            else:
                hi += 1
        return lo, hi


def path_gradient_profile(net: torch.nn.Module, X, y, samples: int = 20,
                          seed: int = 0) -> PathGradients:
    """Veit et al.'s measurement: for each length k, walk `samples` random paths of k branches
    back from the loss (every other block passes the gradient along its shortcut) and average
    the norm of what arrives at x_0; times C(n, k) that is the length's total contribution.
    """
    samples = check_int("samples", samples, 1, 10_000)
    seed = check_int("seed", seed, 0, 2**32 - 1)
    walk = _Unrolled(net, X, y)
    rng = np.random.default_rng(seed)
    counts = path_counts(walk.n)
    per_path, walked = [], []
    for k in range(walk.n + 1):
        if counts[k] <= samples:
            picks = [set(t) for t in itertools.combinations(range(walk.n), k)]
        else:
            picks = [set(rng.choice(walk.n, size=k, replace=False).tolist())
                     for _ in range(samples)]
        per_path.append(np.mean([walk.along(taken).norm().item() for taken in picks]))
        walked.append(len(picks))
    per_path = np.array(per_path)
    summed = path_gradients(net, X, y).flatten(1).norm(dim=1).numpy()
    return PathGradients(np.arange(walk.n + 1), counts, per_path, counts * per_path,
                         summed.astype(float), np.array(walked))
