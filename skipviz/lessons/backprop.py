"""lesson 2: the block jacobian, the chain over depth (one number, random matrices, a real net)."""

from __future__ import annotations

import numpy as np

from ..core.scales import INIT_REFERENCES, gain_for_init_scale
from ..measure.jacobians import (
    mean_zero_growth,
    random_chain_singular_values,
    rms_singular_value,
    scalar_chain,
)
from ..viz.axes import positive, set_log_ylim
from ..viz.palette import PLAIN_COLOR, RESIDUAL_COLOR
from .widgets import Prediction


class JacobianView:
    """J_residual, J_plain and their difference as heatmaps on one symmetric colour scale."""

    TITLES = ("J_residual = ∂y/∂x", "J_plain = ∂F/∂x", "J_residual − J_plain")

    def __init__(self, axes, width: int):
        blank = np.zeros((width, width))
        self.images = [ax.imshow(blank, cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest")
                       for ax in axes]
        for ax, title in zip(axes, self.TITLES, strict=True):
            ax.set_title(title)
            ax.set_xlabel("input unit j")
            ax.set_xticks([])
            ax.set_yticks([])
        axes[0].set_ylabel("output unit i")
        self.colorbar = axes[0].figure.colorbar(self.images[0], ax=list(axes), shrink=0.8,
                                                label="∂yᵢ/∂xⱼ")

    def update(self, j_res, j_plain):
        mats = [np.asarray(j_res), np.asarray(j_plain), np.asarray(j_res) - np.asarray(j_plain)]
        top = max(1.0, max(float(np.abs(m).max()) for m in mats))
        for image, m in zip(self.images, mats, strict=True):
            image.set_data(m)
            image.set_clim(-top, top)

def zero_note(ax):
    """a small text on `ax` that says which lines a log axis cannot draw because they hit 0."""
    return ax.text(0.02, 0.02, "", transform=ax.transAxes, fontsize="x-small",
                   color="#444444", va="bottom")


def first_zero(values) -> int | None:
    """the first index at which `values` is exactly 0 (or None): where a log line stops."""
    hits = np.flatnonzero(np.asarray(values, dtype=float) == 0)
    return int(hits[0]) if len(hits) else None


class SpreadView:
    """largest (solid), rms (dotted) and smallest (dashed) singular value against depth.

    with `predicted` (e.g. mean_zero_growth) a grey line shows what the rms should follow.
    """

    def __init__(self, ax, title: str, ylabel: str = "singular value of the product"):
        self.ax = ax
        self.lines = {}
        for key, color, name in (("plain", PLAIN_COLOR, "∏ Jᵢ (plain)"),
                                 ("residual", RESIDUAL_COLOR, "∏ (I + Jᵢ) (residual)")):
            (top,) = ax.plot([], [], color=color, label=f"{name}: largest")
            (mid,) = ax.plot([], [], ":", color=color, label=f"{name}: rms")
            (low,) = ax.plot([], [], "--", color=color, label=f"{name}: smallest")
            self.lines[key] = (top, low, mid)  # largest, smallest, rms
        (self.predicted,) = ax.plot([], [], "-", color="#777777", lw=2.5, alpha=0.5,
                                    label="√(1 + g²)ᴸ (mean-zero Jᵢ)")
        ax.axhline(1.0, color="#777777", lw=0.8)
        ax.set_yscale("log")
        ax.set_xlabel("depth L (layers multiplied)")
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        ax.legend(loc="best", fontsize="xx-small")
        ax.grid(True, which="both", alpha=0.3)
        self.note = zero_note(ax)

    def update(self, spectra: dict, predicted=None):
        """spectra: 'plain'/'residual' -> (depth + 1, width) singular values, largest first."""
        shown, zeros = [], []
        for key, (top, low, mid) in self.lines.items():
            s = np.asarray(spectra[key], dtype=float)
            layers = np.arange(len(s))
            rms = np.sqrt((s**2).mean(1))
            top.set_data(layers, positive(s[:, 0]))
            mid.set_data(layers, positive(rms))
            low.set_data(layers, positive(s[:, -1]))
            shown += [s[:, 0], s[:, -1]]
            at = first_zero(s[:, 0])
            if at is not None:
                zeros.append(f"{key}: every singular value is exactly 0 from L = {at} on")
        if predicted is None:
            self.predicted.set_data([], [])
        else:
            self.predicted.set_data(np.arange(len(predicted)), predicted)
            shown.append(np.asarray(predicted))
        self.note.set_text("\n".join(zeros + (["(a log axis cannot draw 0)"] if zeros else [])))
        self.ax.set_xlim(0, max(1, len(layers) - 1))
        set_log_ylim(self.ax, *shown)


class ScalarChainView:
    """|g|**L against |1 + g|**L: the one-number version of the chain rule, for any sign of g."""

    def __init__(self, ax):
        self.ax = ax
        (self.plain,) = ax.plot([], [], color=PLAIN_COLOR, label="plain: |g|ᴸ")
        (self.residual,) = ax.plot([], [], color=RESIDUAL_COLOR, label="residual: |1 + g|ᴸ")
        ax.axhline(1.0, color="#777777", lw=0.8)
        ax.set_yscale("log")
        ax.set_xlabel("depth L")
        ax.set_ylabel("|gradient factor| after L layers")
        ax.legend(loc="best", fontsize="small")
        ax.grid(True, which="both", alpha=0.3)
        self.note = zero_note(ax)

    def update(self, chain: dict, gain: float):
        plain, residual = np.abs(chain["plain"]), np.abs(chain["residual"])
        self.plain.set_data(chain["layers"], positive(plain))
        self.residual.set_data(chain["layers"], positive(residual))
        self.ax.set_xlim(0, max(1, chain["layers"][-1]))
        set_log_ylim(self.ax, plain, residual)
        words = []
        if first_zero(plain) is not None:
            words.append("plain: g = 0, so gᴸ is exactly 0 from L = 1 on")
        if first_zero(residual) is not None:
            words.append("residual: 1 + g = 0, the branch cancels the shortcut: exactly 0")
        if gain < 0:
            words.append("g < 0: gᴸ alternates in sign, |gᴸ| is drawn")
        self.note.set_text("\n".join(words + (["(a log axis cannot draw 0)"]
                                               if len(words) > (gain < 0) else [])))
        self.ax.set_title(f"one number per layer, g = {gain:g}")


class SpectrumView:
    """every singular value of one end-to-end jacobian, largest first, plain and residual."""

    def __init__(self, ax, title: str):
        self.ax, self.title = ax, title
        self.lines = {key: ax.plot([], [], "o-", ms=3, color=color, label=label)[0]
                      for key, color, label in (("plain", PLAIN_COLOR, "plain"),
                                                ("residual", RESIDUAL_COLOR, "residual"))}
        ax.axhline(1.0, color="#777777", lw=0.8)
        ax.set_yscale("log")
        ax.set_xlabel("index (largest first)")
        ax.set_ylabel("singular value")
        ax.legend(loc="best", fontsize="small")
        ax.grid(True, which="both", alpha=0.3)

    def update(self, values: dict, depth: int):
        """values: 'plain'/'residual' -> 1-d singular values of the depth-`depth` product."""
        for key, line in self.lines.items():
            v = np.asarray(values[key], dtype=float)
            line.set_data(np.arange(1, len(v) + 1), positive(v))
        n = max(len(v) for v in values.values())
        self.ax.set_xlim(0.5, n + 0.5)
        set_log_ylim(self.ax, *values.values())
        self.ax.set_title(f"{self.title}, L = {depth}")


def pytorch_default_gain() -> float:
    """the per-block stretch g of pytorch's default nn.Linear init (make_mlp's init_scale 1)."""
    return gain_for_init_scale(INIT_REFERENCES["pytorch default"])


def gain_words(gain: float) -> str:
    """where g sits against the two named references: pytorch's default init and tanh's
    critical init (the stretch 1 at which a linear layer keeps |v| on average). a negative g
    is a slope against the shortcut for the one-number chain; matrices use |g|."""
    default, size = pytorch_default_gain(), abs(gain)
    critical = gain_for_init_scale(INIT_REFERENCES["critical (Xavier)"])
    text = (f"{size / default:.2f} × pytorch's default init (g = {default:.3f}, "
            f"init_scale 1), {size / critical:.2f} × critical init (g = {critical:g}, init_scale "
            f"{INIT_REFERENCES['critical (Xavier)']:.2f})")
    if gain < 0:
        return (f"g = {gain:.3g}, a slope against the shortcut (the matrix panels use |g| = "
                f"{size:.3g}: {text})")
    return f"g = {gain:.3g}: {text}"


GROWTH = ("stays within 10× of 1: the +1 keeps it level",
          "grows more than 100×",
          "shrinks toward 0, like the plain product")
NEGATIVE = ("at least 1: the shortcut always passes dL/dy on",
            "between 1e-10 and 1",
            "below 1e-10: it vanishes too")


def growth_prediction(depth: int = 50, gain: float | None = None, width: int = 32,
                      seed: int = 0, on_run=None) -> Prediction:
    """predict the rms stretch of prod (I + J_i) for random mean-zero J_i at `gain`."""
    gain = pytorch_default_gain() if gain is None else gain
    numbers = {}

    def run():
        if on_run is not None:
            on_run()
        chains = random_chain_singular_values(depth, width, abs(gain), seed)
        numbers.update(res=chains["residual"][-1], plain=chains["plain"][-1],
                       predicted=float(mean_zero_growth(gain, depth)[-1]))
        rms = float(rms_singular_value(numbers["res"]))
        numbers["rms"] = rms
        return GROWTH[0] if 0.1 <= rms <= 10 else GROWTH[1] if rms > 100 else GROWTH[2]

    def explain(choice, outcome):
        res, plain = numbers["res"], numbers["plain"]
        text = (f"At L = {depth} the residual product stretches a typical direction by "
                f"{numbers['rms']:.3g} (rms singular value); the mean-zero rule √(1 + g²)ᴸ "
                f"predicts {numbers['predicted']:.3g}. Its singular values span "
                f"{res[-1]:.1e} to {res[0]:.1e}, while the plain product's largest is "
                f"{plain[0]:.1e}. ")
        if choice == GROWTH[0]:
            text += ("The +1 keeps the product from collapsing, but it does not keep it level: "
                     "each block adds its own J on top of the identity, and with random signs "
                     "those additions pile up in norm (they do not cancel). ")
        return text + ("That is why real ResNets also normalise or scale the branch (BatchNorm, "
                       "1/√L, Fixup, SkipInit/ReZero).")

    return Prediction(f"{depth} residual blocks with random mean-zero Jacobians Jᵢ at "
                      f"g = {gain:.3f} (pytorch's default init). The product ∏(I + Jᵢ) …",
                      GROWTH, run, explain)


def negative_gain_prediction(gain: float = -0.5, depth: int = 50, on_run=None) -> Prediction:
    """predict (1 + g)**L for a branch whose slope g works against the shortcut."""
    numbers = {}

    def run():
        if on_run is not None:
            on_run()
        chain = scalar_chain(gain, depth)
        numbers.update(res=float(abs(chain["residual"][-1])), plain=float(abs(chain["plain"][-1])))
        r = numbers["res"]
        return NEGATIVE[0] if r >= 1 else NEGATIVE[1] if r >= 1e-10 else NEGATIVE[2]

    def explain(choice, outcome):
        text = (f"|1 + g|ᴸ = {abs(1 + gain):g}^{depth} = {numbers['res']:.1e} (plain: "
                f"|g|ᴸ = {numbers['plain']:.1e}). ")
        if choice == NEGATIVE[0]:
            text += ("The shortcut does pass dL/dy on, but the branch's term dL/dy·g is added "
                     "to it, and with g < 0 it takes part of it away again. ")
        return text + ("'At least dL/dy remains' needs the branch not to point against the "
                       "shortcut; for one number that is g ≥ 0. For matrices, (I + J)v shrinks "
                       "for every direction v that J turns back against itself (Jv ≈ −v): the "
                       "smallest singular value of the residual product shows those directions.")

    return Prediction(f"One number per layer, with the branch's slope g = {gain:g} (F pushes "
                      f"against its input). After {depth} residual layers, (1 + g)ᴸ is …",
                      NEGATIVE, run, explain)
