"""teaching a u-net to remove noise from shape images, a few steps at a time (so a button
can ask for more), with and without its skips from the same start."""

from __future__ import annotations

import math
import time
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F

from .checks import check_float, check_int
from .images import check_images
from .limits import MAX_LR, MAX_SEED
from .unet import TinyUNet, make_unet


class Denoiser:
    """one net and its optimiser; run(steps) picks up where the last call stopped.

    every step draws a batch of clean images and fresh noise for it, so the net never sees
    the same noisy picture twice and cannot learn the noise by heart.
    """

    def __init__(self, net: TinyUNet, clean, *, noise: float = 0.3, lr: float = 5e-3,
                 batch_size: int = 16, seed: int = 0):
        if not isinstance(net, TinyUNet):
            # any other module may not map images to images: it would fail only in run()
            raise ValueError(f"net must be a TinyUNet (from make_unet), got {type(net).__name__}")
        self.net = net
        self.clean = _check_poolable("clean", clean)
        self.noise = check_float("noise", noise, 0.0, 5.0)
        # a float32 optimiser step cannot take an lr near 1e38: keep it to a sane range
        self.lr = check_float("lr", lr, 0.0, MAX_LR, positive=True)
        self.batch_size = check_int("batch_size", batch_size, 1, 4096)
        seed = check_int("seed", seed, 0, MAX_SEED)
        self.gen = torch.Generator().manual_seed(seed)
        self.opt = torch.optim.Adam(net.parameters(), lr=self.lr)
        self.losses: list[float] = []
        self.diverged = False
        self.elapsed = 0.0

    def run(self, steps: int, progress: Callable[[int], None] | None = None) -> np.ndarray:
        """train `steps` more steps (none once diverged); returns every loss so far.

        progress(done) is called after each step with the steps done in this call (a
        progress bar's hook); it is not called for steps a diverged net skips.
        """
        steps = check_int("steps", steps, 1, 100_000)
        _check_progress(progress)
        start = time.perf_counter()
        self.net.train()
        for done in range(1, steps + 1):
            if self.diverged:
                break
            idx = torch.randint(len(self.clean), (self.batch_size,), generator=self.gen)
            target = self.clean[idx]
            noisy = target + self.noise * torch.randn(target.shape, generator=self.gen)
            loss = F.mse_loss(self.net(noisy), target)
            if not math.isfinite(loss.item()):
                # a too-large lr: say so and stop, rather than train on NaN
                self.diverged = True
                break
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            self.opt.step()
            self.losses.append(loss.item())
            if progress is not None:
                progress(done)
        self.elapsed += time.perf_counter() - start
        return np.array(self.losses)

    @torch.no_grad()
    def denoise(self, noisy) -> torch.Tensor:
        """the net's clean guess for each noisy image: (n, 1, H, W), not clipped."""
        self.net.eval()
        return self.net(_check_poolable("noisy", noisy))

    @property
    def steps_run(self) -> int:
        return len(self.losses)


def _check_progress(progress):
    if progress is not None and not callable(progress):
        raise ValueError(f"progress must be callable or None, got {type(progress).__name__}")


def _check_poolable(name: str, images) -> torch.Tensor:
    images = check_images(name, images)
    if images.shape[-1] % 4 or images.shape[-2] % 4:
        raise ValueError(f"{name} must have height and width divisible by 4 (the u-net pools "
                         f"twice), got {tuple(images.shape[-2:])}")
    return images


def train_denoisers(clean, *, skips=(True, False), width: int = 8, steps: int = 300,
                    noise: float = 0.3, lr: float = 5e-3, batch_size: int = 16,
                    seed: int = 0,
                    progress: Callable[[int], None] | None = None) -> dict[bool, Denoiser]:
    """one Denoiser per skips value, all from the weights and batches that `seed` draws.

    progress(done) counts the steps of all the nets together (len(skips) * steps at the end).
    """
    try:
        skips = tuple(skips)
    except TypeError as err:
        raise ValueError(f"skips must be a non-empty tuple of True/False, got {skips!r}") from err
    if not skips or not all(isinstance(s, bool) for s in skips):
        raise ValueError(f"skips must be a non-empty tuple of True/False, got {skips!r}")
    steps = check_int("steps", steps, 1, 100_000)
    seed = check_int("seed", seed, 0, MAX_SEED)
    _check_progress(progress)
    out = {}
    for i, skip in enumerate(skips):
        torch.manual_seed(seed)
        net = make_unet(width=width, skips=skip)
        out[skip] = Denoiser(net, clean, noise=noise, lr=lr, batch_size=batch_size, seed=seed)
        # the nets before this one count as i * steps done (one that diverged stopped early)
        hook = None
        if progress is not None:
            hook = lambda done, before=i * steps: progress(before + done)  # noqa: E731
        out[skip].run(steps, progress=hook)
    return out
