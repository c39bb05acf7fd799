"""small grey images of random shapes, drawn on the spot from a seed (no downloads), the
noise to hide them under, and psnr to score how well a net got them back."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from .checks import check_float, check_int
from .limits import MAX_SEED

SHAPES = ("rectangle", "disc", "line")


def make_shapes(n: int = 256, size: int = 16, seed: int = 0) -> torch.Tensor:
    """n images of 2 to 4 shapes each (rectangles, discs, one-pixel lines) on black.

    returns float32 of shape (n, 1, size, size) with values in [0, 1]. the thin lines and
    the sharp edges are the fine detail a network has to carry through to the output.
    """
    n = check_int("n", n, 1, 100_000)
    size = check_int("size", size, 8, 256)
    seed = check_int("seed", seed, 0, MAX_SEED)
    rng = np.random.default_rng(seed)
    # pixel centres, (size, size) each
    yy, xx = np.mgrid[0:size, 0:size] + 0.5
    images = np.zeros((n, size, size), np.float32)
    for image in images:
        for _ in range(rng.integers(2, 5)):
            kind = SHAPES[rng.integers(len(SHAPES))]
            mask = _MASKS[kind](rng, xx, yy, size)
            # later shapes cover earlier ones, each with its own brightness
            image[mask] = rng.uniform(0.4, 1.0)
    return torch.from_numpy(images)[:, None]


def add_noise(clean, noise: float = 0.3, seed: int = 0) -> torch.Tensor:
    """clean + noise * standard normal (not clipped: the net sees the raw noisy pixels)."""
    clean = check_images("clean", clean)
    noise = check_float("noise", noise, 0.0, 5.0)
    seed = check_int("seed", seed, 0, MAX_SEED)
    g = torch.Generator().manual_seed(seed)
    return clean + noise * torch.randn(clean.shape, generator=g)


def mean_filter(images, size: int = 3) -> torch.Tensor:
    """each pixel replaced by the mean of the size x size pixels around it: the baseline that
    learns nothing. at the border only the pixels inside the image are averaged.

    images (n, 1, H, W) -> the same shape; size is odd, 1 (no change) to 15.
    """
    images = check_images("images", images)
    size = check_int("size", size, 1, 15)
    if size % 2 == 0:
        raise ValueError(f"size must be odd (a window centred on its pixel), got {size}")
    return F.avg_pool2d(images, size, stride=1, padding=size // 2, count_include_pad=False)


def psnr(pred, target) -> float:
    """peak signal-to-noise ratio in dB for images in [0, 1]: 10 log10(1 / mse).

    pred is clipped to [0, 1] first (a pixel cannot be brighter than white); higher is
    better, +6 dB is half the error amplitude. a perfect match gives inf.
    """
    pred = check_images("pred", pred)
    target = check_images("target", target)
    if pred.shape != target.shape:
        raise ValueError(f"pred must have the shape of target {tuple(target.shape)}, "
                         f"got {tuple(pred.shape)}")
    mse = torch.mean((pred.clamp(0, 1) - target) ** 2).item()
    return float("inf") if mse == 0 else float(10 * np.log10(1.0 / mse))


def _rectangle(rng, xx, yy, size):
    x0, y0 = rng.uniform(0, 0.7 * size, 2)
    w, h = rng.uniform(0.15 * size, 0.5 * size, 2)
    return (xx >= x0) & (xx < x0 + w) & (yy >= y0) & (yy < y0 + h)


def _disc(rng, xx, yy, size):
    cx, cy = rng.uniform(0.2 * size, 0.8 * size, 2)
    r = rng.uniform(0.08 * size, 0.25 * size)
    return (xx - cx) ** 2 + (yy - cy) ** 2 < r * r


def _line(rng, xx, yy, size):
    # one pixel wide, across the whole image: detail that no blurry guess can fake
    k = rng.integers(1, size - 1)
    return (yy.astype(int) == k) if rng.integers(2) else (xx.astype(int) == k)


_MASKS = {"rectangle": _rectangle, "disc": _disc, "line": _line}


def check_images(name: str, images) -> torch.Tensor:
    try:
        images = torch.as_tensor(images, dtype=torch.float32)
    except (TypeError, ValueError, RuntimeError, OverflowError) as err:
        kind = type(images).__name__
        raise ValueError(f"{name} must be an array of numbers, got {kind}") from err
    if images.ndim != 4 or images.shape[1] != 1 or min(images.shape) < 1:
        raise ValueError(f"{name} must have shape (n, 1, height, width), got {tuple(images.shape)}")
    if not torch.isfinite(images).all():
        raise ValueError(f"{name} must hold finite numbers only (found NaN or inf)")
    return images
