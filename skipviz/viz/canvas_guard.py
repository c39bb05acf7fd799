"""cap what a viewer's browser can make an ipympl canvas allocate in the kernel (D4).

the browser tells the kernel its canvas size (`resize`) and pixel ratio; matplotlib believes
it and draws an rgba buffer that big. `{type: 'resize', width: 16000, height: 16000}` from a
page's console took a kernel from 0.6 to 3 GB, the next redraw past 6 GB. `install()` makes
every ipympl canvas of the kernel (made before or after) clamp those numbers, and shrink the
figure when side or area would pass the caps below. it patches ipympl's Canvas class once;
figures made by code keep whatever size the code gives them, up to the same caps.
"""

from __future__ import annotations

import math
from numbers import Real

__all__ = ["MAX_PIXELS", "MAX_PIXEL_RATIO", "MAX_SIDE", "clamp_event", "install", "shrink_to_caps"]

# physical pixels: a 2400 x 1600 css figure on a 2x screen fits; one rgba buffer <= 32 MB
MAX_SIDE = 6000
MAX_PIXELS = 8_000_000
MAX_PIXEL_RATIO = 4.0  # the densest screens are 3-4x; a ratio is never 0 or negative
MIN_PIXEL_RATIO = 0.25
RATIO_KEYS = {"set_device_pixel_ratio": "device_pixel_ratio", "set_dpi_ratio": "dpi_ratio"}


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, Real):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def clamp_event(event: dict, pixel_ratio: float = 1.0) -> dict | None:
    """`event` with its size or pixel ratio inside the caps; None drops it (not a number).

    a `resize` is in css pixels: at `pixel_ratio` physical pixels per css pixel it must fit
    MAX_SIDE and MAX_PIXELS once multiplied out (the figure's aspect is kept).
    """
    kind = event.get("type")
    if kind == "resize":
        width, height = _number(event.get("width", 800)), _number(event.get("height", 800))
        if width is None or height is None:
            return None
        width, height = max(width, 1.0), max(height, 1.0)
        ratio = max(pixel_ratio, MIN_PIXEL_RATIO)
        scale = min(1.0, MAX_SIDE / (ratio * max(width, height)),
                    math.sqrt(MAX_PIXELS / (width * height * ratio**2)))
        return {**event, "width": width * scale, "height": height * scale}
    if kind in RATIO_KEYS:
        key = RATIO_KEYS[kind]
        ratio = _number(event.get(key, 1))
        if ratio is None or ratio <= 0:
            return None
        return {**event, key: min(max(ratio, MIN_PIXEL_RATIO), MAX_PIXEL_RATIO)}
    return event


def shrink_to_caps(figure) -> bool:
    """shrink `figure` (keeping its aspect) so its pixel size is inside the caps; True if so."""
    width, height = figure.bbox.size  # physical pixels: inches * dpi (dpi holds the ratio)
    if width <= 0 or height <= 0:
        return False
    scale = min(1.0, MAX_SIDE / max(width, height), math.sqrt(MAX_PIXELS / (width * height)))
    if scale >= 1.0:
        return False
    inches = figure.get_size_inches() * scale
    figure.set_size_inches(*inches, forward=False)
    return True


def install() -> None:
    """guard every ipympl canvas in this kernel; calling it again does nothing."""
    from ipympl.backend_nbagg import Canvas

    if getattr(Canvas, "_skipviz_guarded", False):
        return
    # handle_event looks the handler up by name at each message, so a class patch reaches
    # canvases made before install() as well
    for kind in ("resize", *RATIO_KEYS):
        name = f"handle_{kind}"
        setattr(Canvas, name, _guard(getattr(Canvas, name)))
    Canvas._skipviz_guarded = True


def _guard(handler):
    def guarded(self, event):
        ratio = float(getattr(self, "device_pixel_ratio", 1.0) or 1.0)
        event = clamp_event(event, ratio) if isinstance(event, dict) else None
        if event is None:
            return None
        result = handler(self, event)
        if shrink_to_caps(self.figure):
            # tell the page the size it really got, as handle_resize does
            self.manager.resize(*self.figure.bbox.size, forward=False)
            self.draw_idle()
        return result

    guarded.__name__ = handler.__name__
    guarded.__doc__ = handler.__doc__
    return guarded
