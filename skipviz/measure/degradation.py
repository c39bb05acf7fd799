"""the degradation problem (He et al. 2015) in small: final training loss against depth."""

from __future__ import annotations

import re
from typing import Callable

import numpy as np

from ..core.checks import check_int
from ..core.compare import compare
from ..core.limits import MAX_DEPTH, MAX_SEED


def parse_depths(depths: str) -> tuple[int, ...]:
    """'2, 8, 24' -> (2, 8, 24): the depths a learner types into a text box."""
    if not isinstance(depths, str):
        raise ValueError(f"depths must be text like '2, 8, 24', got {type(depths).__name__}")
    parts = [p for p in re.split(r"[,\s]+", depths.strip()) if p]
    if not parts or not all(p.isdigit() for p in parts):
        raise ValueError(f"depths must be whole numbers separated by commas, got {depths!r}")
    return check_depths([int(p) for p in parts])


def check_depths(depths) -> tuple[int, ...]:
    try:
        depths = tuple(depths)
    except TypeError as err:
        raise ValueError(f"depths must be a list of whole numbers, got {depths!r}") from err
    if not 1 <= len(depths) <= 12:
        raise ValueError(f"depths must name 1 to 12 depths, got {len(depths)}")
    return tuple(sorted({check_int("depths", d, 1, MAX_DEPTH) for d in depths}))


def depth_sweep(
    X,
    y,
    depths=(2, 8, 24),
    *,
    skips=(0.0, 1.0),
    seeds=(0,),
    tail: int = 10,
    callback: Callable[[int, int], None] | None = None,
    **train_kwargs,
) -> dict:
    """train every (skip, depth, seed) with compare() and keep each run's final training loss.

    the final loss is the mean of the last `tail` steps (adam's last step alone is noisy);
    a diverged run scores nan. train_kwargs go to compare (width, activation, init_scale,
    steps, lr, optimizer). callback(done, total) runs after each depth and seed.
    returns depths, alphas, final_loss and diverged, the last two of shape
    (len(skips), len(depths), len(seeds)).
    """
    depths = check_depths(depths)
    if not isinstance(seeds, (tuple, list, range)) or not len(seeds):
        raise ValueError(f"seeds must be a non-empty list of seeds, got {seeds!r}")
    seeds = tuple(check_int("seeds", s, 0, MAX_SEED) for s in seeds)
    tail = check_int("tail", tail, 1, 100_000)
    final = np.full((len(skips), len(depths), len(seeds)), np.nan)
    diverged = np.zeros(final.shape, dtype=bool)
    alphas = None
    for j, depth in enumerate(depths):
        for k, seed in enumerate(seeds):
            results = compare(X, y, depth=depth, skips=skips, seed=seed, **train_kwargs)
            alphas = tuple(r.alpha for r in results)
            for i, r in enumerate(results):
                diverged[i, j, k] = r.diverged
                if not r.diverged:
                    final[i, j, k] = float(np.mean(r.losses[-tail:]))
            if callback is not None:
                callback(j * len(seeds) + k + 1, len(depths) * len(seeds))
    return {"depths": np.array(depths), "alphas": alphas, "final_loss": final,
            "diverged": diverged}
