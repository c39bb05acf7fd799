"""the canvas guard against the page-sent sizes of issue 14 (D4), on a real ipympl canvas."""

import math

import pytest
from ipympl.backend_nbagg import new_figure_manager_given_figure
from matplotlib.figure import Figure

from skipviz.viz import canvas_guard


@pytest.fixture
def canvas():
    # an ipympl canvas without switching the session's matplotlib backend
    canvas_guard.install()
    fig = Figure(figsize=(4, 3))
    fig.add_subplot().plot([0, 1], [1, 0])
    manager = new_figure_manager_given_figure(1, fig)
    yield manager.canvas
    manager.canvas.close()


def physical(canvas):
    width, height = canvas.figure.bbox.size
    return width, height


def test_a_huge_resize_is_capped_and_an_ordinary_one_is_kept(canvas):
    canvas._handle_message(canvas, {"type": "resize", "width": 16000, "height": 16000}, [])
    width, height = physical(canvas)
    # unguarded, matplotlib sets 16000 x 16000: one rgba buffer alone would be 1 GB
    assert width * height <= canvas_guard.MAX_PIXELS * 1.001 and max(width, height) <= 6000
    assert math.isclose(width, height, rel_tol=1e-6)  # the aspect the page asked for
    canvas._handle_message(canvas, {"type": "resize", "width": 900, "height": 500}, [])
    assert physical(canvas) == pytest.approx((900, 500))


def test_a_huge_pixel_ratio_is_capped_and_the_area_stays_inside(canvas):
    canvas._handle_message(canvas, {"type": "resize", "width": 2000, "height": 1500}, [])
    canvas._handle_message(canvas, {"type": "set_device_pixel_ratio",
                                    "device_pixel_ratio": 100}, [])
    assert canvas.device_pixel_ratio == canvas_guard.MAX_PIXEL_RATIO
    width, height = physical(canvas)
    assert width * height <= canvas_guard.MAX_PIXELS * 1.001
    canvas._handle_message(canvas, {"type": "set_dpi_ratio", "dpi_ratio": 1e9}, [])
    assert canvas.device_pixel_ratio == canvas_guard.MAX_PIXEL_RATIO


@pytest.mark.parametrize("event", [
    {"type": "resize", "width": "16000", "height": 10},
    {"type": "resize", "width": float("nan"), "height": 10},
    {"type": "resize", "width": True, "height": 10},
    {"type": "set_device_pixel_ratio", "device_pixel_ratio": -1},
    {"type": "set_device_pixel_ratio", "device_pixel_ratio": float("inf")},
])
def test_a_size_that_is_not_a_number_is_dropped_and_the_canvas_keeps_working(canvas, event):
    before = physical(canvas)
    canvas._handle_message(canvas, event, [])
    assert physical(canvas) == before
    canvas._handle_message(canvas, {"type": "resize", "width": 640, "height": 480}, [])
    assert physical(canvas)[0] == pytest.approx(640 * canvas.device_pixel_ratio)


def test_a_redraw_after_the_attack_allocates_megabytes_not_gigabytes(canvas):
    canvas._handle_message(canvas, {"type": "set_device_pixel_ratio",
                                    "device_pixel_ratio": 100}, [])
    canvas._handle_message(canvas, {"type": "resize", "width": 16000, "height": 16000}, [])
    canvas.draw()
    buffer = canvas.get_renderer().buffer_rgba()
    assert buffer.nbytes <= 4 * canvas_guard.MAX_PIXELS * 1.001, buffer.nbytes
    print(f"\nafter the attack the canvas buffer is {buffer.nbytes / 2**20:.0f} MB "
          f"(unguarded: {4 * (16000 * 4) ** 2 / 2**30:.0f} GB)")


def test_install_is_idempotent_and_clamp_event_passes_other_events():
    canvas_guard.install()
    canvas_guard.install()
    from ipympl.backend_nbagg import Canvas

    assert Canvas.handle_resize.__name__ == "handle_resize"
    assert canvas_guard.clamp_event({"type": "draw"}) == {"type": "draw"}
