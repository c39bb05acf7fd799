"""plain vs residual (or any shortcut strengths) from one start, on one dataset."""

from __future__ import annotations

import torch

from ._validate import check_skip
from .models import make_mlp
from .train import TrainResult, train


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
    callback=None,
    callback_every: int = 10,
) -> list[TrainResult]:
    """train one network per skip value, each from the weights that `seed` draws.

    `callback(results)` gets the list of (partial) results so far, after the first step,
    every `callback_every` steps and at the end; returning False cancels every variant.
    """
    alphas = [check_skip(s) for s in skips]
    if not alphas:
        raise ValueError("skips must name at least one skip value in [0, 1]")
    results: list[TrainResult] = []
    cancelled = False
    for alpha in alphas:
        torch.manual_seed(seed)
        net = make_mlp(depth, width, alpha, activation, init_scale,
                       in_features=torch.as_tensor(X).shape[-1])

        def on_progress(partial, done=tuple(results)):
            return None if callback is None else callback([*done, partial])

        result = train(net, X, y, steps=steps, lr=lr, seed=seed, optimizer=optimizer,
                       callback=on_progress if callback else None,
                       callback_every=callback_every)
        result.config.update(depth=depth, width=width, activation=activation,
                             init_scale=init_scale, alpha=alpha)
        results.append(result)
        if result.cancelled:
            cancelled = True
            break
    for r in results:
        r.cancelled = r.cancelled or cancelled
    return results
