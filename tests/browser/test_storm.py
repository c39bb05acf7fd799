"""a storm of changes: 50 settings within 2 s, as a class clicking everything at once.

the widgets are moved the way the browser moves them (a value arrives, its observer runs
on the kernel's main thread). afterwards there is one training thread, and the status and
the plots belong to the last setting. how long the storm and the settling took is the
machine's business: measured and saved by record(), never asserted (bench/ has the figures).
the same storm typed into the browser's depth box is in test_browser.py.
"""

import random
import threading
import time

import pytest
from support.app_checks import profile_layers, record, render, text, trainer_threads
from support.waiting import settles

from skipviz.app import App
from skipviz.app import runner as runner_module
from skipviz.app.settings import FIELD_NAMES, PRESETS, Settings

CHANGES = 50
LAST_DEPTH = 57


def storm(rng: random.Random) -> list[tuple[str, object]]:
    """50 (control, value) pairs over every control, ending on a known, ordinary setting."""
    moves = [
        lambda: ("depth", rng.randint(1, 120)),
        lambda: ("depth_text", str(rng.randint(1, 120))),
        lambda: ("skip", rng.random() < 0.5),
        lambda: ("alpha", rng.choice([0.0, 0.25, 0.5, 1.0])),
        lambda: ("activation", rng.choice(["tanh", "relu", "sigmoid", "gelu", "linear"])),
        lambda: ("init_scale", rng.choice(PRESETS["init_scale"])),
        lambda: ("width", rng.choice([4, 16, 64])),
        lambda: ("steps", rng.choice([50, 100, 400])),
        lambda: ("lr", rng.choice(PRESETS["lr"])),
        lambda: ("seed", str(rng.randint(0, 99))),
        lambda: ("dataset", rng.choice(["spirals", "moons", "circles", "xor"])),
        lambda: ("compare", rng.random() < 0.5),
        lambda: ("lang", rng.choice(["en", "zh"])),
        lambda: ("optimizer", rng.choice(["adam", "sgd"])),
        lambda: ("norm", rng.choice(["none", "batch", "layer"])),
        lambda: ("branch", rng.choice(["standard", "scaled", "rezero", "fixup"])),
    ]
    changes = [rng.choice(moves)() for _ in range(CHANGES - 13)]
    # the storm ends on an ordinary setting, the last change a depth typed into the box
    changes += [("lang", "en"), ("compare", True), ("skip", True), ("alpha", 1.0),
                ("activation", "tanh"), ("init_scale", 1.0), ("width", 32), ("steps", 200),
                ("lr", 0.01), ("optimizer", "adam"), ("norm", "none"), ("branch", "standard"),
                ("depth_text", str(LAST_DEPTH))]
    return changes


def move(app: App, name: str, value):
    widget = app.depth_text if name == "depth_text" else app.controls[name]
    widget.value = value


@pytest.fixture
def app(tmp_path, monkeypatch):
    # an empty store of its own: no setting here is replayed from another run's results
    monkeypatch.setenv("SKIPVIZ_STORE", str(tmp_path / "store"))
    app = App(Settings(depth=6, width=8, steps=20))
    assert app.wait(120) is not None
    yield app
    app.close()


@pytest.mark.parametrize("seed", [0, 1])
def test_50_changes_in_2_s_end_on_the_last_with_one_thread(app, seed, capfd, monkeypatch):
    errors = []
    monkeypatch.setattr(threading, "excepthook", errors.append)
    states = []
    set_state = app._set_state
    monkeypatch.setattr(app, "_set_state", lambda s, t: (states.append(s), set_state(s, t)))
    threads_before = threading.active_count()

    changes = storm(random.Random(seed))
    gap = 1.5 / len(changes)  # spread over 1.5 s, like hands on controls
    start = time.monotonic()
    for name, value in changes:
        move(app, name, value)
        assert len(trainer_threads()) == 1
        time.sleep(gap)
    fired = time.monotonic() - start
    last_change = time.monotonic()
    snaps = app.wait(120)
    settle = time.monotonic() - last_change

    assert snaps is not None and app.status_state == "done"
    # the final plots and words belong to the last setting
    expected = Settings(depth=LAST_DEPTH, seed=app.settings.seed, dataset=app.settings.dataset)
    assert app.settings == expected and app.runner.last.settings == expected
    render(app)
    assert profile_layers(app) == [LAST_DEPTH, LAST_DEPTH]
    assert [s.grad_norms.shape[1] for s in snaps] == [LAST_DEPTH, LAST_DEPTH]
    assert f"depth {LAST_DEPTH} " in text(app.status.value)
    assert f"layer {LAST_DEPTH}" in text(app.reading.value)
    assert app.depth.value == LAST_DEPTH and app.depth_text.value == str(LAST_DEPTH)
    # nothing went wrong on the way, and nothing was left behind
    assert "error" not in states
    assert errors == []
    assert "Traceback" not in capfd.readouterr().err
    assert len(trainer_threads()) == 1
    assert threading.active_count() == threads_before
    record("storm", **{f"headless_seed{seed}_fire_s": fired,
                       f"headless_seed{seed}_settle_s": settle})


def test_a_storm_while_a_long_run_trains_cancels_it_at_once(app, monkeypatch):
    # a deep, long run is under way when the storm starts: it must stop at its next step
    # boundary, counted in the engine's own callbacks (not in seconds)
    calls, runs = [], []  # (steps, steps_run, stale once it returns) per callback; run ends
    real_compare = runner_module.compare

    def compare(*args, callback, **kwargs):
        steps, target = kwargs["steps"], app.runner.wanted

        def watched(results):
            answer = callback(results)
            calls.append((steps, results[0].steps_run, app.runner.wanted is not target))
            return answer
        results = real_compare(*args, callback=watched, **kwargs)
        runs.append((steps, [r.steps_run for r in results], [r.cancelled for r in results]))
        return results

    monkeypatch.setattr(runner_module, "compare", compare)

    app.set(depth=150, width=64, steps=2000)
    long = app.settings.steps  # what the budget lets this depth and width run (not 2000)
    # under way: a few of its steps are done before the storm starts
    assert settles(lambda: sum(n == long for n, _, _ in calls) >= 5, timeout=120)
    assert app.status_state == "busy"
    app.steps.value = 100
    for depth in range(31, 80):
        app.depth.value = depth
        time.sleep(0.02)
    last_change = time.monotonic()
    snaps = app.wait(120)
    settle = time.monotonic() - last_change
    assert snaps is not None and app.status_state == "done"
    assert app.runner.last.settings == app.settings.with_(depth=79, steps=100)
    assert len(trainer_threads()) == 1
    # the long run: the first callback that saw it stale was its last one, and it stopped
    # there, cancelled, short of its steps
    long_calls = [c for c in calls if c[0] == long]
    stale_at = next(i for i, c in enumerate(long_calls) if c[2])
    assert stale_at == len(long_calls) - 1, long_calls[stale_at:]
    (steps_run, cancelled), = [(s, c) for n, s, c in runs if n == long]
    assert all(cancelled) and max(steps_run) < long, (steps_run, cancelled)
    assert max(steps_run) <= long_calls[-1][1], "steps were trained after the cancelling callback"
    print(f"the long run stopped at step {max(steps_run)} of {long}: its callback at that step "
          f"was the first to find it stale, and its last")
    record("storm", headless_cancel_long_run_then_50_changes_s=settle)


def test_the_storms_touch_every_control():
    names = {name for seed in (0, 1) for name, _ in storm(random.Random(seed))}
    # a drawn dataset's points move by clicks on a map, not by a control (test_browser.py)
    assert {"depth" if n == "depth_text" else n for n in names} == set(FIELD_NAMES) - {"points"}
