"""small 2-d classification sets, made on the spot from a seed (no downloads)."""

from __future__ import annotations

import numpy as np
import torch

from .checks import check_choice, check_float, check_int
from .limits import MAX_SEED

DATASETS = ("spirals", "moons", "circles", "xor")


def make_dataset(name: str = "spirals", n: int = 512, noise: float = 0.1, seed: int = 0):
    """return (X, y): X float32 of shape (n, 2), standardised; y int64 labels 0/1."""
    check_choice("name", name, DATASETS)
    n = check_int("n", n, 4, 1_000_000)
    noise = check_float("noise", noise, 0.0, 5.0)
    seed = check_int("seed", seed, 0, MAX_SEED)
    rng = np.random.default_rng(seed)
    half = n // 2
    y = np.concatenate([np.zeros(n - half), np.ones(half)]).astype(np.int64)
    X = _MAKERS[name](rng, y)
    X = X + noise * rng.standard_normal(X.shape)
    # standardise so every dataset lives on the same scale as the first layer's init
    X = (X - X.mean(0)) / X.std(0)
    order = rng.permutation(n)
    return torch.tensor(X[order], dtype=torch.float32), torch.tensor(y[order])


def _spirals(rng, y):
    # two interleaved arms, each 1.5 turns long
    t = np.sqrt(rng.uniform(0, 1, len(y))) * 3 * np.pi
    angle = t + np.pi * y
    return np.stack([t * np.cos(angle), t * np.sin(angle)], 1) / (3 * np.pi)


def _moons(rng, y):
    t = rng.uniform(0, np.pi, len(y))
    upper = np.stack([np.cos(t), np.sin(t)], 1)
    lower = np.stack([1 - np.cos(t), 0.5 - np.sin(t)], 1)
    return np.where(y[:, None] == 0, upper, lower)


def _circles(rng, y):
    angle = rng.uniform(0, 2 * np.pi, len(y))
    radius = np.where(y == 0, 1.0, 0.5)
    return radius[:, None] * np.stack([np.cos(angle), np.sin(angle)], 1)


def _xor(rng, y):
    # points in the four quadrants, label = sign(x1) xor sign(x2)
    pts = rng.uniform(0.1, 1.0, (len(y), 2))
    flip = rng.integers(0, 2, len(y)) * 2 - 1
    signs = np.stack([flip, flip * np.where(y == 0, 1, -1)], 1)
    return pts * signs


_MAKERS = {"spirals": _spirals, "moons": _moons, "circles": _circles, "xor": _xor}
