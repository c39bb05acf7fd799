"""live figures the browser draws (bqplot): the kernel sends numbers, marks update in place.

every artist is built once and then fed. a history (loss per step, ||dL/dx_l|| per step and
layer) is cut into bands of steps, one mark per band: a frame resends only the bands whose
steps changed, so a long run sends each step a few times, never the whole history per frame.

>>> loss = LossCurves(slots=2)
>>> loss.reset(steps=200, alphas=(0.0, 1.0))
>>> loss.extend(0, losses_so_far)           # only the new steps go to the browser
>>> loss.figure                             # an ipywidget: put it in a layout
"""

from __future__ import annotations

import math

import bqplot as bq
import numpy as np

from .axes import positive
from .palette import CLASS_COLORS, variant_color

MAX_BANDS = 8  # marks per history: a band holds ceil(steps / MAX_BANDS) steps
# while training, a profile that moved less than this (decades) is not resent: ~1 pixel
LIVE_TOL_DECADES = 0.01
# nor a diagram whose colours moved less than this (log10 units, on a range of 6-12)
LIVE_TOL_COLOR = 0.05
FONT = {"font-size": "12px"}
MARGIN = {"top": 32, "bottom": 42, "left": 58, "right": 14}
GREY = "#BBBBBB"
# hover targets per loss curve: every step up to this many, then evenly spaced steps (each
# still shows its exact loss). a target is an svg node the page lays out: 2000 steps of
# targets made the loss panel the heaviest part of a fresh page
HOVER_POINTS = 60
# data points a decision map draws at most (an even subsample of a larger set): each is three
# svg nodes the page builds and styles, and two maps of 400 points were half of a fresh
# dashboard's nodes (5185 -> 3685 with 150); the boundary is still computed on every point
MAP_POINTS = 150

__all__ = ["DecisionMap", "GradientHeatmap", "GradientProfile", "LossCurves", "NetworkDiagram",
           "UpdateSizes", "assign", "band_size", "evenly_spaced", "hover_steps", "live_figure",
           "log_range", "near", "steady_log_range", "widget_tree"]


def live_figure(title: str = "", x_label: str = "", y_label: str = "", *, log_y: bool = False,
                width: int = 420, height: int = 250, reverse_y: bool = False):
    """(figure, x scale, y scale, x axis, y axis): the one axis style of every live figure."""
    xs = bq.LinearScale()
    ys = bq.LogScale(reverse=reverse_y) if log_y else bq.LinearScale(reverse=reverse_y)
    ax = bq.Axis(scale=xs, label=x_label, grid_color="#EEEEEE", label_offset="32px")
    ay = bq.Axis(scale=ys, label=y_label, side="left", grid_color="#EEEEEE",
                 tick_format=".0e" if log_y else "", label_offset="46px")
    fig = bq.Figure(marks=[], axes=[ax, ay], title=title, fig_margin=dict(MARGIN),
                    title_style=dict(FONT), padding_y=0.0, padding_x=0.0, animation_duration=0,
                    layout={"width": f"{width}px", "height": f"{height}px"})
    return fig, xs, ys, ax, ay


def log_range(*arrays, pad: float = 2.0) -> tuple[float, float] | None:
    """(lo, hi) that fits every finite positive value on a log axis, or None if there is none."""
    vals = [positive(a).ravel() for a in arrays if a is not None and np.size(a)]
    vals = np.concatenate(vals) if vals else np.zeros(0)
    vals = vals[np.isfinite(vals)]
    if not len(vals):
        return None
    lo, hi = max(vals.min() / pad, 1e-300), min(vals.max() * pad, 1e300)
    return (lo, hi) if hi > lo else (lo / 10, lo * 10)


def steady_log_range(current, *arrays, slack: float = 2.0) -> tuple[float, float] | None:
    """a log axis' domain that moves only when it must: `current` (lo, hi) is kept while it
    holds every finite positive value with at most `slack` decades to spare on either side;
    otherwise the domain snaps outward to half decades around the values. None: no values.

    a domain change makes the browser redraw every mark on the axis; a run whose loss falls
    by a little each frame moved it every frame, and the page fell behind the engine."""
    span = log_range(*arrays, pad=1.0)
    if span is None:
        return None
    lo, hi = math.log10(span[0]), math.log10(span[1])
    if current is not None and None not in current and min(current) > 0:
        c_lo, c_hi = math.log10(current[0]), math.log10(current[1])
        if c_lo <= lo and hi <= c_hi and lo - c_lo <= slack and c_hi - hi <= slack:
            return tuple(current)
    lo, hi = math.floor(2 * lo - 0.2) / 2, math.ceil(2 * hi + 0.2) / 2
    return max(10.0 ** lo, 1e-300), min(10.0 ** hi, 1e300)


def assign(widget, **values) -> list[str]:
    """set only the traits whose value differs (arrays compared by value, nan equal to nan),
    in one message; returns the names sent. traitlets resends an array on every assignment,
    even an equal one, and each resend makes the browser redraw that mark."""
    changed = {k: v for k, v in values.items() if not _same(getattr(widget, k), v)}
    if changed:
        with widget.hold_sync():
            for name, value in changed.items():
                setattr(widget, name, value)
    return list(changed)


def _same(old, new) -> bool:
    if isinstance(old, np.ndarray) or isinstance(new, np.ndarray):
        try:
            a, b = np.asarray(old), np.asarray(new)
            if a.shape != b.shape:
                return False
            if a.dtype.kind in "fc" and b.dtype.kind in "fciu":
                return bool(np.array_equal(a, b, equal_nan=True))
            return bool(np.array_equal(a, b))
        except (TypeError, ValueError):
            return False
    try:
        return bool(old == new) and type(old) is type(new)
    except (TypeError, ValueError):
        return False


def near(old, new, tol: float, log: bool = False) -> bool:
    """whether array `new` would look like `old`: the same shape and gaps, and every value
    within `tol` (of log10 when `log`: decades on a log axis). while a run trains, a frame
    leaves out what moved less than that: it would cost a message and a redraw for no
    visible change."""
    a, b = np.asarray(old, dtype=np.float64), np.asarray(new, dtype=np.float64)
    if a.shape != b.shape:
        return False
    if log:
        with np.errstate(divide="ignore", invalid="ignore"):
            a, b = np.log10(a), np.log10(b)
    gaps = ~np.isfinite(a)
    if not np.array_equal(gaps, ~np.isfinite(b)) or not np.array_equal(a[gaps], b[gaps],
                                                                         equal_nan=True):
        return False
    return not len(a[~gaps]) or float(np.max(np.abs(a[~gaps] - b[~gaps]))) <= tol


def widget_tree(root) -> list:
    """`root` and every widget it holds in a synced trait (marks, scales, axes, tooltips,
    children, layouts, styles): what must be closed for nothing of it to stay behind."""
    from ipywidgets import Widget

    found, todo = {}, [root]
    while todo:
        widget = todo.pop()
        if id(widget) in found:
            continue
        found[id(widget)] = widget
        for name in widget.keys:
            value = getattr(widget, name, None)
            items = value.values() if isinstance(value, dict) else \
                value if isinstance(value, (list, tuple)) else (value,)
            todo.extend(item for item in items if isinstance(item, Widget))
    return list(found.values())


def evenly_spaced(n: int, most: int):
    """indices into n items: all of them up to `most`, else `most` evenly spaced ones, the
    first and the last always among them."""
    if n <= most:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, most).round().astype(int))


def hover_steps(n: int, most: int = HOVER_POINTS):
    """the steps of an n-step history that get a hover target (evenly_spaced)."""
    return evenly_spaced(n, most)


def _on_log_axis(values) -> np.ndarray:
    # a line takes a NaN as a gap; a scatter point at NaN (a loss or gradient of exactly 0,
    # made NaN by positive()) is an svg transform the browser logs as an error: leave it out
    return np.isfinite(values)


def band_size(steps: int) -> int:
    """steps per band, so one history needs at most MAX_BANDS marks."""
    return max(1, math.ceil(steps / MAX_BANDS))


def _stroke(focused: bool | None, bold: float = 2.6, thin: float = 1.2) -> dict:
    # with two variants the focused one is bold and opaque; with one, both rules are the same
    on = focused is None or focused
    return {"stroke_width": bold if on else thin, "opacities": [1.0 if on else 0.55]}


class NotedPanel:
    """a panel with a line of words in its corner (`self.label`, a bq.Label): `note` reads
    and sets it, so a panel with nothing finite to draw still says why."""

    @property
    def note(self) -> str:
        return self.label.text[0] if len(self.label.text) else ""

    @note.setter
    def note(self, text: str):
        self.label.text = [text]


class GradientProfile(NotedPanel):
    """||dL/dx_l|| per layer on a log axis: step 0 (solid, dots) and the shown step (dashed).

    every dot shows its exact value on hover (layer, ||dL/dx||).
    """

    def __init__(self, slots: int = 2, width: int = 460, height: int = 260,
                 value_label: str = "‖dL/dx‖"):
        self.figure, self.x, self.y, self.x_axis, self.y_axis = live_figure(
            log_y=True, width=width, height=height)
        self.start, self.shown, self.dots, self.shown_dots = [], [], [], []
        tip = bq.Tooltip(fields=["x", "y"], formats=["d", ".4g"], labels=["layer", value_label])
        for _ in range(slots):
            scales = {"x": self.x, "y": self.y}
            self.start.append(bq.Lines(x=[], y=[], scales=scales, stroke_width=2))
            self.shown.append(bq.Lines(x=[], y=[], scales=scales, line_style="dashed"))
            self.dots.append(bq.Scatter(x=[], y=[], scales=scales, default_size=22, tooltip=tip,
                                        stroke="white"))
            self.shown_dots.append(bq.Scatter(x=[], y=[], scales=scales, default_size=10,
                                              tooltip=tip, marker="diamond"))
        # words for a profile with nothing finite to draw, so the panel is never just empty
        self.label = bq.Label(x=[0.02], y=[0.95], text=[""], align="start", default_size=12,
                              scales={"x": bq.LinearScale(min=0, max=1),
                                      "y": bq.LinearScale(min=0, max=1)}, colors=["#333333"])
        self.figure.marks = [*self.start, *self.shown, *self.dots, *self.shown_dots, self.label]

    def show(self, slot: int, alpha: float | None, step0=None, shown=None,
             focused: bool | None = None, name: str = "", live: bool = False):
        """slot's variant `alpha` (None hides it): its step-0 profile and the shown step's.

        `live` (a run training): the shown step's line is resent only once it visibly moved,
        and its hover dots wait for the run to pause or end (half the messages a frame)."""
        marks = (self.start[slot], self.shown[slot], self.dots[slot], self.shown_dots[slot])
        if alpha is None or step0 is None or not len(step0):
            for m in marks:
                assign(m, x=np.zeros(0), y=np.zeros(0))
            return
        color = variant_color(alpha)
        layers = np.arange(1, len(step0) + 1, dtype=np.float64)
        on = focused is None or focused
        for m, values in zip(marks, (step0, shown, step0, shown), strict=True):
            v = positive(values) if values is not None else np.zeros(0)
            x, y = (layers, v) if len(v) else (np.zeros(0), np.zeros(0))
            if live and m is marks[3]:
                assign(m, visible=False)
                continue
            if live and m is marks[1] and near(m.y, y, LIVE_TOL_DECADES, log=True) \
                    and np.array_equal(m.x, x):
                continue
            if m is marks[3]:
                m.visible = True
            if isinstance(m, bq.Lines):
                # the step-0 profile is the same all run long: only the shown step's moves
                assign(m, x=x, y=y, colors=[color], labels=[name],
                       **_stroke(focused, bold=2.4, thin=1.0))
            else:
                drawn = _on_log_axis(y)
                assign(m, x=x[drawn], y=y[drawn], colors=[color],
                       opacities=[1.0 if on else 0.5])

    def fit(self, *profiles, depth: int):
        """the axes fit `profiles` (the y range) and layers 1..depth."""
        assign(self.x, min=0.5, max=depth + 0.5)
        span = steady_log_range((self.y.min, self.y.max), *profiles)
        if span is not None:
            assign(self.y, min=span[0], max=span[1])


class LossCurves(NotedPanel):
    """training loss per step (log axis), appended band by band; a cursor marks the shown step.

    hovering a point shows its step and exact loss; a diverged run ends in a cross.
    """

    def __init__(self, slots: int = 2, width: int = 460, height: int = 260):
        self.figure, self.x, self.y, self.x_axis, self.y_axis = live_figure(
            log_y=True, width=width, height=height)
        self.slots = slots
        self.lines: list[list[bq.Lines]] = [[] for _ in range(slots)]
        self.tip = bq.Tooltip(fields=["x", "y"], formats=["d", ".5g"], labels=["step", "loss"])
        # one hover target per variant, whole: it is sent only when a run pauses or ends
        self.hover = [bq.Scatter(x=[], y=[], scales={"x": self.x, "y": self.y}, default_size=14,
                                 opacities=[0.0], tooltip=self.tip, visible=False)
                      for _ in range(slots)]
        self.sent = [0] * slots
        self.hover_sent = [0] * slots  # hover targets lag while a run trains (live)
        self.alphas: list[float | None] = [None] * slots
        self.focus: list[bool | None] = [None] * slots
        self.band = 1
        unit = bq.LinearScale(min=0, max=1)
        self.cursor = bq.Lines(x=[0, 0], y=[0, 1], scales={"x": self.x, "y": unit},
                               colors=["#444444"], line_style="dotted", visible=False)
        self.crosses = [bq.Scatter(x=[], y=[], scales={"x": self.x, "y": self.y},
                                   marker="cross", default_size=90) for _ in range(slots)]
        self.label = bq.Label(x=[0.98], y=[0.95], text=[""], align="end", default_size=12,
                              scales={"x": unit, "y": unit}, colors=["#333333"])
        # every band's mark exists from the start: a run never adds widgets, only data
        for slot in range(slots):
            scales = {"x": self.x, "y": self.y}
            for _ in range(MAX_BANDS):
                self.lines[slot].append(bq.Lines(x=[], y=[], scales=scales, visible=False))
        self._marks()

    def _marks(self):
        bands = [m for slot in range(self.slots) for m in self.lines[slot]]
        self.figure.marks = [*bands, *self.hover, *self.crosses, self.cursor, self.label]

    def reset(self, steps: int, alphas):
        """a new run of `steps` steps with one variant per slot (None: an empty slot)."""
        self.band = band_size(steps)
        alphas = list(alphas) + [None] * (self.slots - len(alphas))
        with self.figure.hold_sync():
            self.x.min, self.x.max = 0, max(steps, 1)
            self.y.min = self.y.max = None  # the new run's losses choose the domain anew
            for slot in range(self.slots):
                self.alphas[slot] = alphas[slot]
                self.sent[slot] = self.hover_sent[slot] = 0
                for m in (*self.lines[slot], self.hover[slot]):
                    m.visible = False
                with self.crosses[slot].hold_sync():
                    self.crosses[slot].x, self.crosses[slot].y = [], []

    def extend(self, slot: int, losses, live: bool = False) -> int:
        """send the steps of `losses` (the whole history so far) the browser lacks; returns
        how many steps went out (a band already sent whole is never sent again). `live` (a
        run training): the hover targets wait until the run pauses or ends."""
        losses = np.asarray(losses, dtype=np.float64)
        n = len(losses)
        if self.alphas[slot] is None:
            return 0
        color = variant_color(self.alphas[slot])
        sent = self.sent[slot]
        for k, x, y in self._bands(losses, sent):
            assign(self.lines[slot][k], x=x, y=y, colors=[color], visible=True,
                   **_stroke(self.focus[slot]))
        if not live and n != self.hover_sent[slot]:
            steps = hover_steps(n)
            y = positive(losses[steps])
            drawn = _on_log_axis(y)
            assign(self.hover[slot], x=steps[drawn].astype(np.float64), y=y[drawn],
                   colors=[color], visible=True)
            self.hover_sent[slot] = n
        self.sent[slot] = max(n, sent)
        return max(n - sent, 0)

    def _bands(self, losses, sent: int):
        """(band, x, y) of every band holding steps from `sent` on."""
        n, R = len(losses), self.band
        if n <= sent:
            return
        for k in range(sent // R, (n - 1) // R + 1):
            lo, hi = k * R, min((k + 1) * R, n)
            # each band starts at the previous band's last point, so the curve has no gaps
            start = max(lo - 1, 0)
            yield k, np.arange(start, hi, dtype=np.float64), positive(losses[start:hi])

    def set_focus(self, slot: int, focused: bool | None):
        """bold (focused) or thin (the other variant); None: the only variant shown."""
        if self.focus[slot] == focused:
            return
        self.focus[slot] = focused
        for m in self.lines[slot]:
            assign(m, **_stroke(focused))

    def mark_end(self, slot: int, step: int | None, value: float | None):
        """a cross where a diverged run stopped (its last finite loss); None clears it."""
        c = self.crosses[slot]
        with c.hold_sync():
            if step is None or value is None or self.alphas[slot] is None:
                c.x, c.y = [], []
            else:
                c.x, c.y = [float(step)], [float(value)]
                c.colors = [variant_color(self.alphas[slot])]

    def fit(self, *losses):
        span = steady_log_range((self.y.min, self.y.max), *losses, slack=1.0)
        if span is not None:
            assign(self.y, min=span[0], max=span[1])

    def show_step(self, step: int | None):
        """a dotted rule at `step` (None hides it): where the scrubber is."""
        with self.cursor.hold_sync():
            self.cursor.visible = step is not None
            if step is not None:
                self.cursor.x = [float(step), float(step)]


class GradientHeatmap:
    """||dL/dx_l|| of every layer (x) at every step (y, down), log colours, band by band.

    black: a norm that is exactly 0 (the end point of vanishing); steps not run stay blank;
    an overflow to inf takes the top colour.
    """

    def __init__(self, colors: bq.ColorScale, width: int = 240, height: int = 250):
        self.figure, self.x, self.y, self.x_axis, self.y_axis = live_figure(
            width=width, height=height, reverse_y=True)
        self.color = colors
        self.bands: list[bq.HeatMap] = []
        self.sent, self.band, self.depth = 0, 1, 1
        unit = bq.LinearScale(min=0, max=1)
        self.cursor = bq.Lines(x=[0, 1], y=[0, 0], scales={"x": unit, "y": self.y},
                               colors=["#FFFFFF"], stroke_width=1.5, visible=False)
        self.bands = [bq.HeatMap(x=np.arange(2.0), y=np.arange(2.0), color=np.zeros((2, 2)),
                                 scales={"x": self.x, "y": self.y, "color": self.color},
                                 visible=False) for _ in range(MAX_BANDS)]
        self.figure.marks = [*self.bands, self.cursor]

    def reset(self, steps: int, depth: int):
        self.band, self.depth, self.sent = band_size(steps), depth, 0
        with self.figure.hold_sync():
            self.x.min, self.x.max = 0.5, depth + 0.5
            self.y.min, self.y.max = 0, max(steps, 1)
            for m in self.bands:
                m.visible = False

    def extend(self, grad_norms) -> int:
        """send the rows of `grad_norms` (steps run, depth) the browser lacks."""
        g = np.asarray(grad_norms, dtype=np.float64)
        n, sent, R = len(g), self.sent, self.band
        if n <= sent or g.ndim != 2:
            return 0
        with np.errstate(divide="ignore", invalid="ignore"):
            logs = np.log10(np.where(np.isfinite(g), g, np.inf))
        logs[np.isneginf(logs)] = np.nan  # exactly 0: null colour (black)
        logs[np.isposinf(logs) | np.isnan(g)] = 300.0  # overflow: above the top colour
        layers = np.arange(1, g.shape[1] + 1, dtype=np.float64)
        for k in range(sent // R, (n - 1) // R + 1):
            lo, hi = k * R, min((k + 1) * R, n)
            rows = logs[lo:hi].astype(np.float32)
            steps = np.arange(lo, hi, dtype=np.float64) + 0.5
            if len(rows) == 1:  # a heatmap needs two rows: one step is one row, drawn twice
                rows, steps = np.vstack([rows, rows]), np.array([lo + 0.25, lo + 0.75])
            x = layers
            if rows.shape[1] == 1:  # and two columns: one layer is drawn twice too
                rows, x = np.hstack([rows, rows]), np.array([0.75, 1.25])
            m = self.bands[k]
            with m.hold_sync():
                m.x, m.y, m.color = x, steps, rows
                m.visible = True
        self.sent = n
        return n - sent

    def clear(self):
        self.sent = 0
        for m in self.bands:
            m.visible = False
        self.show_step(None)

    def show_step(self, step: int | None):
        with self.cursor.hold_sync():
            self.cursor.visible = step is not None
            if step is not None:
                self.cursor.y = [step + 0.5, step + 0.5]


def heat_colors() -> bq.ColorScale:
    """the log10 colour scale the heatmaps (and the network diagram) share."""
    return bq.ColorScale(scheme="viridis", min=-8, max=0)


def fit_heat_colors(scale: bq.ColorScale, *grad_norms):
    """fit the shared log colours: from the 1st percentile to the largest finite norm."""
    vals = [positive(g).ravel() for g in grad_norms if g is not None and np.size(g)]
    vals = np.concatenate(vals) if vals else np.zeros(0)
    vals = vals[np.isfinite(vals)]
    if not len(vals):
        return
    hi = float(np.log10(vals.max()))
    lo = max(float(np.log10(np.percentile(vals, 1))), hi - 12)
    # whole decades, kept while they still fit within a decade and a half: a colour change
    # repaints every band of both heatmaps and the diagram
    c_lo, c_hi = scale.min, scale.max
    if c_lo is not None and c_hi is not None and c_lo <= lo and hi <= c_hi \
            and lo - c_lo <= 1.5 and c_hi - hi <= 1.5:
        return
    lo, hi = math.floor(lo), math.ceil(hi)
    assign(scale, min=float(lo), max=float(max(hi, lo + 1)))


class DecisionMap:
    """p(class 1) over the data's plane (class colours through white), the data on top.

    points show their coordinates and class on hover (at most MAP_POINTS of them, evenly
    spaced through the data); `on_click(fn)` hands clicks on the empty plane to fn(x, y)
    (drawing a dataset).
    """

    def __init__(self, X, y, n: int = 60, margin: float = 0.3, width: int = 250,
                 height: int = 250):
        self.figure, self.x, self.y, self.x_axis, self.y_axis = live_figure(
            width=width, height=height)
        self.figure.fig_margin = {"top": 32, "bottom": 24, "left": 30, "right": 8}
        self.n, self.margin = n, margin
        probs = bq.ColorScale(colors=[CLASS_COLORS[0], "#FFFFFF", CLASS_COLORS[1]], min=0, max=1)
        classes = bq.OrdinalColorScale(colors=list(CLASS_COLORS), domain=[0, 1])
        tip = bq.Tooltip(fields=["x", "y", "color"], formats=[".2f", ".2f", "d"],
                         labels=["x₁", "x₂", "class"])
        self.grid = bq.HeatMap(x=np.arange(2.0), y=np.arange(2.0), color=np.full((2, 2), 0.5),
                               scales={"x": self.x, "y": self.y, "color": probs},
                               visible=False)
        self.points = bq.Scatter(x=[], y=[], color=[], default_size=14, stroke="#333333",
                                 scales={"x": self.x, "y": self.y, "color": classes},
                                 tooltip=tip)
        self.figure.marks = [self.grid, self.points]
        self._clicks, self._known = [], 0
        self.points.observe(self._added, names=["x", "y"])
        self.set_data(X, y)

    def set_data(self, X, y):
        X, y = np.asarray(X, dtype=np.float64), np.asarray(y).astype(int)
        lo = (X.min(0) if len(X) else np.full(2, -1.0)) - self.margin
        hi = (X.max(0) if len(X) else np.full(2, 1.0)) + self.margin
        self.xs, self.ys = np.linspace(lo[0], hi[0], self.n), np.linspace(lo[1], hi[1], self.n)
        shown = evenly_spaced(len(X), MAP_POINTS)
        with self.figure.hold_sync():
            self.x.min, self.x.max = float(lo[0]), float(hi[0])
            self.y.min, self.y.max = float(lo[1]), float(hi[1])
            self._known = len(shown)  # set first: the new arrays are not a click
            with self.points.hold_sync():
                self.points.x, self.points.y = X[shown, 0], X[shown, 1]
                self.points.color = y[shown]
            with self.grid.hold_sync():
                self.grid.x, self.grid.y = self.xs, self.ys

    def update(self, probs):
        """probs (n, n) of class 1 on the grid (rows: y), or None to hide the map."""
        if probs is None:
            assign(self.grid, visible=False)
            return
        probs = np.asarray(probs, dtype=np.float32)
        if probs.shape != (len(self.ys), len(self.xs)):
            # live grids are coarser than a finished run's
            self.n = probs.shape[0]
            self.xs = np.linspace(self.xs[0], self.xs[-1], probs.shape[1])
            self.ys = np.linspace(self.ys[0], self.ys[-1], probs.shape[0])
        # a grid is recorded every half second, frames come ten times as often: the same
        # grid is not sent (and repainted) again
        assign(self.grid, x=self.xs, y=self.ys, color=probs, visible=True)

    def on_click(self, callback):
        """callback(x, y) for a click on the plane: the browser adds the point (bqplot's
        'add' interaction) and sends the grown arrays; the newest point is the click."""
        self._clicks.append(callback)
        self.points.interactions = {"click": "add", "hover": "tooltip"}

    def _added(self, _change):
        x, y = self.points.x, self.points.y
        if x is None or y is None or len(x) != len(y) or len(x) <= self._known:
            return
        self._known = len(x)
        for callback in self._clicks:
            callback(float(x[-1]), float(y[-1]))


class NetworkDiagram:
    """the net as columns, input at the bottom: stem, one segment per block, head.

    each block's main path is a straight segment, its shortcut an arc beside it; both are
    coloured by log10 of that block's gradient norm at the shown step (the heatmaps' colours):
    the segment by ||dL/dx_l|| reaching block l's input, the arc by alpha * ||dL/dx_(l+1)||,
    the part of the gradient the shortcut alone carries back. a plain net has no arcs.
    """

    def __init__(self, colors: bq.ColorScale, slots: int = 2, width: int = 260,
                 height: int = 520):
        self.figure, self.x, self.y, self.x_axis, self.y_axis = live_figure(
            width=width, height=height)
        for axis in self.figure.axes:  # a diagram has no axes, only a colour bar
            axis.close()
        self.color = colors
        self.x.min, self.x.max = -0.6, slots - 0.1
        self.main, self.arcs, self.last_arcs, self.ends = [], [], [], []
        for _ in range(slots):
            scales = {"x": self.x, "y": self.y, "color": self.color}
            self.main.append(bq.Lines(x=[[0, 0]], y=[[0, 1]], color=[0.0], scales=scales,
                                      stroke_width=5, visible=False))
            self.arcs.append(bq.Lines(x=[[0, 0]], y=[[0, 1]], color=[0.0], scales=scales,
                                      stroke_width=2.5, visible=False))
            # the last block's shortcut carries the head's input gradient, which is not recorded
            self.last_arcs.append(bq.Lines(x=[], y=[], scales={"x": self.x, "y": self.y},
                                           colors=[GREY], stroke_width=2.5, visible=False))
            self.ends.append(bq.Scatter(x=[], y=[], scales={"x": self.x, "y": self.y},
                                        marker="square", default_size=160, colors=[GREY],
                                        stroke="#333333"))
        self.names = bq.Label(x=[], y=[], text=[], align="middle", default_size=12,
                              scales={"x": self.x, "y": self.y}, colors=["#333333"])
        self.figure.marks = [*self.main, *self.arcs, *self.last_arcs, *self.ends, self.names]
        self.figure.axes = [bq.ColorAxis(scale=self.color, label="log10", side="bottom",
                                         num_ticks=5)]
        self.figure.fig_margin = {"top": 36, "bottom": 46, "left": 10, "right": 10}
        self.depth = 0
        self._geometry: dict[int, tuple] = {}
        self._drawn: dict[int, tuple] = {}  # slot -> (alpha, depth, name) last drawn

    def _shape(self, depth: int):
        # block l spans [l - 1, l] on the y axis; its arc bulges to the right of the column
        if depth not in self._geometry:
            t = np.linspace(0.0, 1.0, 9)
            arc_x = 0.32 * np.sin(np.pi * t)
            starts = np.arange(depth, dtype=np.float64)
            main_y = np.stack([starts + 0.08, starts + 0.92], 1)
            arc_y = starts[:, None] + 0.05 + 0.9 * t[None, :]
            self._geometry = {depth: (main_y, arc_x, arc_y)}
        return self._geometry[depth]

    def show(self, slot: int, alpha: float | None, grad_norms=None, name: str = "",
             live: bool = False):
        """slot's net (alpha None hides it) coloured by grad_norms (depth,) at the shown step
        (`live`, a run training: colours are resent only once they visibly changed)."""
        main, arcs, ends = self.main[slot], self.arcs[slot], self.ends[slot]
        last = self.last_arcs[slot]
        if alpha is None or grad_norms is None or not len(grad_norms):
            self._drawn.pop(slot, None)
            for m in (main, arcs, last):
                assign(m, visible=False)
            assign(ends, x=np.zeros(0), y=np.zeros(0))
            return
        g = np.asarray(grad_norms, dtype=np.float64)
        depth = len(g)
        main_y, arc_x, arc_y = self._shape(depth)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_in = np.log10(np.where(np.isfinite(g), g, np.inf))
            # the shortcut of block l carries alpha * dL/dx_(l+1); the last block's output
            # gradient (the head's input) is not recorded, so its arc takes no colour
            carried = np.append(float(alpha) * g[1:], 1.0)
            log_arc = np.log10(np.where(np.isfinite(carried), carried, np.inf))
        for logs in (log_in, log_arc):
            logs[np.isneginf(logs)] = -300.0  # exactly 0: the bottom colour
            logs[np.isposinf(logs)] = 300.0
        cx = float(slot)
        colors = np.nan_to_num(log_in, nan=-300.0)
        if live and self._drawn.get(slot) == (alpha, depth, name) \
                and near(main.color, colors, LIVE_TOL_COLOR) \
                and (alpha == 0 or depth < 2 or near(arcs.color, log_arc[:-1], LIVE_TOL_COLOR)):
            return
        self._drawn[slot] = (alpha, depth, name)
        # the geometry stays while the depth does: a frame sends the colours only
        assign(main, x=np.full((depth, 2), cx), y=main_y, color=colors, visible=True)
        if alpha != 0 and depth > 1:
            assign(arcs, x=np.tile(cx + 0.06 + arc_x, (depth - 1, 1)), y=arc_y[:-1],
                   color=log_arc[:-1], visible=True)
        else:
            assign(arcs, visible=False)
        if alpha != 0:
            assign(last, x=cx + 0.06 + arc_x, y=arc_y[-1], visible=True)
        else:
            assign(last, visible=False)
        assign(ends, x=np.array([cx, cx]), y=np.array([-0.6, depth + 0.6]),
               colors=[variant_color(alpha)])
        self.depth = max(self.depth, depth) if slot else depth
        assign(self.y, min=-1.4, max=self.depth + 1.6)
        self._name(slot, cx, depth, name)

    def _name(self, slot: int, cx: float, depth: int, name: str):
        xs, ys, texts = list(self.names.x), list(self.names.y), list(self.names.text)
        while len(texts) <= slot:
            xs.append(0.0)
            ys.append(0.0)
            texts.append("")
        xs[slot], ys[slot], texts[slot] = cx, depth + 1.3, name
        assign(self.names, x=np.array(xs, dtype=float), y=np.array(ys, dtype=float),
               text=np.array(texts))


class UpdateSizes:
    """how far each layer's weights moved, ||W_l - W_l(0)|| / ||W_l(0)|| (log axis), after
    step 1 and at the shown step."""

    def __init__(self, slots: int = 2, width: int = 460, height: int = 260):
        self.profile = GradientProfile(slots, width=width, height=height, value_label="moved")
        self.figure = self.profile.figure

    def show(self, *args, **kwargs):
        self.profile.show(*args, **kwargs)

    def fit(self, *profiles, depth: int):
        self.profile.fit(*profiles, depth=depth)
