"""lesson 6: the denoised images of the u-net with and without its skips."""

from __future__ import annotations

import numpy as np

from ..viz.axes import positive, set_log_ylim
from ..viz.palette import (
    PLAIN_COLOR,
    RESIDUAL_COLOR,
)


class DenoiseView:
    """noisy input, clean target, the two nets' outputs and errors, and both loss curves."""

    NAMES = {True: "with skips (concatenate)", False: "skips cut"}
    COLORS = {True: RESIDUAL_COLOR, False: PLAIN_COLOR}

    def __init__(self, axes: dict, size: int):
        """axes: 'noisy', 'target', 'out_True', 'out_False', 'err_True', 'err_False', 'loss'."""
        blank = np.zeros((size, size))
        self.images = {}
        for key in ("noisy", "target", "out_True", "out_False"):
            self.images[key] = axes[key].imshow(blank, cmap="gray", vmin=0, vmax=1,
                                                interpolation="nearest")
        for key in ("err_True", "err_False"):
            self.images[key] = axes[key].imshow(blank, cmap="magma", vmin=0, vmax=0.5,
                                                interpolation="nearest")
        for image in self.images.values():
            image.axes.set_xticks([])
            image.axes.set_yticks([])
        axes["target"].set_title("clean target")
        self.axes = axes
        self.loss = {}
        for skip in (True, False):
            (self.loss[skip],) = axes["loss"].plot([], [], color=self.COLORS[skip],
                                                   label=self.NAMES[skip])
        axes["loss"].set_yscale("log")
        axes["loss"].set_xlabel("training step")
        axes["loss"].set_ylabel("mean squared error")
        axes["loss"].set_title("training loss (fresh noise every step)")
        axes["loss"].legend(loc="upper right", fontsize="small")
        axes["loss"].grid(True, which="both", alpha=0.3)
        self.colorbar = axes["err_False"].figure.colorbar(
            self.images["err_False"], ax=[axes["err_True"], axes["err_False"]], shrink=0.8,
            label="|output − target|")

    def update(self, noisy, target, outputs: dict, scores: dict, losses: dict, noise: float,
               input_score: float):
        """images as (H, W) arrays; scores: skip -> psnr of this image; losses: skip -> curve."""
        self.images["noisy"].set_data(np.clip(noisy, 0, 1))
        self.images["target"].set_data(target)
        self.axes["noisy"].set_title(f"noisy input (σ = {noise:g})\nPSNR {input_score:.1f} dB")
        for skip in (True, False):
            out = np.clip(outputs[skip], 0, 1)
            self.images[f"out_{skip}"].set_data(out)
            self.images[f"err_{skip}"].set_data(np.abs(out - target))
            self.axes[f"out_{skip}"].set_title(f"{self.NAMES[skip]}\nPSNR {scores[skip]:.1f} dB",
                                               color=self.COLORS[skip])
            self.axes[f"err_{skip}"].set_title(f"|error|, {self.NAMES[skip].split(' (')[0]}",
                                               color=self.COLORS[skip])
            curve = np.asarray(losses[skip], dtype=float)
            self.loss[skip].set_data(np.arange(1, len(curve) + 1), positive(curve))
        longest = max(len(v) for v in losses.values())
        self.axes["loss"].set_xlim(0, max(1, longest))
        set_log_ylim(self.axes["loss"], *losses.values(), pad=1.3)
