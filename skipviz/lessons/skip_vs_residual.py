"""lesson 6: the u-net with and without its concatenation skips, against a 3x3 mean filter that
learns nothing; training with a progress bar; the predictions and their explanations."""

from __future__ import annotations

import html

import numpy as np

from ..core.denoise import Denoiser, train_denoisers
from ..core.images import add_noise, mean_filter, psnr
from ..viz.axes import positive, set_log_ylim
from ..viz.palette import CHANCE_COLOR, INPUT_COLOR, PLAIN_COLOR, RESIDUAL_COLOR

NAMES = {True: "with skips (concatenate)", False: "skips cut", "mean": "3×3 mean filter"}
COLORS = {True: RESIDUAL_COLOR, False: PLAIN_COLOR, "mean": CHANCE_COLOR}

# the answers of the lesson's two predictions; the outcome is read off the measured numbers
BASELINE = (
    "clearly better than the mean filter (by more than 1 dB)",
    "about as good as the mean filter (within 1 dB)",
    "clearly worse than the mean filter (by more than 1 dB)",
)
HEAVY_NOISE = (
    "the u-net with skips scores higher",
    "the u-net with its skips cut scores higher",
)


def baseline_outcome(cut: float, mean: float) -> str:
    """which BASELINE answer came true: the cut u-net's psnr against the mean filter's."""
    if cut - mean > 1:
        return BASELINE[0]
    if mean - cut > 1:
        return BASELINE[2]
    return BASELINE[1]


def heavy_noise_outcome(scores: dict) -> str:
    """which HEAVY_NOISE answer came true; scores: skips (True/False) -> psnr."""
    return HEAVY_NOISE[0] if scores[True] > scores[False] else HEAVY_NOISE[1]


def explain_baseline(choice: str, outcome: str, scores: dict, mean: float, noisy: float) -> str:
    """the cut u-net against the filter, in the run's own numbers, and the learner's choice."""
    cut = scores[False]
    text = (f"With skips {scores[True]:.2f} dB, skips cut {cut:.2f} dB, the 3×3 "
            f"mean filter {mean:.2f} dB (noisy input {noisy:.2f} dB). Without its "
            f"copies the decoder rebuilds every pixel from the 4×4 bottleneck: a smooth guess, "
            f"which is what averaging 9 neighbours also gives. ")
    if outcome == BASELINE[1]:
        text += (f"The 13 trained convolution layers buy {cut - mean:+.2f} dB over a filter "
                 f"with no parameters; the skips are what turn the net into something better than "
                 f"blurring ({scores[True] - mean:+.2f} dB).")
    elif outcome == BASELINE[2]:
        text += (f"Here the cut net is even {mean - cut:.2f} dB worse than the filter: its "
                 f"smooth guess has not yet caught up with plain averaging.")
    else:
        text += (f"Here the cut net beats the filter by {cut - mean:.2f} dB: its bottleneck "
                 f"learnt something about the shapes; the skips add "
                 f"{scores[True] - cut:.2f} dB more.")
    if choice != outcome and choice == BASELINE[0]:
        text += (" Parameters are no help when the information they would need, where the "
                 "edges are, never reaches them.")
    elif choice != outcome and choice == BASELINE[2]:
        text += (" A trained blur is still a blur: learning the average shape of the images "
                 "is about as good as averaging the pixels.")
    return html.escape(text, quote=False)


def explain_heavy_noise(choice: str, outcome: str, scores: dict, trained_at: float,
                        sigma: float) -> str:
    """why the ranking flips at heavy noise (the nets were trained at a lighter one), or that
    it did not; and what the learner's choice missed."""
    text = (f"At σ = {sigma:g}: with skips {scores[True]:.2f} dB, skips cut "
            f"{scores[False]:.2f} dB. Both nets were trained at σ = {trained_at:g}. ")
    if outcome == HEAVY_NOISE[1]:
        text += (f"The skips hand the decoder full-resolution features, and the net learnt at "
                 f"σ = {trained_at:g} how far to trust them; at σ = {sigma:g} those features "
                 f"carry {sigma / trained_at:.1f}× as much noise and it passes through. The cut "
                 f"net sees the image only through the bottleneck, which averages the noise "
                 f"away whatever its level, so it loses less. The next cell trains both nets at "
                 f"σ = {sigma:g} to test this reading.")
        if choice != outcome:
            text += (" Far better at one noise level is not better at every one: a net is "
                     "tuned to the noise it was trained on.")
    else:
        text += (f"The net with skips keeps its lead even at {sigma / trained_at:.1f}× the "
                 f"training noise; the next cell trains both nets at "
                 f"σ = {sigma:g}.")
    return html.escape(text, quote=False)


def train_pair(clean, bar, *, steps: int, noise: float, seed: int = 0,
               **kwargs) -> dict[bool, Denoiser]:
    """train_denoisers with and without skips, counting the steps on `bar` (an IntProgress)."""
    bar.max, bar.value = 2 * steps, 0
    bar.description = f"σ {noise:g}, seed {seed}"

    def tick(done: int):
        bar.value = done

    return train_denoisers(clean, skips=(True, False), steps=steps, noise=noise, seed=seed,
                           progress=tick, **kwargs)


def train_more(runs: dict, steps: int, bar, button=None) -> dict:
    """`steps` more steps for every net, on the bar; the button is disabled meanwhile."""
    if button is not None:
        button.disabled = True
    try:
        bar.max, bar.value = steps * len(runs), 0
        for i, run in enumerate(runs.values()):
            run.run(steps, progress=lambda done, before=i * steps: setattr(bar, "value",
                                                                            before + done))
        bar.value = bar.max
        return runs
    finally:
        if button is not None:
            button.disabled = False


def scores_at(runs: dict, test, sigma: float, seed: int = 1) -> dict:
    """psnr over the whole test set at noise sigma: each net, the mean filter, the input."""
    noisy = add_noise(test, sigma, seed=seed)
    out = {skip: psnr(run.denoise(noisy), test) for skip, run in runs.items()}
    out["mean"] = psnr(mean_filter(noisy), test)
    out["noisy"] = psnr(noisy, test) if sigma > 0 else float("inf")
    return out


def noise_sweep(runs: dict, test, sigmas, seed: int = 1) -> dict:
    """scores_at for every sigma: key -> array over sigmas (the input's inf at sigma 0)."""
    rows = [scores_at(runs, test, float(s), seed) for s in sigmas]
    return {key: np.array([r[key] for r in rows]) for key in rows[0]}


class DenoiseView:
    """noisy input, clean target, the mean filter's and the two nets' outputs; their errors and
    both loss curves below."""

    KEYS = ("mean", True, False)

    def __init__(self, axes: dict, size: int):
        """axes: 'noisy', 'target', 'out_mean', 'out_True', 'out_False', 'err_mean', 'err_True',
        'err_False', 'loss'."""
        blank = np.zeros((size, size))
        self.images = {}
        for key in ("noisy", "target", *(f"out_{k}" for k in self.KEYS)):
            self.images[key] = axes[key].imshow(blank, cmap="gray", vmin=0, vmax=1,
                                                interpolation="nearest")
        for key in self.KEYS:
            self.images[f"err_{key}"] = axes[f"err_{key}"].imshow(
                blank, cmap="magma", vmin=0, vmax=0.5, interpolation="nearest")
        for image in self.images.values():
            image.axes.set_xticks([])
            image.axes.set_yticks([])
        axes["target"].set_title("clean target")
        self.axes = axes
        self.loss = {}
        for skip in (True, False):
            (self.loss[skip],) = axes["loss"].plot([], [], color=COLORS[skip], label=NAMES[skip])
        axes["loss"].set_yscale("log")
        axes["loss"].set_xlabel("training step")
        axes["loss"].set_ylabel("mean squared error")
        axes["loss"].set_title("training loss (fresh noise every step)")
        axes["loss"].legend(loc="upper right", fontsize="small")
        axes["loss"].grid(True, which="both", alpha=0.3)
        errs = [axes[f"err_{k}"] for k in self.KEYS]
        self.colorbar = errs[-1].figure.colorbar(self.images["err_False"], ax=errs, shrink=0.8,
                                                 label="|output − target|")

    def update(self, noisy, target, outputs: dict, scores: dict, losses: dict, noise: float,
               input_score: float):
        """images as (H, W) arrays; outputs and scores keyed 'mean', True, False (psnr of this
        image); losses: skip -> curve."""
        self.images["noisy"].set_data(np.clip(noisy, 0, 1))
        self.images["target"].set_data(target)
        self.axes["noisy"].set_title(f"noisy input (σ = {noise:g})\nPSNR {input_score:.1f} dB")
        for key in self.KEYS:
            out = np.clip(outputs[key], 0, 1)
            self.images[f"out_{key}"].set_data(out)
            self.images[f"err_{key}"].set_data(np.abs(out - target))
            self.axes[f"out_{key}"].set_title(f"{NAMES[key]}\nPSNR {scores[key]:.1f} dB",
                                              color=COLORS[key], fontsize="small")
            self.axes[f"err_{key}"].set_title(f"|error|, {NAMES[key].split(' (')[0]}",
                                              color=COLORS[key], fontsize="small")
        for skip in (True, False):
            curve = np.asarray(losses[skip], dtype=float)
            self.loss[skip].set_data(np.arange(1, len(curve) + 1), positive(curve))
        longest = max(len(v) for v in losses.values())
        self.axes["loss"].set_xlim(0, max(1, longest))
        set_log_ylim(self.axes["loss"], *losses.values(), pad=1.3)


class NoiseSweepView:
    """psnr over the test set against the noise level: both nets, the filter, the input."""

    def __init__(self, ax, sigmas, trained_at: float):
        self.ax = ax
        self.lines = {}
        for key in ("noisy", "mean", True, False):
            color = INPUT_COLOR if key == "noisy" else COLORS[key]
            label = "noisy input" if key == "noisy" else NAMES[key]
            (self.lines[key],) = ax.plot(sigmas, np.full(len(sigmas), np.nan), "o-", ms=3,
                                         color=color, label=label)
        ax.axvline(trained_at, ls="--", color="#333333", lw=1, label=f"trained at σ {trained_at:g}")
        self.now = ax.axvline(trained_at, ls=":", color="#333333", lw=1.5, label="σ shown above")
        ax.set_xlabel("noise σ of the test images")
        ax.set_ylabel("PSNR over the test set (dB)")
        ax.set_title("denoising quality against the noise level")
        ax.legend(loc="upper right", fontsize="x-small")
        ax.grid(True, alpha=0.3)

    def update(self, sweep: dict, sigma: float):
        """sweep: noise_sweep's arrays; sigma: the level the images above show."""
        finite = []
        for key, line in self.lines.items():
            values = np.where(np.isfinite(sweep[key]), sweep[key], np.nan)
            line.set_ydata(values)
            finite.append(values[np.isfinite(values)])
        self.now.set_xdata([sigma, sigma])
        allv = np.concatenate(finite)
        if len(allv):
            self.ax.set_ylim(allv.min() - 1, allv.max() + 1)
