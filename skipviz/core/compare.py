"""plain vs residual (or any shortcut strengths) from one start, on one dataset."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Callable

import numpy as np
import torch

from .checks import check_float, check_skip
from .engine import train_together
from .models import make_mlp
from .train import TrainResult, check_data, check_train_args, train

# torch's generator is global: a compare in another thread (a stale dashboard run) must not
# draw between our seed and our weights
_DRAWING = threading.Lock()


def check_skips(skips) -> list[float]:
    """skips is a sequence of skip values: bools, or strengths alpha in [0, 1]."""
    if isinstance(skips, (torch.Tensor, np.ndarray)) and skips.ndim == 1:
        skips = skips.tolist()  # plain python numbers, checked like any others
    if isinstance(skips, (str, bytes, torch.Tensor, np.ndarray)) or not isinstance(
        skips, Iterable
    ):
        raise ValueError("skips must be a sequence of skip values in [0, 1], "
                         f"got {type(skips).__name__}")
    alphas = [check_skip(s) for s in skips]
    if not alphas:
        raise ValueError("skips must name at least one skip value in [0, 1]")
    return alphas


def variant_label(alpha: float) -> str:
    """the name of a variant: plain (alpha 0), residual (alpha 1), or the shortcut's strength."""
    alpha = float(alpha) if isinstance(alpha, bool) else check_float("alpha", alpha)
    if alpha == 0:
        return "plain (no skip)"
    if alpha == 1:
        return "residual (skip)"
    return f"skip α={alpha:g}"


def compare(
    X,
    y,
    *,
    depth: int,
    skips=(0.0, 1.0),
    width: int = 32,
    activation: str = "tanh",
    init_scale: float = 1.0,
    norm: str = "none",
    branch: str = "standard",
    steps: int = 200,
    lr: float = 1e-2,
    seed: int = 0,
    optimizer: str = "adam",
    callback: Callable[[list[TrainResult]], bool | None] | None = None,
    callback_every: int = 10,
    live_nets: bool = True,
) -> list[TrainResult]:
    """train one network per skip value, each from the weights that `seed` draws.

    the variants train together in one batched computation (skipviz.engine); each result
    holds the numbers train() would give that network alone, and `.net` its trained
    make_mlp module. `callback(results)` gets the list of (partial) results, in the order
    of `skips`, after the first step, every `callback_every` steps and at the end;
    returning False cancels every variant. with `live_nets=False` a callback finds each
    `.net` up to date only after calling `result.sync()` (the batched engine then copies the
    weights only when asked). a variant that diverges (its loss, a gradient or
    a weight inf or nan) stops alone. optimizer is "adam" (default) or "sgd" (momentum 0.9,
    train.SGD_MOMENTUM); each result's weight_moved says how far every block moved.

    norm ("none" | "batch" | "layer") and branch ("standard" | "scaled" | "rezero" |
    "fixup") are make_mlp's. the batched engine knows only act(fc(x)) + alpha * x, so any
    other norm or branch takes the slower path: train() on each net in turn, from the same
    start (see train_in_turn).
    """
    alphas = check_skips(skips)
    steps, lr, seed, optimizer, callback_every = check_train_args(
        steps, lr, seed, optimizer, callback_every
    )
    if callback is not None and not callable(callback):
        raise ValueError(f"callback must be callable or None, got {type(callback).__name__}")
    X, y = check_data(X, y, out_features=2)
    with _DRAWING:
        nets = []
        for alpha in alphas:
            # the same seed before each build: every variant starts from the same weights
            torch.manual_seed(seed)
            nets.append(make_mlp(depth, width, alpha, activation, init_scale,
                                 in_features=X.shape[1], norm=norm, branch=branch))
        torch.manual_seed(seed)  # and leave the generator as train() would
    if norm == "none" and branch == "standard":
        results = train_together(nets, X, y, steps=steps, lr=lr, optimizer=optimizer,
                                 callback=callback, callback_every=callback_every,
                                 live_nets=live_nets)
    else:
        results = train_in_turn(nets, X, y, steps=steps, lr=lr, seed=seed, optimizer=optimizer,
                                callback=callback, callback_every=callback_every)
    for result in results:
        result.config.update(depth=depth, width=width, activation=activation,
                             init_scale=init_scale, seed=seed, norm=norm, branch=branch)
    return results


def train_in_turn(nets, X, y, *, steps, lr, seed, optimizer, callback=None, callback_every=10):
    """compare's slower path: train() on each net alone, one after another (norm layers and
    branch scales, which the batched engine does not compute).

    each net trains from its own start with train()'s `seed`, so each result is the one
    train() gives that net alone. callback(results) gets the whole list in the order of
    nets: runs done, the running one's partial result, and 0-step results (steps_run 0)
    for the nets still to come; returning False cancels the rest as well.
    """
    depth = len(nets[0].blocks)
    results = [TrainResult(np.zeros(0), np.zeros((0, depth)), np.zeros((0, depth)),
                           config=dict(alpha=float(net.alpha)), net=net) for net in nets]

    def report(i, partial):
        results[i] = partial
        return callback(list(results))

    for i, net in enumerate(nets):
        if i and results[i - 1].cancelled:
            results[i].cancelled = True
            continue
        on_step = None if callback is None else (lambda partial, i=i: report(i, partial))
        results[i] = train(net, X, y, steps=steps, lr=lr, seed=seed, optimizer=optimizer,
                           callback=on_step, callback_every=callback_every)
    return results
