"""lesson 03's words and widgets, computed from real runs (never canned)."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import skipviz as sv  # noqa: E402
from skipviz.lessons import vanishing as v3  # noqa: E402
from skipviz.lessons.vanishing import DepthSweepView, SweepPanel  # noqa: E402
from skipviz.measure.boundary import decision_grid  # noqa: E402


def fake(rows, moved, alpha=0.0):
    g = np.array(rows, dtype=float)
    return sv.TrainResult(losses=np.full(len(g), 0.5), grad_norms=g, weight_grad_norms=g,
                          accuracy=0.5, config={"alpha": alpha, "optimizer": "sgd"},
                          weight_moved=np.array(moved, dtype=float))


def test_exact_zeros_are_named_for_the_log_plot():
    r = fake([[0.0, 0.0, 1e-3, 1.0]], [[0.0, 1e-9, 1e-3, 1e-2]])
    assert v3.zero_note(r, 0) == ("plain (no skip): layers 1–2 exactly 0, "
                                  "which a log axis cannot draw")
    assert "layer 1 exactly 0" in v3.zero_note(r, 0, "weight_moved")
    assert v3.zero_note(fake([[1.0, 1.0]], [[1.0, 1.0]]), 0) is None


def test_move_outcome_reads_the_distances():
    assert v3.move_outcome(fake([[1, 1]], [[1e-8, 1e-2]])) == v3.MOVE_OPTIONS[0]
    assert v3.move_outcome(fake([[1, 1]], [[0.6, 0.5]])) == v3.MOVE_OPTIONS[1]
    assert v3.move_outcome(fake([[1, 1]], [[0.6, 0.01]])) == v3.MOVE_OPTIONS[2]
    assert "block 1's weights moved 1e-08" in v3.moved_sentence(fake([[1, 1]], [[1e-8, 1e-2]]))


def test_sgd_freezes_what_adam_moves_in_the_lesson_s_run(spirals):
    """the lesson's first two predictions, from compare(), at 30 steps."""
    X, y = spirals
    sgd = sv.compare(X, y, depth=30, skips=(0.0,), steps=30, optimizer="sgd")[0]
    adam = sv.compare(X, y, depth=30, skips=(0.0,), steps=30, optimizer="adam")[0]
    assert v3.move_outcome(sgd) == v3.MOVE_OPTIONS[0]
    assert v3.move_outcome(adam) == v3.MOVE_OPTIONS[1]
    orders, word = v3.gradient_verdict(sgd)
    assert orders < -3 and word == "vanishing"
    outcome = v3.move_outcome(sgd)
    assert "frozen" in v3.explain_sgd([sgd])(outcome, outcome)
    assert "adam divides" in v3.explain_adam([adam])(outcome, v3.move_outcome(adam))


def test_sweep_panel_disables_its_button_while_running_and_counts(spirals):
    X, y = spirals
    fig = matplotlib.figure.Figure()
    seen = []
    panel = SweepPanel(X, y, DepthSweepView(fig.add_subplot()), lambda: None, depths="1, 2",
                       seeds=(0,), steps=3, width=4)
    original = panel._tick

    def tick(done, total):
        seen.append((done, total, panel.button.disabled))
        original(done, total)

    panel._tick = tick
    sweep = panel.run("1, 2")
    assert seen == [(1, 2, True), (2, 2, True)] and not panel.button.disabled
    assert panel.progress.value == 2 and sweep["final_loss"].shape == (2, 2, 1)
    assert panel.run("1, x") is None and "depths" in panel.status.value
    assert not panel.button.disabled


def test_reference_menu_names_every_init():
    labels = [label for label, _ in v3.reference_options()]
    assert any("pytorch default" in label for label in labels)
    assert dict(v3.reference_options())[labels[1]] == pytest.approx(3 ** 0.5)


# ---------------------------------------------------------------- the live training view

LIVE = dict(alpha=1.0, init_scale=1.0, activation="tanh", optimizer="adam")


def loss_drawn(view, slot) -> dict:
    """step -> loss, as the loss panel's visible band marks hold it (bands share an end)."""
    drawn = {}
    for mark in view.loss.lines[slot]:
        if mark.visible:
            drawn.update(zip(np.asarray(mark.x).astype(int).tolist(),
                             np.asarray(mark.y, dtype=float).tolist(), strict=True))
    return drawn


def test_the_view_draws_while_the_nets_train(spirals):
    X, y = spirals
    view = v3.TrainingView(X, y, frame_seconds=0.0, static_copy=False)
    follow, seen = view.follow(), []

    def callback(results):
        follow(results)
        seen.append((results[0].steps_run, len(loss_drawn(view, 0)), len(loss_drawn(view, 1)),
                     view.frames, view.grad_x.figure.title))

    results = v3.train_pair(X, y, depth=4, callback=callback, **LIVE)
    # compare() called back after step 1 and every CALLBACK_EVERY steps; each call drew a
    # frame, and the loss panel held exactly the steps run so far, for both nets
    assert [s[0] for s in seen] == [1, *range(v3.CALLBACK_EVERY, v3.STEPS + 1, v3.CALLBACK_EVERY)]
    assert all(run == plain == skip for run, plain, skip, _, _ in seen)
    assert [s[3] for s in seen] == list(range(1, len(seen) + 1))
    assert seen[1][4] == "‖dL/dx_l‖ at step 0 (solid), step 4 (dashed)"  # the latest step
    # boundaries were kept on their schedule, from the nets as they were at the time
    assert [k[0] for k in view.boundaries[1].kept] == [0, 49, 99, 149]
    assert not np.array_equal(view.boundaries[1].kept[0][1], view.boundaries[1].kept[-1][1])
    assert len(results[0].losses) == v3.STEPS


def test_the_final_view_shows_the_run_s_own_numbers(spirals):
    X, y = spirals
    view = v3.TrainingView(X, y, static_copy=False)
    results = v3.train_pair(X, y, depth=6, callback=view.follow(), **LIVE)
    again = v3.train_pair(X, y, depth=6, **LIVE)  # the view only reads: the same numbers
    for a, b in zip(results, again, strict=True):
        for field in ("losses", "grad_norms", "weight_grad_norms", "weight_moved"):
            np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    view.show(results, v3.STEPS - 1)
    panels = ((view.grad_x, "grad_norms"), (view.grad_w, "weight_grad_norms"),
              (view.moved.profile, "weight_moved"))
    for slot, r in enumerate(results):
        drawn = loss_drawn(view, slot)
        assert sorted(drawn) == list(range(v3.STEPS))
        np.testing.assert_array_equal([drawn[s] for s in range(v3.STEPS)], r.losses)
        for panel, field in panels:
            rows = getattr(r, field)
            np.testing.assert_array_equal(panel.start[slot].y, rows[0])
            np.testing.assert_array_equal(panel.shown[slot].y, rows[-1])
            assert panel.start[slot].colors == [sv.variant_color(r.alpha)]
        # the map is the trained net's own boundary, on the view's grid
        np.testing.assert_allclose(view.maps[slot].grid.color,
                                   decision_grid(r.net, X, v3.BOUNDARY_GRID)[2], atol=1e-6)
        assert view.maps[slot].figure.title == (
            f"{sv.variant_label(r.alpha)}: accuracy {r.accuracy:.0%}, map after step 149")
    assert view.key.value.count("━") == 2 and sv.RESIDUAL_COLOR in view.key.value


def test_the_step_slider_scrubs_every_panel(spirals):
    X, y = spirals
    view = v3.TrainingView(X, y, static_copy=False)
    results = v3.train_pair(X, y, depth=4, callback=view.follow(), **LIVE)
    view.show(results, v3.STEPS - 1)
    final_map = view.maps[1].grid.color
    view.show_step(60)
    r = results[1]
    np.testing.assert_array_equal(view.grad_x.shown[1].y, r.grad_norms[60])
    np.testing.assert_array_equal(view.moved.profile.shown[1].y, r.weight_moved[60])
    np.testing.assert_array_equal(view.grad_x.start[1].y, r.grad_norms[0])  # step 0 stays
    assert list(view.loss.cursor.x) == [60, 60] and view.loss.cursor.visible
    # the boundary kept at or before step 60 is the one after step 49
    assert view.maps[1].figure.title.endswith("map after step 49")
    np.testing.assert_array_equal(view.maps[1].grid.color, view.boundaries[1].kept[1][1])
    assert not np.array_equal(view.maps[1].grid.color, final_map)
    view.show_step(0)
    assert view.maps[1].figure.title.endswith("map after step 0")
    assert view.grad_x.figure.title == "‖dL/dx_l‖ at step 0 (solid), step 0 (dashed)"


def test_frames_are_throttled_by_time(spirals):
    X, y = spirals
    view = v3.TrainingView(X, y, frame_seconds=1e9, static_copy=False)
    results = v3.train_pair(X, y, depth=2, callback=view.follow(), **LIVE)
    assert view.frames == 1  # the first call draws; then none for a billion seconds
    view.show(results)
    assert view.frames == 2 and len(loss_drawn(view, 0)) == v3.STEPS


def test_one_run_a_refused_run_and_a_diverged_one(spirals):
    X, y = spirals
    view = v3.TrainingView(X, y, static_copy=False)
    results = v3.train_pair(X, y, depth=3, alpha=0.0, init_scale=1.0, activation="tanh",
                            optimizer="sgd", callback=view.follow())
    view.show(results)
    assert len(results) == 1 and view.maps[1].figure.title == "(no second run: α = 0)"
    assert len(view.grad_x.start[1].y) == 0 and not view.maps[1].grid.visible
    frames = view.frames
    with pytest.raises(ValueError):  # refused before its first step: the view keeps its run
        v3.train_pair(X, y, depth=3, alpha=1.0, init_scale=-1.0, activation="tanh",
                      optimizer="sgd", callback=view.follow())
    assert view.frames == frames and view.results[0] is results[0]
    boom = v3.train_pair(X, y, depth=60, alpha=1.0, init_scale=6.0, activation="relu",
                         optimizer="sgd", callback=view.follow())
    view.show(boom)
    assert all(r.diverged for r in boom)
    assert view.loss.note == "; ".join(f"{sv.variant_label(r.alpha)}: diverged at step "
                                       f"{r.diverged_at}" for r in boom)
    assert "nothing finite at step" in view.notes.value
    assert all(m.figure.title.startswith(f"{sv.variant_label(r.alpha)}: diverged at step")
               for m, r in zip(view.maps, boom, strict=True))


def test_panel_notes_name_the_layers_a_log_axis_cannot_draw():
    r = fake([[0.0, 0.0, 1e-3, 1.0], [0.0, 1.0, 1.0, 1.0], [np.nan] * 4],
             [[0.0, 1e-9, 1e-3, 1e-2]] * 3)
    assert v3.panel_notes([r], "grad_norms", 1) == [
        "plain (no skip): layers 1–2 exactly 0 at step 0",
        "plain (no skip): layer 1 exactly 0 at step 1"]
    assert v3.panel_notes([r], "weight_moved", None) == [
        "plain (no skip): layer 1 exactly 0 at step 0 and 2"]
    last = v3.panel_notes([r], "grad_norms", None)[-1]
    assert last == "plain (no skip): nothing finite at step 2"


def test_the_static_copy_is_a_png_a_live_page_hides(spirals):
    import base64
    import io

    from PIL import Image

    from skipviz.lessons.static_copy import MARK

    X, y = spirals
    view = v3.TrainingView(X, y, static_copy=False)
    assert v3.StaticCopy.attach(view, X, y) is None  # no ipython here: no copy
    copy = v3.StaticCopy(view, X, y)
    results = v3.train_pair(X, y, depth=4, callback=view.follow(), **LIVE)
    view.show(results, 20)
    data, meta = copy.bundle(view)
    assert data["application/vnd.jupyter.widget-view+json"]["model_id"] == ""
    png = Image.open(io.BytesIO(base64.b64decode(data["image/png"])))
    assert png.size == (meta["image/png"]["width"], meta["image/png"]["height"]) and meta[MARK]
    # the picture draws the view's numbers at the view's step
    assert copy.picture.grad_x.ax.get_title() == view.grad_x.figure.title
    np.testing.assert_array_equal(copy.picture.loss.lines[1].get_ydata(), results[1].losses)
    assert [v.ax.get_title() for v in copy.picture.maps] == [
        m.figure.title for m in view.maps]
    assert copy.drawn == view.frames


def test_an_executed_notebook_keeps_a_current_png_of_the_training_view():
    import nbformat
    from nbclient import NotebookClient

    from skipviz.lessons.static_copy import MARK

    png = "print(view.static.bundle(view)[0]['image/png'])"
    cells = [
        "import ipywidgets as W\nimport skipviz as sv\n"
        "from skipviz.lessons import vanishing as v3\n"
        "X, y = sv.make_dataset('spirals', n=64, seed=0)\nview = v3.TrainingView(X, y)\n"
        "def run(alpha):\n"
        "    results = v3.train_pair(X, y, depth=2, alpha=alpha, init_scale=1.0, "
        "activation='tanh', optimizer='adam', callback=view.follow())\n"
        "    view.show(results, None)",
        "W.VBox([W.HTML('controls'), view.widget])",  # 1: the cell that shows the view
        "run(1.0)",  # 2: changes it: the png in cell 1 follows
        png,
        "run(0.0)",  # 4: again, after a cell that did not change the view
        "print(view.static.picture.maps[1].ax.get_title())\n" + png,
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    NotebookClient(nb, timeout=300, kernel_name="python3").execute()
    marked = [[o for o in c.outputs if o.get("metadata", {}).get(MARK)] for c in nb.cells]
    assert [len(m) for m in marked] == [0, 1, 0, 0, 0, 0]
    printed = [
        "".join(o.get("text", "") for o in c.outputs if o.output_type == "stream").strip()
        for c in nb.cells]
    title, last = printed[5].split("\n")
    assert title == "(no second run: α = 0)"  # the cell after the last run redrew it...
    # ...and the png in cell 1 is that last picture, not the one after cell 2
    copy = pixels(marked[1][0].data["image/png"])
    assert copy == pixels(last) and copy != pixels(printed[3])


def pixels(b64: str) -> bytes:
    import base64
    import io

    from PIL import Image

    return Image.open(io.BytesIO(base64.b64decode(b64))).convert("RGB").tobytes()
