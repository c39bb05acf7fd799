"""plain vs residual (or any shortcut strengths) from one start, on one dataset."""

from __future__ import annotations

from typing import Callable

import torch

from ._validate import check_skip
from .engine import train_together
from .models import make_mlp
from .train import TrainResult, check_data, check_train_args


def compare(
    X,
    y,
    *,
    depth: int,
    skips=(0.0, 1.0),
    width: int = 32,
    activation: str = "tanh",
    init_scale: float = 1.0,
    steps: int = 200,
    lr: float = 1e-2,
    seed: int = 0,
    optimizer: str = "adam",
    callback: Callable[[list[TrainResult]], bool | None] | None = None,
    callback_every: int = 10,
) -> list[TrainResult]:
    """train one network per skip value, each from the weights that `seed` draws.

    the variants train together in one batched computation (skipviz.engine); each result
    holds the numbers train() would give that network alone, and `.net` its trained
    make_mlp module. `callback(results)` gets the list of (partial) results, in the order
    of `skips`, after the first step, every `callback_every` steps and at the end;
    returning False cancels every variant. a variant that diverges stops alone.
    """
    alphas = [check_skip(s) for s in skips]
    if not alphas:
        raise ValueError("skips must name at least one skip value in [0, 1]")
    steps, lr, seed, optimizer, callback_every = check_train_args(
        steps, lr, seed, optimizer, callback_every
    )
    nets = []
    for alpha in alphas:
        # the same seed before each build: every variant starts from the same weights
        torch.manual_seed(seed)
        X = torch.as_tensor(X)
        nets.append(make_mlp(depth, width, alpha, activation, init_scale,
                             in_features=X.shape[-1] if X.ndim == 2 else 2))
    X, y = check_data(X, y, nets[0].head.out_features)
    torch.manual_seed(seed)
    results = train_together(nets, X, y, steps=steps, lr=lr, optimizer=optimizer,
                             callback=callback, callback_every=callback_every)
    for result in results:
        result.config.update(depth=depth, width=width, activation=activation,
                             init_scale=init_scale, seed=seed)
    return results
