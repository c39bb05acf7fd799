"""the live dashboard: controls, figures and a worker thread, in one App served by voila.

>>> app = App.from_query()      # in voila, the page's ?depth=50&skip=0 sets the controls
>>> app.show()                  # or display(app.view)
>>> app.set(depth=50); app.wait(60); app.status_state
"""

from __future__ import annotations

import html
import math
import os
import threading
from dataclasses import asdict, replace

import ipywidgets as W
import torch

from .figures import DashboardFigures
from .reading import read
from .runner import Progress, Runner
from .settings import (
    CHOICES,
    PRESETS,
    RANGES,
    Settings,
    check_setting,
    parse_query,
    parse_value,
    to_query,
)
from .words import tr, variant_name

STATE_CLASSES = ("sv-busy", "sv-done", "sv-diverged", "sv-error")
CSS = """<style>
.sv-app { max-width: 1400px; font-size: 15px; }
.sv-app .widget-label { min-width: 9em; }
.sv-status { font-size: 15px; padding: 6px 10px; border-left: 6px solid #999; background: #F5F5F5; }
.sv-status.sv-busy { border-left-color: #E69F00; }
.sv-status.sv-done { border-left-color: #009E73; }
.sv-status.sv-diverged, .sv-status.sv-error { border-left-color: #D55E00; }
.sv-reading { font-size: 15px; line-height: 1.45; }
.sv-notes { color: #A0410D; }
</style>"""


class App:
    """one dashboard: build the widgets and figures once, wire every observer in one place."""

    def __init__(self, settings: Settings | None = None, notes=()):
        # the app is an entry point: its tiny nets train fastest on one thread (binder has one)
        torch.set_num_threads(1)
        self.settings = settings or Settings()
        self._notes = list(notes)
        self._quiet = False  # true while the app itself moves widgets
        self._lock = threading.Lock()
        self._build_controls()
        self.runner = Runner(self._publish, draw_seconds=lambda: self.figures.draw_seconds)
        X, y = self.runner.dataset(self.settings)
        self.figures = DashboardFigures(X, y)
        self._build_layout()
        self._wire()
        self._relabel()
        self._request(self.settings)

    @classmethod
    def from_query(cls, query: str | None = None) -> App:
        """an app whose controls start from the page's query string (bad items become notes)."""
        if query is None:
            query = _voila_query()
        settings, notes = parse_query(query)
        notes = [tr(settings.lang, "note_query", msg=n) for n in notes]
        return cls(settings, notes)

    # building

    def _build_controls(self):
        s = self.settings
        lo, hi = RANGES["depth"]
        self.depth = W.IntSlider(s.depth, min=lo, max=hi, continuous_update=False)
        self.depth_text = W.Text(str(s.depth), continuous_update=False,
                                 layout=W.Layout(width="7em"))
        self.skip = W.Checkbox(s.skip, indent=False)
        self.alpha = W.FloatSlider(s.alpha, min=0.0, max=1.0, step=0.05,
                                   continuous_update=False, readout_format=".2f")
        self.activation = W.Dropdown(options=[(a, a) for a in CHOICES["activation"]],
                                     value=s.activation)
        self.init_scale = W.SelectionSlider(options=[(f"{v:g}", v) for v in PRESETS["init_scale"]],
                                            value=s.init_scale, continuous_update=False)
        lo, hi = RANGES["width"]
        self.width = W.IntSlider(s.width, min=lo, max=hi, continuous_update=False)
        self.dataset = W.Dropdown(options=[(n, n) for n in CHOICES["dataset"]],
                                  value=s.dataset)
        lo, hi = RANGES["steps"]
        self.steps = W.IntSlider(s.steps, min=lo, max=hi, step=10, continuous_update=False)
        self.lr = W.SelectionSlider(options=[(f"{v:g}", v) for v in PRESETS["lr"]], value=s.lr,
                                    continuous_update=False)
        self.seed = W.Text(str(s.seed), continuous_update=False, layout=W.Layout(width="auto"))
        self.lang = W.ToggleButtons(options=[("English", "en"), ("中文", "zh")], value=s.lang)
        self.compare = W.Checkbox(s.compare, indent=False)
        self.controls = {"depth": self.depth, "skip": self.skip, "alpha": self.alpha,
                         "activation": self.activation, "init_scale": self.init_scale,
                         "width": self.width, "dataset": self.dataset, "steps": self.steps,
                         "lr": self.lr, "seed": self.seed, "lang": self.lang,
                         "compare": self.compare}
        for name, widget in self.controls.items():
            widget.add_class("sv-" + name.replace("_", "-"))
        self.depth_text.add_class("sv-depth-text")
        self.header = W.HTML()
        self.status = W.HTML()
        self.status.add_class("sv-status")
        self.reading = W.HTML()
        self.reading.add_class("sv-reading")
        self.notes = W.HTML()
        self.notes.add_class("sv-notes")
        self.link = W.HTML()
        self.link.add_class("sv-link")

    def _build_layout(self):
        depth_row = W.HBox([self.depth, self.depth_text])
        self.net_box = W.VBox([depth_row, self.skip, self.alpha, self.activation,
                               self.init_scale, self.width])
        self.data_box = W.VBox([self.dataset, self.steps, self.lr, self.seed])
        top_row = W.HBox([self.lang, self.compare])
        panel = W.VBox([top_row, self.net_box, self.data_box, self.link, self.notes],
                       layout=W.Layout(width="390px", flex="0 0 390px"))
        plots = W.VBox([self.status, *self.figures.canvases, self.reading],
                       layout=W.Layout(flex="1 1 auto", min_width="0"))
        self.view = W.VBox([W.HTML(CSS), self.header, W.HBox([panel, plots])])
        self.view.add_class("sv-app")

    def _wire(self):
        for name, widget in self.controls.items():
            if name != "seed":
                widget.observe(self._on_control, names="value")
        self.depth_text.observe(self._on_depth_text, names="value")
        self.seed.observe(self._on_seed_text, names="value")
        # the browser counts the views it draws: 0 starts the count (None would not track)
        self.status._view_count = 0
        self.status.observe(self._on_shown, names="_view_count")

    # the main thread's side: controls -> wanted setting

    def _on_control(self, change):
        if self._quiet:
            return
        if change["owner"] is self.depth:
            self._move(self.depth_text, str(self.depth.value))
        self._apply_widgets()

    def _on_depth_text(self, change):
        if self._quiet:
            return
        self._typed("depth", self.depth_text, self.depth)

    def _on_seed_text(self, change):
        if self._quiet:
            return
        self._typed("seed", self.seed, None)

    def _typed(self, name: str, box: W.Text, slider):
        try:
            value = parse_value(name, box.value)
        except ValueError as err:
            self._say(tr(self.settings.lang, "note_bad", msg=str(err)))
            self._move(box, str(getattr(self.settings, name)))
            return
        self._say(None)
        self._move(box, str(value))
        if slider is not None:
            self._move(slider, value)
        self._apply_widgets()

    def _show(self, settings: Settings):
        """put every control on `settings`, quietly (no observer acts on it)."""
        self._quiet = True
        try:
            for name, value in asdict(settings).items():
                self.controls[name].value = str(value) if name == "seed" else value
            self.depth_text.value = str(settings.depth)
        finally:
            self._quiet = False

    def _move(self, widget, value):
        self._quiet = True
        try:
            widget.value = value
        finally:
            self._quiet = False

    def _apply_widgets(self):
        values = {name: w.value for name, w in self.controls.items()}
        try:
            values["seed"] = parse_value("seed", self.seed.value)
            wanted = Settings(**{k: check_setting(k, v) for k, v in values.items()})
        except ValueError as err:
            # a value no control offers (a hand-made message): say so, show the setting in force
            self._say(tr(self.settings.lang, "note_bad", msg=str(err)))
            self._show(self.settings)
            return
        if wanted != self.settings:
            self._say(None)  # an earlier "not applied" note no longer describes the controls
        self._request(wanted)

    def _request(self, wanted: Settings):
        old, self.settings = self.settings, wanted
        self._refresh_link()
        if wanted.lang != old.lang:
            self._relabel()
        elif wanted.skip != old.skip:
            self._label_skip()
        current = self.runner.wanted
        if current is not None and current.same_training(wanted):
            # only the language or the focus changed: redraw what is there, no retraining
            last = self.runner.last
            if last is not None and last.settings.same_training(wanted):
                self._render(last)
            return
        self._set_state("busy", tr(wanted.lang, "state_starting"))
        self.runner.want(wanted)

    # scripting surface (tests, notebooks)

    def set(self, **changes):
        """move the controls to `changes` (checked: ValueError names a bad one), as a user would."""
        wanted = self.settings.with_(**changes)
        self._show(wanted)
        self._request(wanted)

    def wait(self, timeout: float = 120.0):
        """block until the current setting finished; return its snapshots (None on timeout)."""
        progress = self.runner.wait(timeout)
        return None if progress is None else progress.snaps

    @property
    def status_state(self) -> str:
        """'busy' while training, then 'done', 'diverged' or 'error'."""
        for cls in STATE_CLASSES:
            if cls in self.status._dom_classes:
                return cls[3:]
        return "busy"

    @property
    def share_query(self) -> str:
        return to_query(self.settings)

    def show(self):
        """display the dashboard (and the script that reports a lost kernel in words)."""
        from IPython.display import HTML, display

        from .watchdog import watchdog_html

        display(HTML(watchdog_html()))
        display(self.view)

    def close(self):
        """stop the worker thread and close every widget and figure."""
        self.runner.close()
        self.figures.close()
        # layouts, styles, toolbars and boxes are widgets too: a re-run cell must not pile up
        for widget in _widget_tree(self.view):
            widget.close()

    def _on_shown(self, change):
        # a page that connects while the worker publishes can miss an update: between its
        # snapshot of every widget's state and the moment its widgets listen, messages are
        # dropped. if the missed one was the last ("done"), the page would say "training…"
        # forever. once the page shows the status it listens: send the live parts again.
        if (change["new"] or 0) <= (change["old"] or 0):
            return
        with self._lock:
            for widget in (self.status, self.reading, self.notes, self.link):
                widget.send_state()
        self.figures.redraw()

    # the worker's side: results -> figures and text (widget values and artists only)

    def _publish(self, progress: Progress):
        if not progress.settings.same_training(self.settings):
            return  # a stale run finishing a moment after the controls moved on
        self._render(progress)

    def _render(self, progress: Progress):
        lang = self.settings.lang
        snaps = progress.snaps
        focus = self.settings.focus_alpha if len(snaps) > 1 else None
        self.figures.show(snaps, progress.settings.steps, lang, progress.data, focus)
        self.reading.value = self._reading_html(snaps, lang, progress.state == "busy")
        self._set_state(progress.state, self._status_text(progress, lang))

    def _set_state(self, state: str, text: str):
        with self._lock:
            self.status.value = text
            for cls in STATE_CLASSES:
                if cls != "sv-" + state and cls in self.status._dom_classes:
                    self.status.remove_class(cls)
            self.status.add_class("sv-" + state)

    def _status_text(self, p: Progress, lang: str) -> str:
        s = self.settings if p.settings.same_training(self.settings) else p.settings
        if p.state == "busy":
            state = tr(lang, "state_busy", step=p.step, steps=s.steps)
        elif p.state == "error":
            state = tr(lang, "state_error", msg=p.error)
        elif p.state == "diverged":
            first = min((x for x in p.snaps if x.diverged), key=lambda x: x.diverged_at)
            state = f"{variant_name(lang, first.alpha)}: " + tr(lang, "state_diverged",
                                                                  step=first.diverged_at)
        else:
            state = tr(lang, "state_cached" if p.cached else "state_done")
        words = {**asdict(s), "skip": tr(lang, "on" if s.skip else "off"),
                 "dataset": tr(lang, s.dataset)}
        del words["lang"]
        config = tr(lang, "status_config", **words)
        losses = " · ".join(_loss_words(x, lang) for x in p.snaps)
        parts = [f"<b>{html.escape(state)}</b>", html.escape(config), html.escape(losses)]
        if p.state != "busy" or p.elapsed:
            parts.append(html.escape(tr(lang, "seconds", t=p.elapsed)))
        return " — ".join(parts)

    def _reading_html(self, snaps, lang: str, busy: bool) -> str:
        # while training only the step-0 gradients are final: read just those until the end
        sentences = read([_step0(s) for s in snaps] if busy else snaps, lang)
        same = self.settings.compare and self.settings.alpha == 0
        notes = [tr(lang, "note_same")] if same else []
        items = "".join(f"<li>{html.escape(t)}</li>" for t in notes + sentences)
        return f"<b>{html.escape(tr(lang, 'reading_title'))}</b><ul>{items}</ul>"

    # words

    def _relabel(self):
        lang = self.settings.lang
        for name, widget in self.controls.items():
            if name not in ("lang", "compare", "skip"):
                widget.description = tr(lang, name)
        self._label_skip()
        self.compare.description = tr(lang, "compare")
        self.lang.description = ""
        self.depth_text.description = ""
        self.depth_text.placeholder = tr(lang, "depth_text")
        self.depth.style.description_width = "7em"
        for widget in (self.alpha, self.activation, self.init_scale, self.width, self.dataset,
                       self.steps, self.lr, self.seed):
            widget.style.description_width = "9em"
        self._quiet = True
        try:
            value = self.dataset.value
            names = ("spirals", "moons", "circles", "xor")
            self.dataset.options = [(tr(lang, n), n) for n in names]
            self.dataset.value = value
        finally:
            self._quiet = False
        self.header.value = (f"<h2 style='margin:4px 0'>{html.escape(tr(lang, 'title'))}</h2>"
                             f"<div>{html.escape(tr(lang, 'subtitle'))}</div>")
        self._say(self._notes_text() if self._notes else None, keep=True)

    def _label_skip(self):
        lang = self.settings.lang
        formula = tr(lang, "skip_on" if self.settings.skip else "skip_off")
        self.skip.description = tr(lang, "skip") + " · " + formula

    def _refresh_link(self):
        # a relative link keeps the page's own address (localhost, binder, any proxy path)
        query = to_query(self.settings)
        label = tr(self.settings.lang, "share")
        shown = ("?" + query) if query else tr(self.settings.lang, "defaults")
        self.link.value = (f"{html.escape(label)}: <a href='?{html.escape(query, quote=True)}' "
                           f"target='_blank'><code style='word-break:break-all'>"
                           f"{html.escape(shown)}</code></a>")

    def _say(self, note: str | None, keep: bool = False):
        if not keep:
            self._notes = [] if note is None else [note]
        self.notes.value = self._notes_text()

    def _notes_text(self) -> str:
        return "<br>".join("⚠ " + html.escape(n) for n in self._notes)


def _widget_tree(root: W.Widget) -> list[W.Widget]:
    """`root` and every widget it holds in a synced trait (children, layout, style, ...)."""
    found, todo = {}, [root]
    while todo:
        widget = todo.pop()
        if id(widget) in found:
            continue
        found[id(widget)] = widget
        for name in widget.keys:
            value = getattr(widget, name, None)
            for item in value if isinstance(value, (list, tuple)) else (value,):
                if isinstance(item, W.Widget):
                    todo.append(item)
    return list(found.values())


def _loss_words(snap, lang: str) -> str:
    # a diverged run's last loss is inf or nan: say what it means instead of printing "nan"
    key = "loss_of" if math.isfinite(snap.final_loss) else "loss_not_finite"
    return tr(lang, key, variant=variant_name(lang, snap.alpha), loss=f"{snap.final_loss:.3g}")


def _step0(snap):
    return replace(snap, losses=snap.losses[:0], finished=False, diverged=False)


def _voila_query() -> str:
    """the query string of the page voila is rendering ('' outside voila)."""
    try:
        from voila.utils import get_query_string

        return get_query_string() or ""
    except Exception:
        return os.environ.get("QUERY_STRING", "")
