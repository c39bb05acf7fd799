"""every control at its edges, typed nonsense and hand-made widget messages: the dashboard
answers with a trained result, a clear "diverged", or a clear note. never a traceback,
never an error state, never a panel with neither data nor words.

runs are short (few steps, narrow nets) so the whole file stays quick; the one slow edge
(max depth with max width) runs 10 steps here, its full-length time is in the readme.
"""

from dataclasses import asdict

import pytest
from support.app_checks import blank_panels, profile_layers, render, text
from traitlets import TraitError

from skipviz.app import App
from skipviz.app.settings import PRESETS, RANGES, Settings

BASE = Settings(depth=6, width=8, steps=20)
LO, HI = 0, -1

EDGES = [
    # every range control at both ends, the others at BASE
    dict(depth=RANGES["depth"][LO]),
    dict(depth=RANGES["depth"][HI]),
    dict(width=RANGES["width"][LO]),
    dict(width=RANGES["width"][HI]),
    dict(steps=RANGES["steps"][LO]),
    dict(steps=RANGES["steps"][HI]),
    dict(seed=RANGES["seed"][LO]),
    dict(seed=RANGES["seed"][HI]),
    dict(lr=PRESETS["lr"][LO]),
    dict(lr=PRESETS["lr"][HI]),
    dict(init_scale=PRESETS["init_scale"][LO]),
    dict(init_scale=PRESETS["init_scale"][HI]),
    # alpha 0 and 1, compared and alone, skip off
    dict(alpha=0.0),
    dict(alpha=1.0),
    dict(alpha=0.0, compare=False),
    dict(alpha=1.0, compare=False),
    dict(skip=False, compare=False),
    dict(alpha=0.05, compare=False, skip=True),
    # every choice
    *[dict(activation=a) for a in ("tanh", "relu", "sigmoid", "gelu", "linear")],
    *[dict(dataset=d) for d in ("spirals", "moons", "circles", "xor")],
    dict(lang="zh"),
    # max depth with max width (10 steps: its full 200 steps are timed for the readme)
    dict(depth=RANGES["depth"][1], width=RANGES["width"][HI], steps=10),
    # the extremes together: vanish to exactly 0, overflow before the first gradient, blow up
    *[dict(depth=RANGES["depth"][1], activation=a, init_scale=s)
      for a in ("tanh", "relu", "sigmoid", "gelu", "linear") for s in (0.1, 10.0)],
    dict(depth=RANGES["depth"][1], activation="relu", init_scale=10.0, lr=1.0, compare=False),
    dict(depth=RANGES["depth"][1], activation="linear", init_scale=10.0, lang="zh"),
    dict(depth=30, activation="tanh", init_scale=10.0, lr=1.0, steps=200),
    dict(depth=1, init_scale=10.0, lr=1.0, width=2),
]


def name(case: dict) -> str:
    return ",".join(f"{k}={v}" for k, v in case.items())


@pytest.fixture(scope="module")
def app():
    app = App(BASE)
    assert app.wait(120) is not None
    yield app
    app.close()


def assert_clear(app: App, setting: Settings):
    """the run of `setting` ended in words a learner can act on, with something drawn."""
    assert app.status_state in ("done", "diverged"), text(app.status.value)
    words = text(app.status.value + app.reading.value + app.notes.value)
    for bad in ("Traceback", "Error", "Exception", "nan", "went wrong"):
        assert bad not in words, (bad, words)
    depth_word = "深度" if setting.lang == "zh" else "depth"
    assert f"{depth_word} {setting.depth} " in text(app.status.value)
    if app.status_state == "diverged":
        assert ("diverged at step" in words) or ("发散" in words)
    render(app)
    assert blank_panels(app) == []
    assert profile_layers(app)[0] == setting.depth


@pytest.mark.parametrize("case", EDGES, ids=name)
def test_every_edge_gives_a_result_a_divergence_or_words(app, case):
    setting = BASE.with_(**case)
    app.set(**asdict(setting))
    snaps = app.wait(300)
    assert snaps is not None, "no result"
    assert app.runner.last.settings == setting
    assert_clear(app, setting)
    assert [s.alpha for s in snaps] == list(setting.alphas)


TYPED = {
    "depth": ["0", "201", "-1", "abc", "", "   ", "2.5", "1e2", "9" * 5000, "<b>7</b>", "0x10",
              "nan", "inf", "1_000", "٣٠٠"],
    "seed": ["-1", "2147483648", "x", "1.5", "nan", "inf", "1" * 5000, "<script>", "--0"],
}


@pytest.mark.parametrize("box,typed", [(b, t) for b, ts in TYPED.items() for t in ts],
                         ids=lambda v: v[:12] if isinstance(v, str) else v)
def test_typed_nonsense_is_refused_in_words_and_changes_nothing(app, box, typed):
    app.set(**asdict(BASE))
    app.wait(120)
    before = app.runner.last
    widget = app.depth_text if box == "depth" else app.seed
    widget.value = typed
    note = text(app.notes.value)
    lo, hi = RANGES[box]
    assert note.startswith("⚠ Not applied:") and box in note and f"[{lo}, {hi}]" in note
    assert len(note) < 200  # a pasted wall of digits gives a short note
    assert "<script>" not in app.notes.value and "<b>" not in app.notes.value
    assert widget.value == str(getattr(BASE, box))  # the box shows the setting in force again
    assert app.settings == BASE and app.runner.last is before and app.status_state == "done"
    # the next good value clears the note and trains
    widget.value = "7" if box == "depth" else "3"
    assert app.notes.value == ""
    assert app.wait(120) is not None and app.status_state == "done"


# what a hand-made websocket message could ask of the widgets: a value no control offers
CRAFTED = [
    ("depth", {"value": 10**9}), ("depth", {"value": -5}), ("width", {"value": 0}),
    ("steps", {"value": 10**12}), ("alpha", {"value": float("nan")}), ("alpha", {"value": 7.0}),
    ("dataset", {"index": None}), ("activation", {"index": None}),
    ("depth", {"max": 10**6}),  # a slider whose bound was moved, then a value beyond ours
]


@pytest.mark.parametrize("control,state", CRAFTED, ids=str)
def test_hand_made_widget_messages_cannot_leave_our_ranges(app, control, state):
    app.set(**asdict(BASE))
    app.wait(120)
    widget = app.controls[control]
    widget.set_state(state)  # what ipywidgets does with a message from the page
    if "max" in state:
        widget.set_state({"value": 5000})
    assert app.wait(120) is not None
    s = app.settings
    assert RANGES["depth"][0] <= s.depth <= RANGES["depth"][1]
    assert 0.0 <= s.alpha <= 1.0 and s.dataset in ("spirals", "moons", "circles", "xor")
    # the control shows the setting in force, so the page and the plots agree
    assert widget.value == getattr(s, control)
    assert app.status_state == "done"


@pytest.mark.parametrize("control,state", [("activation", {"index": 99}),
                                           ("init_scale", {"index": -1}),
                                           ("skip", {"value": "yes"}), ("lang", {"index": 5})])
def test_messages_the_widgets_themselves_refuse_change_nothing(app, control, state):
    # ipywidgets refuses these before our code runs (the kernel logs it, the page shows nothing)
    before = app.settings
    with pytest.raises(TraitError):
        app.controls[control].set_state(state)
    assert app.settings == before and app.controls[control].value == getattr(before, control)
