"""the live dashboard: controls, figures and a worker thread, in one App served by voila.

>>> app = App()                 # built (and training its default) before a page asks
>>> app.apply_query()           # in voila, the page's ?depth=50&skip=0 moves the controls
>>> app.show()                  # or display(app.view); App.from_query() does both at once
>>> app.set(depth=50); app.wait(60); app.status_state
"""

from __future__ import annotations

import html
import math
import os
import threading
import time
from dataclasses import asdict, replace

import ipywidgets as W
import torch

from ..viz.live import widget_tree
from .cache import records_updates
from .export import data_link, run_archive
from .figures import NET_TURN, DashboardFigures
from .reading import read
from .runner import Progress, Runner, callback_every
from .settings import (
    CHOICES,
    DRAWN,
    PRESETS,
    RANGES,
    STARTER,
    Settings,
    binder_link,
    check_setting,
    drawn_points,
    encode_points,
    fit_budget,
    parse_query,
    parse_value,
    points_problem,
    to_query,
)
from .store import ResultStore
from .words import tr, variant_name

STATE_CLASSES = ("sv-busy", "sv-done", "sv-diverged", "sv-error", "sv-waiting")
CSS = """<style>
.sv-app { max-width: 1420px; font-size: 15px; }
.sv-app .widget-label { min-width: 9em; }
.sv-status { font-size: 15px; padding: 6px 10px; border-left: 6px solid #999; background: #F5F5F5; }
.sv-status.sv-busy { border-left-color: #E69F00; }
.sv-status.sv-done { border-left-color: #009E73; }
.sv-status.sv-diverged, .sv-status.sv-error { border-left-color: #D55E00; }
.sv-reading { font-size: 15px; line-height: 1.45; }
.sv-notes { color: #A0410D; }
.sv-app .bqplot .mainheading { font-size: 13px; }
.sv-map image, .sv-map canvas, .sv-map foreignObject { pointer-events: none; }
</style>"""
FIGURES = ("profile", "loss", "updates", "heat_plain", "heat_skip", "map_plain", "map_skip",
           "diagram")


class App:
    """one dashboard: build the widgets and figures once, wire every observer in one place."""

    def __init__(self, settings: Settings | None = None, notes=(),
                 store: ResultStore | None = None):
        # the app is an entry point: its tiny nets train fastest on one thread (binder has one)
        torch.set_num_threads(1)
        self.settings = settings or Settings()
        self._notes = list(notes)
        # true while the app itself moves widgets, per thread: the worker moves the scrubber
        # when a frame lands (_transport); a learner's scrub arriving on the main thread at
        # that moment was taken for the app's own move and ignored
        self._local = threading.local()
        self._lock = threading.Lock()
        # when the page's query came (apply_query) and when a frame last finished landing in
        # the widgets: a page's snapshot of the widgets is taken after its query, so it holds
        # every frame that finished before (see _on_shown)
        self._query_at: float | None = None
        self._published_at = -math.inf
        self._build_controls()
        self.runner = Runner(self._publish, store=store)
        X, y = self.runner.dataset(self.settings)
        self.figures = DashboardFigures(X, y, updates=records_updates())
        self._build_layout()
        self._wire()
        self._relabel()
        self._request(self.settings)

    @property
    def _quiet(self) -> bool:
        return getattr(self._local, "quiet", False)

    @_quiet.setter
    def _quiet(self, value: bool):
        self._local.quiet = value

    @classmethod
    def from_query(cls, query: str | None = None) -> App:
        """an app whose controls start from the page's query string (bad items become notes)."""
        if query is None:
            query = _voila_query()
        settings, notes = parse_query(query)
        notes = [tr(settings.lang, "note_query", msg=n) for n in notes]
        return cls(settings, notes)

    def apply_query(self, query: str | None = None) -> App:
        """move the controls to a query string (voila's page's, by default), as from_query.

        the dashboard notebook builds its app first and asks for the query after: voila's
        pre-heated kernel runs the notebook before any page arrives, up to the point where
        it waits for that page's query, so the app (and its default run) is ready by then.
        """
        if query is None:
            query = _voila_query()
        settings, notes = parse_query(query)
        self._notes = [tr(settings.lang, "note_query", msg=n) for n in notes]
        self.notes.value = self._notes_text()
        self._query_at = time.monotonic()  # before the run it may start: its frames land after
        if settings != self.settings:
            self._show(settings)
            self._request(settings)
        return self

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
        self.optimizer = W.Dropdown(options=[(o, o) for o in CHOICES["optimizer"]],
                                    value=s.optimizer)
        self.norm = W.Dropdown(options=[(n, n) for n in CHOICES["norm"]], value=s.norm)
        self.branch = W.Dropdown(options=[(b, b) for b in CHOICES["branch"]], value=s.branch)
        self.seed = W.Text(str(s.seed), continuous_update=False, layout=W.Layout(width="auto"))
        self.lang = W.ToggleButtons(options=[("English", "en"), ("中文", "zh")], value=s.lang)
        self.compare = W.Checkbox(s.compare, indent=False)
        # the drawn dataset's points are a setting too, moved by clicks, not by a widget
        self.points = W.Text(s.points, layout=W.Layout(display="none"))
        self.controls = {"depth": self.depth, "skip": self.skip, "alpha": self.alpha,
                         "activation": self.activation, "init_scale": self.init_scale,
                         "width": self.width, "dataset": self.dataset, "steps": self.steps,
                         "lr": self.lr, "seed": self.seed, "lang": self.lang,
                         "compare": self.compare, "optimizer": self.optimizer,
                         "norm": self.norm, "branch": self.branch, "points": self.points}
        for name, widget in self.controls.items():
            widget.add_class("sv-" + name.replace("_", "-"))
        self.depth_text.add_class("sv-depth-text")
        # drawing a dataset: which class a click adds, and a way to start over
        self.draw_class = W.ToggleButtons(options=[("●", 0), ("●", 1)], value=0,
                                          style={"button_width": "3em"})
        self.draw_clear = W.Button(layout=W.Layout(width="auto"))
        self.draw_box = W.HBox([self.draw_class, self.draw_clear])
        self.draw_class.add_class("sv-draw-class")
        self.draw_clear.add_class("sv-draw-clear")
        # transport: pause / step while training, then a scrubber through the steps
        self.pause = W.ToggleButton(False, layout=W.Layout(width="8em"))
        self.step_button = W.Button(layout=W.Layout(width="7em"), disabled=True)
        self.scrub = W.IntSlider(0, min=0, max=0, disabled=True, continuous_update=True,
                                 layout=W.Layout(width="420px"))
        self.play = W.Play(0, min=0, max=0, interval=60, step=1, disabled=True)
        self.links = [W.jslink((self.play, "value"), (self.scrub, "value")),
                      W.jslink((self.play, "max"), (self.scrub, "max"))]
        for widget, name in ((self.pause, "pause"), (self.step_button, "step"),
                             (self.scrub, "scrub"), (self.play, "play")):
            widget.add_class("sv-" + name)
        # downloads
        self.fig_choice = W.Dropdown(options=[f for f in FIGURES if f != "updates"
                                              or records_updates()], value="profile",
                                     layout=W.Layout(width="11em"))
        self.save_png = W.Button(description="PNG", layout=W.Layout(width="5em"))
        self.save_svg = W.Button(description="SVG", layout=W.Layout(width="5em"))
        self.save_run = W.Button(layout=W.Layout(width="auto"))
        self.download = W.HTML()
        for widget, name in ((self.fig_choice, "fig-choice"), (self.save_png, "save-png"),
                             (self.save_svg, "save-svg"), (self.save_run, "save-run"),
                             (self.download, "download")):
            widget.add_class("sv-" + name)
        self.header = W.HTML()
        self.status = W.HTML()
        self.status.add_class("sv-status")
        self.reading = W.HTML()
        self.reading.add_class("sv-reading")
        self.notes = W.HTML()
        self.notes.add_class("sv-notes")
        self.link = W.HTML()
        self.link.add_class("sv-link")
        self.budget = W.HTML()
        self.budget.add_class("sv-budget")

    def _build_layout(self):
        depth_row = W.HBox([self.depth, self.depth_text])
        self.net_box = W.VBox([depth_row, self.skip, self.alpha, self.activation,
                               self.init_scale, self.width, self.norm, self.branch])
        self.data_box = W.VBox([self.dataset, self.draw_box, self.steps, self.lr,
                                self.optimizer, self.seed, self.points])
        top_row = W.HBox([self.lang, self.compare])
        panel = W.VBox([top_row, self.net_box, self.data_box, self.link, self.notes,
                        self.budget, self.figures.diagram.figure],
                       layout=W.Layout(width="390px", flex="0 0 390px"))
        transport = W.HBox([self.pause, self.step_button, self.play, self.scrub],
                           layout=W.Layout(align_items="center"))
        saves = W.HBox([self.fig_choice, self.save_png, self.save_svg, self.save_run,
                        self.download], layout=W.Layout(align_items="center"))
        plots = W.VBox([self.status, transport, self.figures.top, self.figures.bottom,
                        self.reading, saves],
                       layout=W.Layout(flex="1 1 auto", min_width="0"))
        self.view = W.VBox([W.HTML(CSS), self.header, W.HBox([panel, plots])])
        self.view.add_class("sv-app")

    def _wire(self):
        for name, widget in self.controls.items():
            if name not in ("seed", "points"):
                widget.observe(self._on_control, names="value")
        self.depth_text.observe(self._on_depth_text, names="value")
        self.seed.observe(self._on_seed_text, names="value")
        self.pause.observe(self._on_pause, names="value")
        self.step_button.on_click(self._on_step)
        self.scrub.observe(self._on_scrub, names="value")
        self.save_png.on_click(lambda _: self._save_figure("png"))
        self.save_svg.on_click(lambda _: self._save_figure("svg"))
        self.save_run.on_click(self._on_save_run)
        self.draw_clear.on_click(self._on_clear_points)
        for m in self.figures.maps:
            m.on_click(self._on_map_click)
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
            # the box goes back to the setting in force before the words say why: a page
            # that shows the words shows the box restored too
            self._move(box, str(getattr(self.settings, name)))
            self._say(tr(self.settings.lang, "note_bad", msg=str(err)))
            return
        self._say(None)
        self._move(box, str(value))
        if slider is not None:
            self._move(slider, value)
        self._apply_widgets()

    def _on_map_click(self, x: float, y: float):
        """a click on a decision map adds a point of the chosen class to a drawn dataset."""
        s = self.settings
        if s.dataset == DRAWN:
            X, labels = drawn_points(s.points)
        else:
            X, labels = torch.zeros((0, 2)), torch.zeros(0, dtype=torch.int64)
        X = torch.cat([X, torch.tensor([[x, y]], dtype=torch.float32)])
        labels = torch.cat([labels, torch.tensor([self.draw_class.value])])
        try:
            wanted = s.with_(dataset=DRAWN, points=encode_points(X.numpy(), labels.numpy()))
        except ValueError as err:  # too many points
            self._say(tr(s.lang, "note_bad", msg=str(err)))
            return
        self._show(wanted)
        self._request(wanted)

    def _on_clear_points(self, _button=None):
        wanted = self.settings.with_(dataset=DRAWN, points="")
        self._show(wanted)
        self._request(wanted)

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
        wanted, cut = fit_budget(wanted)
        if wanted.dataset == DRAWN and not wanted.points and self.settings.dataset != DRAWN:
            wanted = replace(wanted, points=STARTER)  # a few points to start drawing from
            cut = cut or ""
        if cut is not None:
            self._show(wanted)
        self.budget.value = "" if not cut else "⚠ " + html.escape(tr(wanted.lang, "budget",
                                                                      msg=cut))
        old, self.settings = self.settings, wanted
        self._refresh_link()
        self._draw_controls()
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
        problem = points_problem(wanted)
        if problem is not None:
            self.runner.want(None)
            self._set_state("waiting", tr(wanted.lang, "state_draw"))
            return
        self._transport(running=True)
        self._set_state("busy", tr(wanted.lang, "state_starting"))
        self.runner.want(wanted)

    # transport: pause, step, scrub

    def _on_pause(self, change):
        self.runner.pause(change["new"])
        self._label_transport()
        if not change["new"]:
            self.figures.show_step(None)  # follow the run again
            self._transport(running=self.runner.busy)

    def _on_step(self, _button=None):
        self.runner.step(callback_every(self.settings))

    def _on_scrub(self, change):
        # a disabled scrubber (a run training) is moved by no learner: a change then is the
        # page's own echo, e.g. its play<->scrubber link copying the play value on connect
        if self._quiet or self.scrub.disabled:
            return
        last = self.runner.last
        if last is None or not last.snaps:
            return
        step = int(change["new"])
        self.figures.show_step(step)
        self._step_words(last, step)

    def _transport(self, running: bool, steps_run: int = 0):
        """while a run trains the scrubber is off; paused or finished it spans the steps run."""
        paused = self.runner.paused
        with self._lock:
            self.step_button.disabled = not (running and paused)
            scrubbable = steps_run > 0 and (paused or not running)
            self._quiet = True
            try:
                top = max(steps_run - 1, 0)
                if scrubbable:
                    self.scrub.max = top
                    self.play.max = top
                    # both ends of the page's play<->scrubber link, not one: a page that
                    # connects later starts the link by copying play's value to the
                    # scrubber, and a stale 0 there pinned every panel at step 0
                    self.scrub.value = self.play.value = top
                self.scrub.disabled = self.play.disabled = not scrubbable
            finally:
                self._quiet = False

    def _step_words(self, p: Progress, step: int):
        lang = self.settings.lang
        losses = " · ".join(
            f"{variant_name(lang, s.alpha)}: {_loss_text(s.losses[min(step, s.steps_run - 1)])}"
            for s in p.snaps if s.steps_run)
        self.scrub.description = tr(lang, "shown_step")
        self.scrub.tooltip = losses

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
        """'busy' while training, then 'done', 'diverged', 'error' (or 'waiting' for points)."""
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
        for widget in widget_tree(self.view):
            widget.close()
        for link in self.links:
            link.close()

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
        # the figures' marks are most of a page's state: sending them all again cost a fresh
        # page ~0.1 s of the browser's cpu. a frame can only have been missed if it landed
        # after the page's query (a pre-heated kernel replays the default long before)
        if self._query_at is None or self._published_at >= self._query_at:
            self.figures.redraw()

    # downloads

    def _save_figure(self, fmt: str):
        fig = self.figures.panels[self.fig_choice.value]
        name = f"skipviz-{self.fig_choice.value}.{fmt}"
        # the browser renders the file and downloads it: nothing is drawn in the kernel
        (fig.save_png if fmt == "png" else fig.save_svg)(name)

    def _on_save_run(self, _button=None):
        last = self.runner.last
        lang = self.settings.lang
        if last is None or last.state == "busy" or not last.settings.same_training(self.settings):
            self.download.value = html.escape(tr(lang, "download_wait"))
            return
        data = run_archive(last.settings, last.snaps)
        self.download.value = data_link(data, "skipviz-setting.zip",
                                        html.escape(tr(lang, "download_ready")))

    # the worker's side: results -> figures and text (widget values and marks only)

    def _publish(self, progress: Progress):
        if not progress.settings.same_training(self.settings):
            return  # a stale run finishing a moment after the controls moved on
        self._render(progress)

    def _render(self, progress: Progress):
        # a frame half sent is newer than any query (see _on_shown); its end time once sent
        self._published_at = math.inf
        try:
            self._draw(progress)
        finally:
            self._published_at = time.monotonic()

    def _draw(self, progress: Progress):
        lang = self.settings.lang
        snaps = progress.snaps
        focus = self.settings.focus_alpha if len(snaps) > 1 else None
        busy = progress.state == "busy"
        turn = self.figures.show(snaps, progress.settings.steps, lang, progress.data, focus,
                                 run=progress.settings.run_key(None),
                                 live=busy and not progress.paused)
        self.reading.value = self._reading_html(snaps, lang, busy)
        if turn != NET_TURN:  # live, the step count moves with the heatmaps, five a second
            self._set_state(progress.state, self._status_text(progress, lang))
        if not busy or progress.paused:
            self._transport(running=busy, steps_run=progress.step)
        if not busy:
            self.download.value = ""

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
            key = "state_paused" if p.paused else \
                "state_replaying" if p.replayed else "state_busy"
            state = tr(lang, key, step=p.step, steps=s.steps)
        elif p.state == "error":
            state = tr(lang, "state_error", msg=p.error)
        elif p.state == "diverged":
            first = min((x for x in p.snaps if x.diverged), key=lambda x: x.diverged_at)
            state = f"{variant_name(lang, first.alpha)}: " + tr(lang, "state_diverged",
                                                                  step=first.diverged_at)
        else:
            key = "state_cached" if p.cached else "state_replayed" if p.replayed else \
                "state_done"
            state = tr(lang, key)
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
        if self.settings.optimizer == "adam" and not busy:
            notes.append(tr(lang, "note_adam"))
        items = "".join(f"<li>{html.escape(t)}</li>" for t in notes + sentences)
        return f"<b>{html.escape(tr(lang, 'reading_title'))}</b><ul>{items}</ul>"

    # words

    def _relabel(self):
        lang = self.settings.lang
        for name, widget in self.controls.items():
            if name not in ("lang", "compare", "skip", "points"):
                widget.description = tr(lang, name)
        self._label_skip()
        self.compare.description = tr(lang, "compare")
        self.lang.description = ""
        self.depth_text.description = ""
        self.depth_text.placeholder = tr(lang, "depth_text")
        self.depth.style.description_width = "7em"
        for widget in (self.alpha, self.activation, self.init_scale, self.width, self.dataset,
                       self.steps, self.lr, self.optimizer, self.norm, self.branch, self.seed):
            widget.style.description_width = "9em"
        self._quiet = True
        try:
            value = self.dataset.value
            self.dataset.options = [(tr(lang, n), n) for n in CHOICES["dataset"]]
            self.dataset.value = value
            value = self.optimizer.value
            self.optimizer.options = [(tr(lang, "opt_" + o), o) for o in CHOICES["optimizer"]]
            self.optimizer.value = value
            for widget, name in ((self.norm, "norm"), (self.branch, "branch")):
                value = widget.value
                widget.options = [(tr(lang, f"{name}_{o}"), o) for o in CHOICES[name]]
                widget.value = value
            value = self.fig_choice.value
            self.fig_choice.options = [(tr(lang, "save_" + f), f) for f in FIGURES
                                       if f in self.figures.panels]
            self.fig_choice.value = value
        finally:
            self._quiet = False
        self.draw_class.tooltips = [tr(lang, "class_0"), tr(lang, "class_1")]
        self.draw_class.description = tr(lang, "draw")
        self.draw_clear.description = tr(lang, "draw_clear")
        self.step_button.description = tr(lang, "step_button")
        self.scrub.description = tr(lang, "shown_step")
        self.save_run.description = tr(lang, "save_run")
        self._label_transport()
        self.header.value = (f"<h2 style='margin:4px 0'>{html.escape(tr(lang, 'title'))}</h2>"
                             f"<div>{html.escape(tr(lang, 'subtitle'))}</div>")
        self._say(self._notes_text() if self._notes else None, keep=True)

    def _label_transport(self):
        lang = self.settings.lang
        self.pause.description = tr(lang, "resume" if self.pause.value else "pause")
        self.pause.icon = "play" if self.pause.value else "pause"

    def _draw_controls(self):
        drawn = self.settings.dataset == DRAWN
        self.draw_box.layout.display = None if drawn else "none"

    def _label_skip(self):
        lang = self.settings.lang
        formula = tr(lang, "skip_on" if self.settings.skip else "skip_off")
        self.skip.description = tr(lang, "skip") + " · " + formula

    def _refresh_link(self):
        # a relative link keeps the page's own address (localhost, /voila/render/ on a jupyter
        # server, any proxy path); on binder that address dies with the session, so the link
        # launches the same commit anew at this setting
        query = to_query(self.settings)
        label = tr(self.settings.lang, "share")
        shown = ("?" + query) if query else tr(self.settings.lang, "defaults")
        href = binder_link(query) or "?" + query
        self.link.value = (f"{html.escape(label)}: <a href='{html.escape(href, quote=True)}' "
                           f"target='_blank'><code style='word-break:break-all'>"
                           f"{html.escape(shown)}</code></a>")

    def _say(self, note: str | None, keep: bool = False):
        if not keep:
            self._notes = [] if note is None else [note]
        self.notes.value = self._notes_text()

    def _notes_text(self) -> str:
        return "<br>".join("⚠ " + html.escape(n) for n in self._notes)


def _loss_text(loss: float) -> str:
    # + 0.0 turns a -0.0 loss into 0 ("loss -0" read as a bug)
    return f"{float(loss) + 0.0:.3g}"


def _loss_words(snap, lang: str) -> str:
    # a diverged run's last loss is inf or nan: say what it means instead of printing "nan"
    key = "loss_of" if math.isfinite(snap.final_loss) else "loss_not_finite"
    return tr(lang, key, variant=variant_name(lang, snap.alpha), loss=_loss_text(snap.final_loss))


def _step0(snap):
    return replace(snap, losses=snap.losses[:0], finished=False, diverged=False)


def _voila_query() -> str:
    """the query string of the page voila is rendering ('' outside voila)."""
    try:
        from voila.utils import get_query_string

        return get_query_string() or ""
    except Exception:
        return os.environ.get("QUERY_STRING", "")
