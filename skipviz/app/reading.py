"""a plain-language reading of a run, computed from its numbers (never a canned sentence)."""

from __future__ import annotations

import math

from ..measure.verdict import gradient_orders, verdict
from .words import tr, variant_name

LN2 = math.log(2.0)


def _fmt(x: float) -> str:
    # + 0.0 turns a -0.0 loss into 0: "loss -0" reads as a bug
    return f"{x + 0.0:.3g}" if math.isfinite(x) else "∞"


def _ratio(orders: float) -> str:
    return f"10^{orders:.1f}" if orders < -3 else f"{10 ** orders:.2g}×"


def gradient_sentence(snap, lang: str) -> str | None:
    if not len(snap.grad_norms) or snap.grad_norms.shape[1] < 2:
        return None
    depth, name = snap.grad_norms.shape[1], variant_name(lang, snap.alpha)
    orders = gradient_orders(snap.grad_norms[0])
    if orders is None:
        return tr(lang, "underflow", variant=name, depth=depth)
    if not math.isfinite(orders):
        return None
    word = verdict(orders)
    if word in ("vanishing", "shrinking"):
        return tr(lang, "fell", variant=name, depth=depth, orders=-orders, ratio=_ratio(orders))
    if word == "exploding":
        return tr(lang, "grew", variant=name, depth=depth, orders=orders)
    if word == "growing":
        # a residual stack grows its gradient gently with depth: name it, without crying "explodes"
        return tr(lang, "grew_mild", variant=name, depth=depth, orders=orders)
    return tr(lang, "level", variant=name, depth=depth, orders=max(abs(orders), 0.1))


def loss_sentences(snaps, lang: str) -> list[str]:
    out = []
    for s in snaps:
        name = variant_name(lang, s.alpha)
        if s.diverged:
            out.append(tr(lang, "diverged", variant=name, step=s.diverged_at))
        elif s.finished and abs(s.final_loss - LN2) < 0.01:
            out.append(tr(lang, "stuck", variant=name))
    done = [s for s in snaps if s.finished and not s.diverged]
    if len(done) == 2:
        a, b = sorted(done, key=lambda s: s.final_loss)
        if b.final_loss > 1.2 * a.final_loss:
            out.append(tr(lang, "lower_loss", winner=variant_name(lang, a.alpha),
                          a=_fmt(a.final_loss), b=_fmt(b.final_loss),
                          times=f"{b.final_loss / max(a.final_loss, 1e-12):.3g}×"))
        else:
            out.append(tr(lang, "same_loss", a=_fmt(a.final_loss), b=_fmt(b.final_loss)))
    for s in done:
        if math.isfinite(s.accuracy):
            out.append(tr(lang, "accuracy", variant=variant_name(lang, s.alpha),
                          acc=100 * s.accuracy))
    return out


def read(snaps, lang: str = "en") -> list[str]:
    """sentences about the run: how far the gradient fell per variant, who learned, who diverged."""
    snaps = [s for s in snaps if s is not None]
    if not snaps:
        return []
    if snaps[0].grad_norms.shape[1:] == (1,):
        return [tr(lang, "one_layer"), *loss_sentences(snaps, lang)]
    grads = [gradient_sentence(s, lang) for s in snaps]
    return [g for g in grads if g] + loss_sentences(snaps, lang)
