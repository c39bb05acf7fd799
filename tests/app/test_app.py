"""the dashboard app without a browser: set widgets in code, wait for the worker, read results."""

import threading
import time

import numpy as np
import pytest
from support.app_checks import loss_points

from skipviz.app import App
from skipviz.app.cache import ResultCache, Snapshot
from skipviz.app.reading import read
from skipviz.app.settings import Settings, parse_query, to_query
from skipviz.measure.verdict import gradient_orders

# small runs: every test trains for well under a second
SMALL = dict(depth=6, width=8, steps=20)


def trainer_threads():
    return [t for t in threading.enumerate() if t.name == "skipviz-trainer" and t.is_alive()]


@pytest.fixture
def app():
    app = App(Settings(**SMALL))
    assert app.wait(120) is not None
    yield app
    app.close()


def render(app):
    # what a page that connects gets: every mark sent again, without errors
    app.figures.redraw()


def test_first_run_trains_plain_and_residual_and_says_done(app):
    snaps = app.runner.last.snaps
    assert [s.alpha for s in snaps] == [0.0, 1.0]
    assert all(s.finished and s.steps_run == SMALL["steps"] for s in snaps)
    assert all(s.grad_norms.shape == (SMALL["steps"], SMALL["depth"]) for s in snaps)
    assert app.status_state == "done"
    assert "sv-done" in app.status._dom_classes and "sv-busy" not in app.status._dom_classes
    assert "depth 6" in app.status.value
    render(app)
    # the profile shows both variants' step-0 gradients, the loss curves have every step
    assert len(app.figures.profile.start[0].x) == SMALL["depth"]
    assert loss_points(app, 1) == SMALL["steps"]


def test_reading_is_computed_from_the_run(app):
    snaps = app.runner.last.snaps
    orders = gradient_orders(snaps[0].grad_norms[0])
    text = app.reading.value
    assert f"{abs(orders):.1f} orders of magnitude" in text
    assert f"{snaps[1].final_loss:.3g}" in text
    # other numbers, other words: the sentences follow the data
    assert read(snaps, "en") != read(snaps[::-1][:1], "en")


def test_busy_while_training_then_done():
    app = App(Settings(depth=40, width=16, steps=2000))
    try:
        assert app.status_state == "busy"
        assert "sv-busy" in app.status._dom_classes
        app.set(steps=20)
        assert app.wait(120) is not None
        assert app.status_state == "done"
        assert "sv-busy" not in app.status._dom_classes
    finally:
        app.close()


def test_language_switch_relabels_without_retraining(app):
    before = app.runner.last
    app.set(lang="zh")
    assert app.depth.description == "深度"
    assert "深度 6" in app.status.value and "这次训练" in app.reading.value
    assert dict(app.dataset.options)["双螺旋"] == "spirals"
    assert app.dataset.value == "spirals"
    assert app.runner.last is before  # nothing retrained
    app.set(lang="en")
    assert app.depth.description == "depth" and "depth 6" in app.status.value


def test_cache_makes_going_back_instant(app):
    app.set(depth=7)
    app.wait(120)
    assert not app.runner.last.cached
    app.set(depth=6)
    app.wait(120)
    assert app.runner.last.cached
    assert "from cache" in app.status.value
    assert app.status_state == "done"


def test_skip_toggle_in_compare_mode_only_moves_the_focus(app):
    before = app.runner.last
    app.set(skip=False)
    assert app.runner.last is before
    plain_line, res_line = (lines[0] for lines in app.figures.loss.lines)
    assert plain_line.stroke_width > res_line.stroke_width
    assert "skip off" in app.status.value


def test_compare_off_trains_only_the_chosen_variant(app):
    app.set(compare=False, skip=True, alpha=0.5)
    snaps = app.wait(120)
    assert [s.alpha for s in snaps] == [0.5]
    render(app)
    assert app.figures.heat[1].figure.layout.visibility == "hidden"
    assert not any(m.visible for m in app.figures.heat[1].bands)


def test_diverged_run_says_where_and_keeps_working(app):
    # a linear stack with weights x10 overflows float32 at once
    app.set(activation="linear", init_scale=10.0, depth=60, lr=1.0)
    snaps = app.wait(120)
    assert any(s.diverged for s in snaps)
    assert app.status_state == "diverged"
    assert "sv-diverged" in app.status._dom_classes
    assert "diverged at step" in app.status.value
    assert "Traceback" not in app.status.value + app.reading.value
    render(app)
    app.set(activation="tanh", init_scale=1.0, depth=6, lr=0.01)
    app.wait(120)
    assert app.status_state == "done"


def test_bad_typed_values_give_a_message_and_change_nothing(app):
    app.depth_text.value = "abc"
    assert "depth must be a whole number in [1, 200]" in app.notes.value
    assert app.depth.value == 6 and app.depth_text.value == "6"
    app.depth_text.value = "5000"
    assert "depth must be in [1, 200]" in app.notes.value
    app.seed.value = "-3"
    assert "seed must be in" in app.notes.value and app.seed.value == "0"
    # a good typed value clears the note and retrains
    app.depth_text.value = " 9 "
    assert app.notes.value == "" and app.depth.value == 9
    assert app.wait(120)[0].grad_norms.shape[1] == 9


def test_set_rejects_bad_values_with_the_parameter_name(app):
    with pytest.raises(ValueError, match="depth"):
        app.set(depth=0)
    with pytest.raises(ValueError, match="activation"):
        app.set(activation="softmax")
    with pytest.raises(ValueError, match="lr"):
        app.set(lr=0.02)
    assert app.settings.depth == 6


def test_a_burst_of_changes_ends_on_the_last_with_one_thread(app):
    for depth in list(range(10, 60)):
        app.depth.value = depth  # as the browser would send them
        time.sleep(0.01)
        assert len(trainer_threads()) == 1
    snaps = app.wait(120)
    assert app.runner.last.settings.depth == 59
    assert snaps[0].grad_norms.shape[1] == 59
    assert "depth 59" in app.status.value
    assert len(trainer_threads()) == 1


def test_query_string_sets_the_controls_and_notes_bad_items():
    app = App.from_query("depth=7&skip=0&activation=sigmoid&lang=zh&steps=abc&bogus=1&width=8")
    try:
        assert (app.depth.value, app.skip.value, app.activation.value) == (7, False, "sigmoid")
        assert app.lang.value == "zh" and app.steps.value == 200
        assert "steps" in app.notes.value and "bogus" in app.notes.value
        assert "depth=7" in app.link.value and "skip=0" in app.link.value
        app.wait(120)
        assert app.status_state == "done"
    finally:
        app.close()


def test_a_query_applied_after_building_moves_the_controls_as_from_query_does():
    # the dashboard notebook's order: the app is built (its default run starts) before the
    # page's query is known, then the query moves it; the end must be from_query's
    query = "depth=7&skip=0&activation=sigmoid&lang=zh&steps=abc&bogus=1&width=8"
    built, direct = App(), App.from_query(query)
    try:
        assert built.apply_query(query) is built
        for app in (built, direct):
            assert app.wait(120) is not None and app.status_state == "done"
        assert built.settings == direct.settings
        assert built.notes.value == direct.notes.value and "bogus" in built.notes.value
        assert built.link.value == direct.link.value and "depth=7" in built.link.value
        assert built.runner.last.settings.depth == 7  # the default run gave way to the query
        losses = [[s.losses for s in app.runner.last.snaps] for app in (built, direct)]
        assert all(np.array_equal(a, b) for a, b in zip(*losses, strict=True))
    finally:
        built.close()
        direct.close()
    # a page with no query (most of a class) finds the pre-built app's default run as it is
    app = App()
    try:
        assert app.wait(120) is not None
        last = app.runner.last
        app.apply_query("")
        assert app.runner.last is last and app.status_state == "done" and not app.notes.value
    finally:
        app.close()


def test_query_text_cannot_inject_html():
    app = App.from_query("depth=<img src=x onerror=alert(1)>&<b>=1&steps=20&width=4")
    try:
        assert "<img" not in app.notes.value and "<b>" not in app.notes.value
        assert "&lt;img" in app.notes.value
    finally:
        app.close()


def test_close_stops_the_worker():
    before = len(trainer_threads())
    app = App(Settings(**SMALL))
    app.close()
    assert len(trainer_threads()) == before


def test_settings_round_trip_through_the_query_string():
    s = Settings(depth=50, skip=False, alpha=0.35, activation="relu", init_scale=2.0, lr=0.003,
                 dataset="xor", lang="zh", compare=False, seed=7)
    assert parse_query(to_query(s)) == (s, [])
    assert to_query(Settings()) == ""
    settings, notes = parse_query("lr=0.02&depth=999&skip=maybe")
    assert settings.lr == 0.03 and settings.depth == Settings().depth
    assert len(notes) == 3


def test_cache_is_bounded_in_items_and_bytes():
    def snap(n):
        return Snapshot(alpha=0.0, losses=np.zeros(n), grad_norms=np.zeros((n, 10), np.float32),
                        steps=n)

    cache = ResultCache(max_items=3, max_bytes=10_000)
    for i in range(5):
        cache.put(i, snap(10))
    assert len(cache) == 3 and cache.get(0) is None and cache.get(4) is not None
    cache.put("big", snap(400))  # 19 kB alone: only the newest stays
    assert len(cache) == 1 and cache.get("big") is not None


def test_settings_refuse_bad_values_whichever_way_they_are_made():
    with pytest.raises(ValueError, match="depth must be in"):
        Settings(depth=0)
    with pytest.raises(ValueError, match="dataset"):
        Settings(dataset="mnist")
    with pytest.raises(ValueError, match="skip must be True or False"):
        Settings(skip=1)


def test_the_scrubber_takes_every_profile_back_to_the_step_shown():
    # the browser test moves the scrubber; here the numbers it must put on the page
    app = App(Settings(depth=6, width=8, steps=40))
    try:
        snaps = app.wait(120)
        assert snaps is not None and app.status_state == "done"
        for step in (0, 17, 39):
            app.scrub.value = step
            for slot, s in enumerate(snaps):
                np.testing.assert_allclose(app.figures.profile.shown[slot].y,
                                           s.grad_norms[step])
                np.testing.assert_allclose(app.figures.profile.shown_dots[slot].y,
                                           s.grad_norms[step])
        assert not np.allclose(snaps[0].grad_norms[0], snaps[0].grad_norms[39])
    finally:
        app.close()


def test_a_page_connecting_during_a_run_does_not_pin_the_panels_to_a_step():
    # the page's play<->scrubber link starts by copying play's value to the scrubber. in a
    # pre-heated kernel no page had echoed the scrubber to play, so play said 0, and that
    # copy pinned every panel at step 0 for the whole next run (the browser test saw the
    # paused profile drawn on its step-0 line)
    app = App(Settings(depth=6, width=8, steps=40))
    try:
        assert app.wait(120) is not None
        assert app.play.value == app.scrub.value == 39  # both ends of the link agree
        app.pause.value = True  # hold the next run where the page connects
        app.set(seed=1, steps=400)
        deadline = time.monotonic() + 60
        while not (app.runner.last and app.runner.last.settings.seed == 1
                   and app.runner.last.paused) and time.monotonic() < deadline:
            time.sleep(0.01)
        app.pause.value = False  # training again: the scrubber is off
        deadline = time.monotonic() + 60
        while not (app.scrub.disabled and app.runner.last.step > 5) \
                and time.monotonic() < deadline:
            time.sleep(0.01)
        assert app.scrub.disabled and app.runner.busy and not app.runner.last.paused
        app.scrub.value = app.play.value  # what the link does as the page connects
        app.scrub.value = 0  # a stale value from a page, whatever it is
        assert app.figures.shown_step is None
        app.pause.value = True
        deadline = time.monotonic() + 60
        while not (app.runner.last.paused and app.runner.last.step > 5
                   and not app.scrub.disabled) and time.monotonic() < deadline:
            time.sleep(0.01)
        last = app.runner.last
        assert last.paused and last.step > 5
        for slot, snap in enumerate(last.snaps):
            np.testing.assert_allclose(app.figures.profile.shown[slot].y, snap.grad_norms[-1])
            assert not np.allclose(snap.grad_norms[-1], snap.grad_norms[0])
        assert app.play.value == app.scrub.value == last.step - 1
    finally:
        app.close()


def test_a_scrub_during_the_workers_own_move_of_the_scrubber_is_not_lost():
    # the worker thread moves the scrubber quietly when a frame lands; a learner's scrub
    # arriving on the main thread meanwhile must still be acted on
    app = App(Settings(depth=6, width=8, steps=40))
    try:
        snaps = app.wait(120)
        assert snaps is not None
        entered, release = threading.Event(), threading.Event()

        def worker_moves_the_scrubber():
            app._quiet = True  # what _transport does around its own moves
            entered.set()
            release.wait(10)
            app._quiet = False

        t = threading.Thread(target=worker_moves_the_scrubber)
        t.start()
        entered.wait(10)
        app.scrub.value = 5  # the learner, on the main thread
        release.set()
        t.join()
        assert app.figures.shown_step == 5
        np.testing.assert_allclose(app.figures.profile.shown[0].y, snaps[0].grad_norms[5])
    finally:
        app.close()
